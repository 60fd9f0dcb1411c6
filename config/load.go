package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// SettingError reports a setting that could not be read or is invalid.
// Source says where the value came from: a flag ("--code-ttl"), a variable
// ("TOKENMINT_CODE_TTL"), a file line ("tokenmint.yaml:4: code_ttl") or
// the built-in default ("code_ttl (default)").
type SettingError struct {
	Source string
	Err    error
}

func (e *SettingError) Error() string { return e.Source + ": " + e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

// maxFileSize bounds the configuration file read into memory.
const maxFileSize = 1 << 20

// Flags are the settings a command registered on its FlagSet. Call Load
// after the FlagSet has parsed its arguments.
type Flags struct {
	fs     *flag.FlagSet
	values map[string]*flagValue // by flag name
	config *flagValue
}

// flagValue records the raw text of a settings flag; it is parsed by Load
// so that flag, environment and file values share one parser and one
// error format.
type flagValue struct {
	text   string
	isBool bool
}

func (v *flagValue) String() string     { return v.text }
func (v *flagValue) Set(s string) error { v.text = s; return nil }
func (v *flagValue) IsBoolFlag() bool   { return v.isBool }

// Register defines --config and the flags of the named settings on fs
// (every setting that may be a flag when names is empty). Names are flag
// names ("code-ttl") or YAML keys ("code_ttl"). Naming an unknown setting,
// or the master key, is a programming error and panics.
func Register(fs *flag.FlagSet, names ...string) *Flags {
	def := Default()
	f := &Flags{fs: fs, values: map[string]*flagValue{}, config: &flagValue{}}
	fs.Var(f.config, "config", "YAML configuration `FILE` (env TOKENMINT_CONFIG)")
	table := settings(&def)
	if len(names) == 0 {
		for _, s := range table {
			if !s.noFlag {
				names = append(names, s.key)
			}
		}
	}
	for _, name := range names {
		s, ok := lookup(&def, name)
		if !ok || s.noFlag {
			panic("config: Register: no flag for setting " + name)
		}
		v := &flagValue{text: s.format(), isBool: s.isBool()}
		fs.Var(v, s.Flag(), s.help+" (env "+s.Env()+")")
		f.values[s.Flag()] = v
	}
	return f
}

// Load builds the Config: defaults, then the YAML file, then the
// environment (read through env, usually os.Getenv), then the flags set on
// the command line; then it derives Issuer and MasterKeyFile when none of
// those set them, and validates. Every error is a *SettingError.
func (f *Flags) Load(env func(string) string) (Config, error) {
	c := Default()
	origins := map[string]string{}
	if err := f.applyFile(&c, env, origins); err != nil {
		return Config{}, err
	}
	if err := applyEnv(&c, env, origins); err != nil {
		return Config{}, err
	}
	if err := f.applyFlags(&c, origins); err != nil {
		return Config{}, err
	}
	c.derive(origins)
	if err := c.validate(origins); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Load is Register(all) plus parsing args on a fresh FlagSet; it suits
// programs and tests that take only settings as arguments.
func Load(args []string, env func(string) string) (Config, error) {
	fs := flag.NewFlagSet("tokenmint", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f.Load(env)
}

// configFile returns the file to read and how it was named.
func (f *Flags) configFile(env func(string) string) (path, source string) {
	if f.isSet("config") {
		return f.config.text, "--config"
	}
	return env("TOKENMINT_CONFIG"), "TOKENMINT_CONFIG"
}

func (f *Flags) isSet(name string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

func (f *Flags) applyFile(c *Config, env func(string) string, origins map[string]string) error {
	path, source := f.configFile(env)
	if path == "" {
		return nil
	}
	data, err := readFile(path)
	if err != nil {
		return &SettingError{Source: source, Err: err}
	}
	return applyYAML(c, path, data, origins)
}

func readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config file %s is larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

// applyYAML sets every key of a YAML mapping. Unknown keys are errors, so
// a misspelt setting cannot be silently ignored.
func applyYAML(c *Config, path string, data []byte, origins map[string]string) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil // an empty file sets nothing
	} else if err != nil {
		return &SettingError{Source: path, Err: fmt.Errorf("invalid YAML: %w", err)}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Tag == "!!null" {
			return nil
		}
		return &SettingError{Source: path, Err: fmt.Errorf("line %d: expected a mapping of setting: value", root.Line)}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if err := applyYAMLEntry(c, path, root.Content[i], root.Content[i+1], origins); err != nil {
			return err
		}
	}
	return nil
}

func applyYAMLEntry(c *Config, path string, k, v *yaml.Node, origins map[string]string) error {
	source := fmt.Sprintf("%s:%d: %s", path, k.Line, k.Value)
	s, ok := lookup(c, k.Value)
	if !ok || k.Value != s.key {
		return &SettingError{Source: fmt.Sprintf("%s:%d", path, k.Line),
			Err: fmt.Errorf("unknown setting %q (see docs/configuration.md)", k.Value)}
	}
	if _, dup := origins[s.key]; dup {
		return &SettingError{Source: source, Err: errors.New("set twice")}
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil // "key:" with no value leaves the default
	}
	raw, err := yamlText(s, v)
	if err != nil {
		return &SettingError{Source: source, Err: err}
	}
	if err := s.set(raw); err != nil {
		return &SettingError{Source: source, Err: err}
	}
	origins[s.key] = source
	return nil
}

// yamlText turns a node into the text set parses: a scalar as written, or
// for a list setting a sequence of scalars joined by commas.
func yamlText(s setting, v *yaml.Node) (string, error) {
	switch {
	case v.Kind == yaml.ScalarNode:
		return v.Value, nil
	case v.Kind == yaml.SequenceNode && s.isList():
		items := make([]string, 0, len(v.Content))
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return "", errors.New("expected a list of strings")
			}
			items = append(items, item.Value)
		}
		return strings.Join(items, ","), nil
	case s.isList():
		return "", errors.New("expected a list of strings or a comma-separated string")
	}
	return "", errors.New("expected a single value")
}

// applyEnv sets every setting whose TOKENMINT_* variable is non-empty.
func applyEnv(c *Config, env func(string) string, origins map[string]string) error {
	for _, s := range settings(c) {
		raw := env(s.Env())
		if raw == "" {
			continue
		}
		if err := s.set(raw); err != nil {
			return &SettingError{Source: s.Env(), Err: err}
		}
		origins[s.key] = s.Env()
	}
	return nil
}

// applyFlags sets the settings whose flags appeared on the command line.
func (f *Flags) applyFlags(c *Config, origins map[string]string) error {
	var err error
	f.fs.Visit(func(fl *flag.Flag) {
		v, ok := f.values[fl.Name]
		if !ok || err != nil {
			return
		}
		s, _ := lookup(c, fl.Name)
		if e := s.set(v.text); e != nil {
			err = &SettingError{Source: "--" + fl.Name, Err: e}
			return
		}
		origins[s.key] = "--" + fl.Name
	})
	return err
}

// derive fills Issuer and MasterKeyFile from Addr and Database unless a
// source set them.
func (c *Config) derive(origins map[string]string) {
	if _, set := origins["issuer"]; !set || c.Issuer == "" {
		c.Issuer = defaultIssuer(c.Addr, c.ServesTLS())
		origins["issuer"] = "issuer (derived from addr)"
	}
	if _, set := origins["master_key_file"]; !set {
		c.MasterKeyFile = defaultMasterKeyFile(c.Database)
	}
}
