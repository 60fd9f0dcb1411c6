package grant

import (
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A distinguished name as registered in tls_client_auth_subject_dn (RFC
// 8705 §2.1.2) is an RFC 4514 string; a certificate's subject is the DER
// RDNSequence. They are compared as names, not as text: each RDN in turn
// (the string lists them last first, RFC 4514 §2.1), the attributes of a
// multi-valued RDN in any order, attribute types by OID whatever name or
// case they are written in, and values by the caseIgnoreMatch of RFC 4517
// §4.2.11 (case folded, leading and trailing spaces dropped, inner runs
// of spaces made one), which is the matching rule of the directory
// string attributes certificates name subjects with.

// maxDNBytes bounds a distinguished name parsed.
const maxDNBytes = 4096

// dnAttr is one attribute of an RDN: its type's OID in dotted form and
// its value, normalised.
type dnAttr struct{ oid, value string }

// dnName is a name, RDNs in the certificate's order (most significant
// first), each sorted for comparison.
type dnName [][]dnAttr

// attrTypes are the short names of RFC 4514 §3, and the others
// certificates commonly carry, with their OIDs.
var attrTypes = map[string]string{
	"cn": "2.5.4.3", "l": "2.5.4.7", "st": "2.5.4.8", "o": "2.5.4.10", "ou": "2.5.4.11",
	"c": "2.5.4.6", "street": "2.5.4.9", "dc": "0.9.2342.19200300.100.1.25", "uid": "0.9.2342.19200300.100.1.1",
	"serialnumber": "2.5.4.5", "sn": "2.5.4.4", "givenname": "2.5.4.42", "title": "2.5.4.12",
	"postalcode": "2.5.4.17", "organizationidentifier": "2.5.4.97",
	"emailaddress": "1.2.840.113549.1.9.1", "e": "1.2.840.113549.1.9.1",
}

// parseDN parses an RFC 4514 string. Values in the #hex form (a BER
// encoding) are decoded when they hold a string.
func parseDN(s string) (dnName, error) {
	if len(s) > maxDNBytes {
		return nil, errors.New("distinguished name too long")
	}
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty distinguished name")
	}
	var name dnName
	for _, rdnText := range splitUnescaped(s, ',') {
		var rdn []dnAttr
		for _, attrText := range splitUnescaped(rdnText, '+') {
			a, err := parseAttr(attrText)
			if err != nil {
				return nil, err
			}
			rdn = append(rdn, a)
		}
		name = append(name, sortRDN(rdn))
	}
	slices.Reverse(name) // RFC 4514 §2.1: the string starts with the last RDN
	return name, nil
}

// splitUnescaped splits s at each sep not preceded by an escaping
// backslash.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func parseAttr(s string) (dnAttr, error) {
	typ, val, ok := strings.Cut(s, "=")
	if !ok {
		return dnAttr{}, fmt.Errorf("%q is not TYPE=VALUE", truncate(s))
	}
	oid, err := attrOID(strings.TrimSpace(typ))
	if err != nil {
		return dnAttr{}, err
	}
	val = strings.TrimLeft(val, " ")
	var v string
	if strings.HasPrefix(val, "#") {
		v, err = hexValue(strings.TrimSpace(val[1:]))
	} else {
		v, err = unescapeValue(val)
	}
	if err != nil {
		return dnAttr{}, err
	}
	return dnAttr{oid: oid, value: normValue(v)}, nil
}

// attrOID resolves an attribute type: a short name, or a dotted OID.
func attrOID(t string) (string, error) {
	if oid, ok := attrTypes[strings.ToLower(t)]; ok {
		return oid, nil
	}
	t = strings.TrimPrefix(strings.TrimPrefix(t, "OID."), "oid.")
	parts := strings.Split(t, ".")
	if len(parts) < 2 {
		return "", fmt.Errorf("unknown attribute type %q", truncate(t))
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" || (len(p) > 1 && p[0] == '0') {
			return "", fmt.Errorf("unknown attribute type %q", truncate(t))
		}
	}
	return t, nil
}

// unescapeValue undoes RFC 4514 §2.4 escaping: a backslash before a
// special character, or before two hex digits of a UTF-8 byte.
func unescapeValue(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("distinguished name ends with a lone backslash")
		}
		if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := hex.DecodeString(s[i+1 : i+3])
			b.WriteByte(v[0])
			i += 2
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	if !utf8.ValidString(b.String()) {
		return "", errors.New("distinguished name value is not UTF-8")
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// hexValue decodes the #hex form of RFC 4514 §2.4: a BER value, accepted
// when it is a string.
func hexValue(h string) (string, error) {
	der, err := hex.DecodeString(h)
	if err != nil {
		return "", errors.New("a #value of a distinguished name is not hex")
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &raw); err != nil || len(rest) > 0 {
		return "", errors.New("a #value of a distinguished name is not one BER value")
	}
	if v, ok := stringValue(raw); ok {
		return v, nil
	}
	return "", errors.New("a #value of a distinguished name is not a string")
}

// stringValue is the text of an attribute value of a string type.
func stringValue(raw asn1.RawValue) (string, bool) {
	if raw.Class != asn1.ClassUniversal {
		return "", false
	}
	switch raw.Tag {
	case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String, asn1.TagT61String, asn1.TagNumericString:
		return string(raw.Bytes), true
	case asn1.TagBMPString:
		if len(raw.Bytes)%2 != 0 {
			return "", false
		}
		var b strings.Builder
		for i := 0; i < len(raw.Bytes); i += 2 {
			b.WriteRune(rune(raw.Bytes[i])<<8 | rune(raw.Bytes[i+1]))
		}
		return b.String(), true
	}
	return "", false
}

// normValue applies caseIgnoreMatch's preparation (RFC 4518, in part):
// case folded, outer spaces dropped, inner runs of spaces made one.
func normValue(v string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(v, unicode.IsSpace), " "))
}

func sortRDN(rdn []dnAttr) []dnAttr {
	slices.SortFunc(rdn, func(a, b dnAttr) int {
		if c := strings.Compare(a.oid, b.oid); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	return rdn
}

// certSubject reads a certificate's subject (its RawSubject DER) as a
// dnName; ok is false for a subject that is not an RDNSequence of string
// values.
func certSubject(rawSubject []byte) (dnName, bool) {
	var seq []asn1.RawValue // the RDNSequence, each a SET of attributes
	if rest, err := asn1.Unmarshal(rawSubject, &seq); err != nil || len(rest) > 0 {
		return nil, false
	}
	name := make(dnName, 0, len(seq))
	for _, set := range seq {
		var atvs []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if rest, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set"); err != nil || len(rest) > 0 {
			return nil, false
		}
		attrs := make([]dnAttr, 0, len(atvs))
		for _, atv := range atvs {
			v, ok := stringValue(atv.Value)
			if !ok {
				return nil, false
			}
			attrs = append(attrs, dnAttr{oid: atv.Type.String(), value: normValue(v)})
		}
		name = append(name, sortRDN(attrs))
	}
	return name, true
}

// equal reports whether two names are the same name.
func (n dnName) equal(m dnName) bool {
	return slices.EqualFunc(n, m, func(a, b []dnAttr) bool { return slices.Equal(a, b) })
}
