package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tokenmint/tokenmint/clientmeta"
)

// Manifest is a parsed manifest file.
type Manifest struct {
	Clients []Client
	Users   []User
	// Source names the manifest in errors (its path); Dir is the folder
	// relative file references are read from ("": the working directory).
	Source string
	Dir    string
}

// Client is one client entry: its metadata (the admin API's members) and
// its credential references.
type Client struct {
	Fields clientmeta.Fields // Fields.Owner unused: see Owner
	Secret Ref               // client_secret
	APIKey Ref               // api_key
	// Owner is the username of the user who owns the client (owner:),
	// "" for none: manifests name users by username, as user IDs differ
	// from one database to another.
	Owner string
	Line  int // in the file; 0 when built in code
	lines map[string]int
}

// ID is the entry's client_id.
func (c *Client) ID() string {
	if c.Fields.ClientID == nil {
		return ""
	}
	return *c.Fields.ClientID
}

// User is one user entry.
type User struct {
	Username string   `yaml:"username"`
	Email    string   `yaml:"email,omitempty"`
	Name     string   `yaml:"name,omitempty"`
	Roles    []string `yaml:"roles,omitempty"`
	Disabled bool     `yaml:"disabled,omitempty"`
	Password Ref      `yaml:"-"`
	Line     int      `yaml:"-"`
	lines    map[string]int
}

// Member names of the credential references.
const (
	memberSecret   = "client_secret"
	memberAPIKey   = "api_key"
	memberPassword = "password"
	memberOwner    = "owner"
)

// userMembers are the members a user entry takes.
var userMembers = []string{"username", "email", "name", "roles", "disabled", memberPassword}

// Error is a mistake in a manifest, located by file and line.
type Error struct {
	Source string // the file, "" when unknown
	Line   int    // 0 when unknown
	Entry  string // "client billing", "user alice", "" for the file as a whole
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Entry != "" {
		b.WriteString(e.Entry + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// MaxFileSize bounds a manifest read into memory.
const MaxFileSize = 8 << 20

// ReadFile reads and parses the manifest at path; its folder is where
// relative file references are read from.
func ReadFile(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Source: path, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{Source: path, Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{Source: path, Err: fmt.Errorf("larger than %d bytes", MaxFileSize)}
	}
	m, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	m.Dir = filepath.Dir(path)
	return m, nil
}

// Parse parses a manifest; source names it in errors.
func Parse(source string, data []byte) (*Manifest, error) {
	m := &Manifest{Source: source}
	fail := func(line int, entry string, err error) error {
		return &Error{Source: source, Line: line, Entry: entry, Err: err}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return m, nil // an empty file declares nothing
	} else if err != nil {
		return nil, fail(0, "", fmt.Errorf("not valid YAML: %w", err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(extra.Line, "", errors.New("one YAML document only"))
	}
	root := doc.Content[0]
	if isNull(root) {
		return m, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "", errors.New("the manifest must be a mapping with clients: and users:"))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, fail(k.Line, "", fmt.Errorf("%s is given twice", k.Value))
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "clients":
			err = eachEntry(v, func(n *yaml.Node) error { return m.addClient(n) })
		case "users":
			err = eachEntry(v, func(n *yaml.Node) error { return m.addUser(n) })
		default:
			err = &Error{Line: k.Line, Err: fmt.Errorf("unknown member %q (use clients and users)", k.Value)}
		}
		if err != nil {
			return nil, locate(err, source)
		}
	}
	return m, m.checkUnique()
}

// locate sets the source of an *Error built without it.
func locate(err error, source string) error {
	var e *Error
	if errors.As(err, &e) && e.Source == "" {
		e.Source = source
	}
	return err
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// eachEntry calls add on every item of a sequence (null: none).
func eachEntry(seq *yaml.Node, add func(*yaml.Node) error) error {
	if isNull(seq) {
		return nil
	}
	if seq.Kind != yaml.SequenceNode {
		return &Error{Line: seq.Line, Err: errors.New("must be a list of entries (- ...)")}
	}
	for _, n := range seq.Content {
		if n.Kind != yaml.MappingNode {
			return &Error{Line: n.Line, Err: errors.New("an entry must be a mapping of members")}
		}
		if err := add(n); err != nil {
			return err
		}
	}
	return nil
}

// addClient parses one client entry: the credential references, then
// every other member through clientmeta's strict decoder.
func (m *Manifest) addClient(n *yaml.Node) error {
	c := Client{Line: n.Line, lines: map[string]int{}}
	name := "client"
	if v := member(n, "client_id"); v != nil && v.Kind == yaml.ScalarNode {
		name = "client " + v.Value
	}
	entry := func() string { return name }
	var obj bytes.Buffer
	obj.WriteByte('{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			return &Error{Line: k.Line, Entry: entry(), Err: errors.New("member names must be strings")}
		}
		if _, dup := c.lines[k.Value]; dup {
			return &Error{Line: k.Line, Entry: entry(), Err: fmt.Errorf("%s is given twice", k.Value)}
		}
		c.lines[k.Value] = k.Line
		switch k.Value {
		case memberSecret, memberAPIKey:
			ref, err := parseRef(k.Value, v)
			if err != nil {
				return &Error{Line: v.Line, Entry: entry(), Err: err}
			}
			if k.Value == memberSecret {
				c.Secret = ref
			} else {
				c.APIKey = ref
			}
			continue
		case memberOwner:
			switch {
			case isNull(v):
			case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
				c.Owner = v.Value
			default:
				return &Error{Line: v.Line, Entry: entry(), Err: errors.New("owner must be the username of a user (a string)")}
			}
			continue
		}
		if obj.Len() > 1 {
			obj.WriteByte(',')
		}
		writeString(&obj, k.Value)
		obj.WriteByte(':')
		if err := writeJSON(&obj, v); err != nil {
			return withEntry(err, entry())
		}
	}
	obj.WriteByte('}')
	f, err := clientmeta.Decode(obj.Bytes())
	if err != nil {
		return c.memberError(entry(), err, n)
	}
	c.Fields = *f
	if c.ID() == "" {
		return &Error{Line: n.Line, Entry: entry(), Err: errors.New("client_id is required: apply matches clients by it")}
	}
	m.Clients = append(m.Clients, c)
	return nil
}
