package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/manifest"
	"github.com/tokenmint/tokenmint/registry"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the command failed while running
	exitUsage   = 2 // the command line was wrong
)

// cli is one invocation: its streams, environment and clock.
type cli struct {
	env    func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// processLogger, set by main only, routes the process-wide loggers
	// through the server's (server.Options.ProcessLogger).
	processLogger func(*slog.Logger)
}

// command is a leaf of the command tree.
type command struct {
	name    string // "client create"
	args    string // positional synopsis, e.g. "ID"
	summary string
	run     func(c *cli, ctx context.Context, cmd command, args []string) error
}

// commands lists every command in help order.
func commands() []command {
	return []command{
		{"serve", "", "Run the authorization server until SIGINT or SIGTERM.", runServe},
		{"migrate", "", "Create or upgrade the database schema.", runMigrate},
		{"client create", "", "Register a client and print its credentials (shown only once).", runClientCreate},
		{"client list", "", "List registered clients.", runClientList},
		{"client get", "ID", "Show one client.", runClientGet},
		{"client update", "ID", "Change a client: only the members whose flags are given (the flags of client create).", runClientUpdate},
		{"client delete", "ID", "Delete a client and every token issued to it.", runClientDelete},
		{"client rotate-secret", "ID", "Replace a client's secret and print the new one.", runClientRotateSecret},
		{"client rotate-api-key", "ID", "Replace (or add) a client's API key and print it.", runClientRotateAPIKey},
		{"user create", "", "Create a user; the password is read from standard input.", runUserCreate},
		{"user list", "", "List users.", runUserList},
		{"user get", "USERNAME", "Show one user.", runUserGet},
		{"user delete", "USERNAME", "Delete a user, their sessions and their refresh tokens.", runUserDelete},
		{"user set-password", "USERNAME", "Replace a user's password, read from standard input; their sessions and tokens end.", runUserSetPassword},
		{"user disable", "USERNAME", "Stop a user signing in; their sessions and tokens end.", runUserDisable},
		{"user enable", "USERNAME", "Let a disabled user sign in again.", runUserEnable},
		{"registration-token create", "", "Mint an initial access token for dynamic client registration and print it (shown only once).", runRegistrationTokenCreate},
		{"keys list", "", "List JWT signing keys: current and previous (still published).", runKeysList},
		{"keys rotate", "", "Make a new signing key current; the previous one stays published until it retires.", runKeysRotate},
		{"apply", "", "Create or update the clients and users a manifest declares (-f FILE); idempotent.", runApply},
		{"export", "", "Print every client and user as a manifest, without credentials.", runExport},
		{"import", "FILE", "Create or update clients from another server's export (--from rfc7591|hydra).", runImport},
		{"master-key rotate", "", "Re-encrypt every signing key and sealed secret under a new master key, in one transaction.", runMasterKeyRotate},
		{"backup", "", "Copy a SQLite database to a new file (--to FILE) while servers run.", runBackup},
		{"healthcheck", "", "Ask a running server's /readyz (or /healthz); exit status 0 when ready: for container probes.", runHealthcheck},
		{"version", "", "Print the version.", runVersion},
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelpShown ends a command that printed its help on request.
var errHelpShown = errors.New("help shown")

// run dispatches args to a command and turns its error into one line on
// stderr and an exit status.
func (c *cli) run(ctx context.Context, args []string) int {
	cmd, rest, err := c.resolve(args)
	name := cmd.name
	if err == nil {
		// Changes made from here are the operator's (audit events).
		ctx = registry.WithActor(ctx, tokenmint.ActorOperator, operatorName())
		err = cmd.run(c, ctx, cmd, rest)
	}
	return c.exit(name, err)
}

// operatorName is the login name of who runs the CLI, for the audit
// events of their changes; "" when the system does not say.
func operatorName() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	return u.Username
}

func (c *cli) exit(name string, err error) int {
	if err == nil || errors.Is(err, errHelpShown) {
		return exitOK
	}
	if !errors.As(err, new(loggedError)) {
		prefix := "tokenmint: "
		if name != "" {
			prefix += name + ": "
		}
		fmt.Fprintln(c.stderr, prefix+oneLine(err.Error()))
	}
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

// isUsage reports whether err is the user's to fix on the command line or
// in the configuration, rather than a failure while running.
func isUsage(err error) bool {
	var ue *usageError
	var se *config.SettingError
	var me *manifest.Error
	return errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &me) || errors.Is(err, registry.ErrInvalid)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// resolve finds the command named by the first one or two arguments.
func (c *cli) resolve(args []string) (command, []string, error) {
	if len(args) == 0 {
		c.printOverview(c.stderr)
		return command{}, nil, usagef("no command given")
	}
	first := args[0]
	switch first {
	case "help", "-h", "-help", "--help":
		return command{name: "help", run: runHelp}, args[1:], nil
	}
	cmds := commands()
	if i := slices.IndexFunc(cmds, func(cmd command) bool { return cmd.name == first }); i >= 0 {
		return cmds[i], args[1:], nil
	}
	subs := subcommands(first)
	if len(subs) == 0 {
		return command{}, nil, usagef("unknown command %q (run 'tokenmint help')", first)
	}
	if len(args) < 2 || isHelpFlag(args[1]) {
		return c.groupHelp(first, subs, args[1:])
	}
	if i := slices.IndexFunc(cmds, func(cmd command) bool { return cmd.name == first+" "+args[1] }); i >= 0 {
		return cmds[i], args[2:], nil
	}
	return command{name: first}, nil, usagef("unknown subcommand %q (use %s)", args[1], orList(subs))
}

// groupHelp answers "tokenmint client" (a usage error) or "tokenmint
// client -h" (help).
func (c *cli) groupHelp(group string, subs []string, rest []string) (command, []string, error) {
	if len(rest) > 0 {
		c.printGroup(c.stdout, group)
		return command{name: group}, nil, errHelpShown
	}
	return command{name: group}, nil, usagef("missing subcommand (use %s)", orList(subs))
}

func isHelpFlag(s string) bool {
	return s == "-h" || s == "-help" || s == "--help" || s == "--h"
}

// subcommands returns the second words of the commands in group.
func subcommands(group string) []string {
	var out []string
	for _, cmd := range commands() {
		if g, sub, ok := strings.Cut(cmd.name, " "); ok && g == group {
			out = append(out, sub)
		}
	}
	return out
}

// orList renders "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
