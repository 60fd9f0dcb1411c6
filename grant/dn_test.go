package grant

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/tokenmint/tokenmint/internal/testpki"
)

// TestDNMatch: a registered tls_client_auth_subject_dn matches the
// certificate's subject as a name (RFC 8705 §2.1.2, RFC 4514): attribute
// types by OID in any spelling, values case- and space-insensitively,
// multi-valued RDNs in any order, escapes and #hex values decoded; a
// different value, order, or number of RDNs does not match.
func TestDNMatch(t *testing.T) {
	name := pkix.Name{CommonName: "Partner, Inc+1", Organization: []string{"Example  Corp"}, OrganizationalUnit: []string{"Payments"}, Country: []string{"DE"}}
	leaf := testpki.SelfSigned(t, testpki.Spec{Subject: name}).Cert
	got, ok := certSubject(leaf.RawSubject)
	if !ok {
		t.Fatal("the certificate's subject does not read")
	}
	match := []string{
		leaf.Subject.String(), // Go's own RFC 4514 form
		`CN=Partner\, Inc\+1,OU=Payments,O=Example Corp,C=DE`,
		`cn=partner\, inc\+1 , ou=PAYMENTS,  o=example corp,c=de`,
		`2.5.4.3=Partner\2C Inc\2B1,OID.2.5.4.11=Payments,O=Example   Corp,C=DE`,
		`CN=#0C0E506172746E65722C20496E632B31,OU=Payments,O=Example Corp,C=DE`, // UTF8String "Partner, Inc+1"
	}
	for _, dn := range match {
		want, err := parseDN(dn)
		if err != nil {
			t.Errorf("%q: %v", dn, err)
			continue
		}
		if !want.equal(got) {
			t.Errorf("%q does not match %s", dn, leaf.Subject)
		}
	}
	noMatch := []string{
		`CN=Partner\, Inc+1,OU=Payments,O=Example Corp,C=DE`, // an unescaped + makes a multi-valued RDN
		`CN=Partner\, Inc\+2,OU=Payments,O=Example Corp,C=DE`,
		`C=DE,O=Example Corp,OU=Payments,CN=Partner\, Inc\+1`, // reversed
		`CN=Partner\, Inc\+1,OU=Payments,O=Example Corp`,
		`CN=Partner\, Inc\+1,OU=Payments,O=Example Corp,C=DE,DC=example`,
		`SN=Partner\, Inc\+1,OU=Payments,O=Example Corp,C=DE`,
	}
	for _, dn := range noMatch {
		want, err := parseDN(dn)
		if err == nil && want.equal(got) {
			t.Errorf("%q matches %s", dn, leaf.Subject)
		}
	}
	for _, bad := range []string{"", "   ", "CN", "CN=a,=b", "FOO=a", "1=a", "2.5.4.03=a", `CN=a\`, "CN=#zz", "CN=#0201", string(make([]byte, maxDNBytes+1))} {
		if _, err := parseDN(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestDNMultiValuedRDN: the attributes of one RDN match in any order.
func TestDNMultiValuedRDN(t *testing.T) {
	rdns := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Example"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "app"}, {Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: "42"}},
	}
	raw, err := asn1.Marshal(rdns)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := certSubject(raw)
	if !ok {
		t.Fatal("subject does not read")
	}
	for _, dn := range []string{"CN=app+UID=42,O=Example", "UID=42+cn=APP,o=example"} {
		want, err := parseDN(dn)
		if err != nil || !want.equal(got) {
			t.Errorf("%q: %v, match %v", dn, err, err == nil && want.equal(got))
		}
	}
}

// FuzzParseDN: the RFC 4514 parser never panics, and a name it parses
// equals itself.
func FuzzParseDN(f *testing.F) {
	for _, s := range []string{`CN=a\, b,O=c+OU=d`, `2.5.4.3=#0C0161`, `cn=\41\42`, `CN=a\`, `,,,`, `+=+`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseDN(s)
		if err != nil {
			return
		}
		if !n.equal(n) {
			t.Fatalf("%q does not equal itself", s)
		}
	})
}
