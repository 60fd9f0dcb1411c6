package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/manifest"
)

// manifestSettings are the settings of the commands that write clients
// and users from a manifest: credentials are hashed, passwords too.
func manifestSettings() []string { return append(passwordSettings(), "master-key-file") }

func runApply(c *cli, ctx context.Context, cmd command, args []string) error {
	f := c.newFlags(cmd)
	var file string
	var dryRun bool
	f.StringVar(&file, "f", "", "manifest `FILE` to apply (YAML; see 'Declarative clients' in the README), - for standard input")
	f.StringVar(&file, "file", "", "same as -f")
	f.boolean(&dryRun, "dry-run", "report what would change, and change nothing")
	out := f.output("table")
	cf := config.Register(f.FlagSet, manifestSettings()...)
	cfg, err := parseAndLoad(c, f, cf, args)
	if err != nil {
		return err
	}
	if file == "" {
		return usagef("-f FILE is required")
	}
	m, err := c.readManifest(file)
	if err != nil {
		return err
	}
	return c.applyManifest(ctx, cfg, m, dryRun, *out)
}

// readManifest reads a manifest file, or standard input for "-".
func (c *cli) readManifest(file string) (*manifest.Manifest, error) {
	if file != "-" {
		return manifest.ReadFile(file)
	}
	data, err := io.ReadAll(io.LimitReader(c.stdin, manifest.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return manifest.Parse("(standard input)", data)
}

// applyManifest applies m to the configured database and prints what
// changed, with the credentials it generated.
func (c *cli) applyManifest(ctx context.Context, cfg config.Config, m *manifest.Manifest, dryRun bool, format string) (err error) {
	if err := c.localOnly(); err != nil {
		return err
	}
	db, err := c.openStore(ctx, cfg, mayCreate)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	reg, err := c.clientRegistry(ctx, db, cfg)
	if err != nil {
		return err
	}
	reg.Passwords = c.userRegistry(db, cfg).Passwords
	res, err := manifest.Apply(ctx, m, manifest.Options{Registry: reg, Env: c.env, DryRun: dryRun})
	if err != nil {
		return err
	}
	return c.printApplied(res, dryRun, format)
}

// appliedView is the JSON form of an apply's result.
type appliedView struct {
	DryRun  bool                `json:"dry_run"`
	Changed bool                `json:"changed"`
	Clients []appliedClientView `json:"clients"`
	Users   []appliedUserView   `json:"users"`
}

type appliedClientView struct {
	ClientID     string   `json:"client_id"`
	Action       string   `json:"action"`
	Changed      []string `json:"changed,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	APIKey       string   `json:"api_key,omitempty"`
}

type appliedUserView struct {
	Username string   `json:"username"`
	Action   string   `json:"action"`
	Changed  []string `json:"changed,omitempty"`
	Password string   `json:"password,omitempty"`
}

func (c *cli) printApplied(res manifest.Result, dryRun bool, format string) error {
	v := appliedView{DryRun: dryRun, Changed: res.Changed(), Clients: []appliedClientView{}, Users: []appliedUserView{}}
	generated := false
	for _, r := range res.Clients {
		v.Clients = append(v.Clients, appliedClientView{ClientID: r.ClientID, Action: string(r.Action), Changed: r.Changed,
			ClientSecret: r.ClientSecret.Reveal(), APIKey: r.APIKey.Reveal()})
		generated = generated || r.ClientSecret != "" || r.APIKey != ""
	}
	for _, r := range res.Users {
		v.Users = append(v.Users, appliedUserView{Username: r.Username, Action: string(r.Action), Changed: r.Changed, Password: r.Password.Reveal()})
		generated = generated || r.Password != ""
	}
	if generated {
		fmt.Fprintln(c.stderr, "tokenmint: the generated credentials printed are shown only once: store them now")
	}
	if format == "json" {
		return c.printJSON(v)
	}
	return c.printAppliedTable(v)
}

// printAppliedTable writes one line per entry, its generated credentials
// indented under it, and a summary.
func (c *cli) printAppliedTable(v appliedView) error {
	var b strings.Builder
	counts := map[string]int{}
	verb := func(action string) string {
		if v.DryRun && action != string(manifest.Unchanged) {
			return "would be " + action
		}
		return action
	}
	line := func(kind, name, action string, changed []string, creds ...field) {
		counts[action]++
		fmt.Fprintf(&b, "%s %s: %s", kind, sanitize(name), verb(action))
		if action == string(manifest.Updated) {
			fmt.Fprintf(&b, " (%s)", strings.Join(changed, ", "))
		}
		b.WriteByte('\n')
		for _, cr := range creds {
			if cr.value != "" {
				fmt.Fprintf(&b, "  %s  %s\n", cr.name, cr.value)
			}
		}
	}
	for _, cl := range v.Clients {
		line("client", cl.ClientID, cl.Action, cl.Changed, field{"client_secret", cl.ClientSecret}, field{"api_key", cl.APIKey})
	}
	for _, u := range v.Users {
		line("user", u.Username, u.Action, u.Changed, field{"password", u.Password})
	}
	prefix := "apply: "
	if v.DryRun {
		prefix = "apply --dry-run: "
	}
	if !v.Changed {
		fmt.Fprintf(&b, "%snothing to change (%d unchanged)\n", prefix, counts[string(manifest.Unchanged)])
	} else {
		fmt.Fprintf(&b, "%s%d created, %d updated, %d unchanged\n", prefix,
			counts[string(manifest.Created)], counts[string(manifest.Updated)], counts[string(manifest.Unchanged)])
	}
	_, err := io.WriteString(c.stdout, b.String())
	return err
}

// localOnly refuses to run a command that acts on the database only
// (apply, import, export) when TOKENMINT_SERVER asks for remote mode: it
// would otherwise write to a local database the operator did not mean.
// Manifests set credentials the admin API does not take.
func (c *cli) localOnly() error {
	if c.env("TOKENMINT_SERVER") != "" {
		return usagef("this command acts on the database, not on a server's admin API: unset TOKENMINT_SERVER to run it here")
	}
	return nil
}

func runExport(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	if err := c.localOnly(); err != nil {
		return err
	}
	f := c.newFlags(cmd)
	cf := config.Register(f.FlagSet, "database")
	_, _, db, err := c.openFor(ctx, f, cf, args, mustExist)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	m, err := manifest.Export(ctx, db)
	if err != nil {
		return err
	}
	text, err := m.Marshal()
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(text)
	return err
}

// importFormats are the exports import reads.
var importFormats = []string{"rfc7591", "hydra"}

func runImport(c *cli, ctx context.Context, cmd command, args []string) error {
	f := c.newFlags(cmd)
	var from string
	var opts manifest.ImportOptions
	var dryRun, print bool
	f.choice(&from, "from", "`FORMAT` of the file: rfc7591 (client metadata JSON, one object or an array, as tokenmint's admin API "+
		"answers) or hydra (the output of `hydra list clients --format json`, or an array of Hydra clients)", importFormats...)
	f.boolean(&opts.IgnoreUnsupported, "ignore-unsupported", "leave out, with a warning, the members tokenmint does not support instead of refusing the client")
	f.boolean(&dryRun, "dry-run", "report what would change, and change nothing")
	f.boolean(&print, "print", "print the clients as a manifest (for tokenmint apply -f) instead of importing them")
	out := f.output("table")
	cf := config.Register(f.FlagSet, manifestSettings()...)
	pos, err := f.parse(args, "FILE")
	if err != nil {
		return err
	}
	if from == "" {
		return usagef("--from is required (use %s)", orList(importFormats))
	}
	data, err := c.readInput(pos[0])
	if err != nil {
		return err
	}
	convert := manifest.FromRFC7591
	if from == "hydra" {
		convert = manifest.FromHydra
	}
	imp, err := convert(data, opts)
	if err != nil {
		return &manifest.Error{Source: pos[0], Err: err}
	}
	for _, w := range imp.Warnings {
		fmt.Fprintf(c.stderr, "tokenmint: import: warning: %s\n", w)
	}
	if print {
		text, err := imp.Manifest.Marshal()
		if err != nil {
			return err
		}
		_, err = c.stdout.Write(text)
		return err
	}
	cfg, err := cf.Load(c.env)
	if err != nil {
		return err
	}
	imp.Manifest.Source = pos[0]
	return c.applyManifest(ctx, cfg, imp.Manifest, dryRun, *out)
}

// readInput reads a file, or standard input for "-", bounded.
func (c *cli) readInput(path string) ([]byte, error) {
	r := c.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, manifest.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > manifest.MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, manifest.MaxFileSize)
	}
	return data, nil
}
