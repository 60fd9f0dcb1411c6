package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/token"
)

// newMasterKeyEnv carries the new master key of master-key rotate when it
// is not in a file: never a flag, as for TOKENMINT_MASTER_KEY.
const newMasterKeyEnv = "TOKENMINT_NEW_MASTER_KEY"

// runMasterKeyRotate re-encrypts everything sealed under the master key
// under a new one, in one transaction (token.Keys.Rotate). The current key
// is the configured one (and the previous one while a rotation is under
// way); the new one comes from --new-key-file or TOKENMINT_NEW_MASTER_KEY.
func runMasterKeyRotate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var newKeyFile string
	f.StringVar(&newKeyFile, "new-key-file", "", "`FILE` holding the new master key, mode 0600 (or set "+newMasterKeyEnv+")")
	out := f.output("table")
	cf := config.Register(f.FlagSet, "database", "master-key-file", "previous-master-key-file")
	if err := c.localOnly(); err != nil {
		return err
	}
	_, cfg, db, err := c.openFor(ctx, f, cf, args, mustExist)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	next, err := c.newMasterKey(newKeyFile)
	if err != nil {
		return err
	}
	keys, err := c.keys(ctx, cfg, db)
	if err != nil {
		return err
	}
	// Loading the keyset decrypts every signing key: a wrong current key
	// fails here, before anything is written.
	if err := keys.NewKeyset(db, token.KeysetOptions{Now: c.now}).Load(ctx); err != nil {
		return fmt.Errorf("load signing keys (are these the right master keys?): %w", err)
	}
	counts, err := keys.Rotate(ctx, db, next)
	if err != nil {
		return err
	}
	return c.printRotation(*out, counts)
}

// newMasterKey reads the new master key from file, else from the
// environment.
func (c *cli) newMasterKey(file string) (token.MasterKey, error) {
	env := c.env(newMasterKeyEnv)
	switch {
	case file != "" && env != "":
		return token.MasterKey{}, usagef("give the new master key once: --new-key-file or %s, not both", newMasterKeyEnv)
	case file != "":
		return token.ReadMasterKeyFile(file)
	case env != "":
		k, err := token.ParseMasterKey(env)
		if err != nil {
			return token.MasterKey{}, fmt.Errorf("%s: %w", newMasterKeyEnv, err)
		}
		return k, nil
	}
	return token.MasterKey{}, usagef("no new master key: give --new-key-file FILE or set %s "+
		"(generate one with `openssl rand -base64 32`)", newMasterKeyEnv)
}

func (c *cli) printRotation(format string, counts map[tokenmint.SealedKind]int) error {
	kinds := []tokenmint.SealedKind{tokenmint.SealedSigningKey, tokenmint.SealedClientSecret,
		tokenmint.SealedPreviousClientSecret, tokenmint.SealedHashKeys}
	if format == "json" {
		v := map[string]int{}
		for _, k := range kinds {
			v[string(k)] = counts[k]
		}
		return c.printJSON(map[string]any{"resealed": v})
	}
	rows := make([][]string, 0, len(kinds))
	for _, k := range kinds {
		rows = append(rows, []string{string(k), fmt.Sprint(counts[k])})
	}
	if err := c.printTable([]string{"RESEALED", "COUNT"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(c.stderr, "tokenmint: everything sealed is now under the new master key; "+
		"give every instance the new key alone (drop the previous one) once they all hold it")
	return nil
}

// runBackup copies a SQLite database to a new file while servers run.
func runBackup(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var to string
	f.StringVar(&to, "to", "", "`FILE` to write the copy to; it must not exist (required)")
	cf := config.Register(f.FlagSet, "database")
	if err := c.localOnly(); err != nil {
		return err
	}
	if _, err := f.parse(args); err != nil {
		return err
	}
	if to == "" {
		return usagef("--to FILE is required")
	}
	cfg, err := cf.Load(c.env)
	if err != nil {
		return err
	}
	if cfg.IsPostgres() {
		return errors.New("backup copies SQLite databases; back up PostgreSQL with pg_dump " +
			"(pg_dump --format=custom --file=tokenmint.dump DSN) and keep the master key with it; see docs/deployment.md")
	}
	db, err := c.openStore(ctx, cfg, mustExist)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	if err := db.Backup(ctx, to); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "backup %s written\n", to)
	fmt.Fprintln(c.stderr, "tokenmint: the copy is useless without the master key: keep the key file "+
		"(or TOKENMINT_MASTER_KEY) with it, apart from the copy")
	return nil
}

// runHealthcheck asks a running server's /readyz (or /healthz) on the
// configured address, for a container's HEALTHCHECK: the image has no
// shell and no curl. Exit status 0 when it answers 200, 1 otherwise.
func runHealthcheck(c *cli, ctx context.Context, cmd command, args []string) error {
	f := c.newFlags(cmd)
	path := "/readyz"
	f.choice(&path, "path", "`PATH` to ask: /readyz (database writable, keys loaded) or /healthz (the process answers)",
		"/readyz", "/healthz")
	timeout := 3 * time.Second
	f.ttl(&timeout, "timeout", "how long to wait for the answer, a Go `DURATION`")
	cf := config.Register(f.FlagSet, "addr")
	cfg, err := parseAndLoad(c, f, cf, args)
	if err != nil {
		return err
	}
	u := "http://" + dialAddr(cfg.Addr) + path
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(c.stdout, "%s %s\n", u, resp.Status)
	return nil
}

// dialAddr turns a listen address into one to dial: an empty or
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") is the
// loopback.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
