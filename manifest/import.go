package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint/clientmeta"
)

// ImportOptions tune the import converters.
type ImportOptions struct {
	// IgnoreUnsupported drops the members tokenmint does not support
	// (a logout URI, CORS origins, a JWKS, ...) with a warning, instead
	// of refusing the client.
	IgnoreUnsupported bool
}

// Imported is the result of converting another server's export: a
// manifest of its clients, and warnings about what was left out.
type Imported struct {
	Manifest *Manifest
	Warnings []string
}

// jsonItems splits an export into its client objects: an array of them,
// one object, or a paginated object whose "items" (Ory's form) or
// "clients" hold them. isClient tells a client object from a page.
func jsonItems(data []byte, isClient func(map[string]json.RawMessage) bool) ([]json.RawMessage, []string, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, nil, fmt.Errorf("not a JSON array of clients: %w", err)
		}
		return items, nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, nil, fmt.Errorf("not a JSON object or array of clients: %w", err)
	}
	if isClient(obj) {
		return []json.RawMessage{data}, nil, nil
	}
	var warnings []string
	for _, key := range []string{"items", "clients"} {
		raw, ok := obj[key]
		if !ok {
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, nil, fmt.Errorf("%s is not an array of clients: %w", key, err)
		}
		var last bool
		if raw, ok := obj["is_last_page"]; ok && json.Unmarshal(raw, &last) == nil && !last {
			warnings = append(warnings, "the export is one page of a longer list (is_last_page is false): export every page")
		}
		return items, warnings, nil
	}
	return nil, nil, errors.New("no clients found: expected a client object, an array of them, or an object with items")
}

// FromRFC7591 converts client metadata in RFC 7591 §2 form (what
// tokenmint's admin API answers, and other servers' registration
// responses): one JSON object or an array of them. client_id is required;
// members the server sets (client_secret, client_id_issued_at, ...) are
// dropped, since a secret is generated anew.
func FromRFC7591(data []byte, opts ImportOptions) (*Imported, error) {
	items, warnings, err := jsonItems(data, func(o map[string]json.RawMessage) bool { _, ok := o["client_id"]; return ok })
	if err != nil {
		return nil, err
	}
	out := &Imported{Manifest: &Manifest{}, Warnings: warnings}
	known := clientmeta.Names()
	for i, raw := range items {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			return nil, fmt.Errorf("client %d: not a JSON object: %w", i+1, err)
		}
		name := fmt.Sprintf("client %d", i+1)
		var id string
		if json.Unmarshal(keys["client_id"], &id) == nil && id != "" {
			name = "client " + id
		}
		f, err := clientmeta.DecodeWith(raw, clientmeta.DecodeOptions{IgnoreReadOnly: true, IgnoreUnknown: opts.IgnoreUnsupported})
		if err != nil {
			return nil, fmt.Errorf("%s: %w%s", name, err, unsupportedHint(err, opts))
		}
		if f.ClientID == nil || *f.ClientID == "" {
			return nil, fmt.Errorf("%s: client_id is required, so that importing again updates the same client", name)
		}
		if f.Owner != nil && *f.Owner != "" {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s: left out owner %q, a user ID of the server exported: give the manifest's client owner: USERNAME", name, *f.Owner))
		}
		f.Owner = nil // a user ID means nothing in another database; a manifest names owners by username
		if opts.IgnoreUnsupported {
			var dropped []string
			for _, k := range slices.Sorted(maps.Keys(keys)) {
				if !slices.Contains(known, k) && !isServerSet(k) {
					dropped = append(dropped, k)
				}
			}
			if len(dropped) > 0 {
				out.Warnings = append(out.Warnings, fmt.Sprintf("%s: left out %s", name, strings.Join(dropped, ", ")))
			}
		}
		out.Manifest.Clients = append(out.Manifest.Clients, Client{Fields: *f})
	}
	return out, out.Manifest.checkUnique()
}

// isServerSet names the RFC 7591 and RFC 7592 members a server sets.
func isServerSet(k string) bool {
	switch k {
	case clientmeta.FieldClientSecret, clientmeta.FieldClientIDIssuedAt, clientmeta.FieldClientSecretExpiresAt,
		clientmeta.FieldAPIKey, clientmeta.FieldPreviousSecretExpiresAt, "registration_access_token", "registration_client_uri":
		return true
	}
	return false
}

// unsupportedHint suggests --ignore-unsupported for a refused member.
func unsupportedHint(err error, opts ImportOptions) string {
	if e, ok := clientmeta.AsError(err); ok && !opts.IgnoreUnsupported &&
		(strings.Contains(e.Description, "not supported") || strings.Contains(e.Description, "unknown member")) {
		return " (remove it, or import with --ignore-unsupported to leave such members out)"
	}
	return ""
}
