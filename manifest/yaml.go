package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/tokenmint/tokenmint/clientmeta"
)

// maxDepth bounds the nesting of a value: client metadata nests two
// levels at most (claims).
const maxDepth = 8

// writeJSON writes the YAML value n as JSON, so that clientmeta's strict
// decoder checks it exactly as it checks an admin API request. Aliases,
// binary values, infinities and keys that are not strings are refused.
func writeJSON(buf *bytes.Buffer, n *yaml.Node) error { return writeJSONDepth(buf, n, 0) }

func writeJSONDepth(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return &Error{Line: n.Line, Err: errors.New("nested too deeply")}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return &Error{Line: n.Line, Err: errors.New("YAML aliases (*name) are not supported in a manifest")}
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				return &Error{Line: k.Line, Err: errors.New("keys must be strings")}
			}
			if seen[k.Value] {
				return &Error{Line: k.Line, Err: fmt.Errorf("key %q is given twice", k.Value)}
			}
			seen[k.Value] = true
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.Value)
			buf.WriteByte(':')
			if err := writeJSONDepth(buf, v, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, v := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSONDepth(buf, v, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	}
	return &Error{Line: n.Line, Err: errors.New("unexpected YAML node")}
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		writeString(buf, n.Value)
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return &Error{Line: n.Line, Err: err}
		}
		buf.WriteString(strconv.FormatBool(b))
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return &Error{Line: n.Line, Err: fmt.Errorf("number %s is out of range", n.Value)}
		}
		buf.WriteString(strconv.FormatInt(i, 10))
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return &Error{Line: n.Line, Err: fmt.Errorf("number %s is not a finite number", n.Value)}
		}
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	default:
		return &Error{Line: n.Line, Err: fmt.Errorf("values tagged %s are not supported", n.ShortTag())}
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}

// withEntry names the entry an *Error is about.
func withEntry(err error, entry string) error {
	var e *Error
	if errors.As(err, &e) && e.Entry == "" {
		e.Entry = entry
	}
	return err
}

// member returns the value of the member named name of a mapping node.
func member(n *yaml.Node, name string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i+1]
		}
	}
	return nil
}

// parseRef reads a credential reference, {env: NAME} or {file: PATH}.
// Anything else, a secret in clear above all, is refused.
func parseRef(name string, n *yaml.Node) (Ref, error) {
	form := fmt.Errorf("%s must be a reference, {env: NAME} or {file: PATH}: a credential is never written in the manifest itself", name)
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return Ref{}, form
	}
	k, v := n.Content[0], n.Content[1]
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" || v.Value == "" {
		return Ref{}, form
	}
	switch k.Value {
	case "env":
		if !validEnvName(v.Value) {
			return Ref{}, fmt.Errorf("%s: %q is not an environment variable name (letters, digits and _, not starting with a digit)", name, v.Value)
		}
		return Ref{Env: v.Value}, nil
	case "file":
		return Ref{File: v.Value}, nil
	}
	return Ref{}, form
}

func validEnvName(s string) bool {
	for i, c := range []byte(s) {
		ok := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return false
		}
	}
	return s != "" && len(s) <= 256
}

// memberError locates clientmeta's error about a member at that member's
// line, with a hint when YAML typed a value the member wants as a string.
func (c *Client) memberError(entry string, err error, n *yaml.Node) error {
	line := c.Line
	e, ok := clientmeta.AsError(err)
	if !ok {
		return &Error{Line: line, Entry: entry, Err: err}
	}
	msg := e.Description
	if l, ok := c.lines[e.Field]; ok {
		line = l
		if v := member(n, e.Field); v != nil && v.Kind == yaml.ScalarNode && v.ShortTag() != "!!str" &&
			bytes.Contains([]byte(msg), []byte("a string")) {
			msg += fmt.Sprintf(" (YAML reads %s as %s: quote it)", v.Value, v.ShortTag())
		}
	}
	return &Error{Line: line, Entry: entry, Err: errors.New(msg)}
}

// addUser parses one user entry.
func (m *Manifest) addUser(n *yaml.Node) error {
	u := User{Line: n.Line, lines: map[string]int{}}
	name := "user"
	if v := member(n, "username"); v != nil && v.Kind == yaml.ScalarNode {
		name = "user " + v.Value
	}
	var plain yaml.Node
	plain.Kind, plain.Tag = yaml.MappingNode, "!!map"
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(userMembers, k.Value) {
			return &Error{Line: k.Line, Entry: name, Err: fmt.Errorf("unknown member %q (members: username, email, name, roles, disabled, password)", k.Value)}
		}
		if _, dup := u.lines[k.Value]; dup {
			return &Error{Line: k.Line, Entry: name, Err: fmt.Errorf("%s is given twice", k.Value)}
		}
		u.lines[k.Value] = k.Line
		if v.Kind == yaml.AliasNode {
			return &Error{Line: v.Line, Entry: name, Err: errors.New("YAML aliases (*name) are not supported in a manifest")}
		}
		if k.Value == memberPassword {
			ref, err := parseRef(memberPassword, v)
			if err != nil {
				return &Error{Line: v.Line, Entry: name, Err: err}
			}
			u.Password = ref
			continue
		}
		if err := checkUserValue(k.Value, v); err != nil {
			return &Error{Line: v.Line, Entry: name, Err: err}
		}
		plain.Content = append(plain.Content, k, v)
	}
	if err := plain.Decode(&u); err != nil {
		return &Error{Line: n.Line, Entry: name, Err: err}
	}
	if u.Username == "" {
		return &Error{Line: n.Line, Entry: name, Err: errors.New("username is required: apply matches users by it")}
	}
	m.Users = append(m.Users, u)
	return nil
}

// checkUserValue checks the YAML type of a user member, so that a
// mistake reads as one ("roles must be a list of strings") rather than as
// the YAML library's.
func checkUserValue(name string, v *yaml.Node) error {
	scalar := v.Kind == yaml.ScalarNode
	switch name {
	case "roles":
		if v.Kind != yaml.SequenceNode {
			return errors.New("roles must be a list of strings")
		}
		for _, r := range v.Content {
			if r.Kind != yaml.ScalarNode || r.ShortTag() != "!!str" {
				return errors.New("roles must be a list of strings")
			}
		}
	case "disabled":
		if !scalar || v.ShortTag() != "!!bool" {
			return errors.New("disabled must be true or false")
		}
	default:
		if !scalar || v.ShortTag() != "!!str" {
			return fmt.Errorf("%s must be a string (quote it)", name)
		}
	}
	return nil
}

// checkUnique refuses two entries with the same client ID or username.
func (m *Manifest) checkUnique() error {
	ids := map[string]int{}
	for _, c := range m.Clients {
		if line, dup := ids[c.ID()]; dup {
			return &Error{Source: m.Source, Line: c.Line, Entry: "client " + c.ID(), Err: fmt.Errorf("declared twice (first at line %d)", line)}
		}
		ids[c.ID()] = c.Line
	}
	names := map[string]int{}
	for _, u := range m.Users {
		if line, dup := names[u.Username]; dup {
			return &Error{Source: m.Source, Line: u.Line, Entry: "user " + u.Username, Err: fmt.Errorf("declared twice (first at line %d)", line)}
		}
		names[u.Username] = u.Line
	}
	return nil
}
