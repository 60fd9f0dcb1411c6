package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
)

// userView is the JSON form of a user; the password hash is never shown.
type userView struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Disabled  bool      `json:"disabled"`
	// DisabledAt is when the user was disabled; absent while enabled.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

func newUserView(u tokenmint.User) userView {
	v := userView{ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name, Roles: nonNil(u.Roles),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), Disabled: u.Disabled()}
	if v.Disabled {
		at := u.DisabledAt.UTC()
		v.DisabledAt = &at
	}
	return v
}

// disabledText is the table form of Disabled: "no", or when.
func (v userView) disabledText() string {
	if v.DisabledAt == nil {
		return "no"
	}
	return "since " + formatTime(*v.DisabledAt)
}

func (v userView) fields() []field {
	return []field{{"id", v.ID}, {"username", v.Username}, {"email", v.Email}, {"name", v.Name},
		{"roles", joinList(v.Roles)}, {"created_at", formatTime(v.CreatedAt)}, {"updated_at", formatTime(v.UpdatedAt)},
		{"disabled", v.disabledText()}}
}

func (c *cli) printUser(format string, v userView) error {
	if format == "json" {
		return c.printJSON(v)
	}
	return c.printFields(v.fields())
}

// passwordSettings are the settings the user commands that hash a
// password take as flags.
func passwordSettings() []string {
	return []string{"database", "argon2-memory", "argon2-iterations", "argon2-parallelism"}
}

// readPassword reads the first line of standard input (without its line
// ending). Passwords never come from flags, which other users see in ps.
func (c *cli) readPassword() (string, error) {
	r := bufio.NewReader(io.LimitReader(c.stdin, password.MaxLength+2))
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	if !strings.HasSuffix(line, "\n") && len(line) > password.MaxLength {
		return "", usagef("password on standard input is longer than %d bytes", password.MaxLength)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", usagef("no password on standard input")
	}
	return line, nil
}

func requirePasswordStdin(set bool) error {
	if !set {
		return usagef("--password-stdin is required: the password is read from standard input, never from a flag")
	}
	return nil
}

func runUserCreate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var spec registry.UserSpec
	var fromStdin bool
	f.StringVar(&spec.Username, "username", "", "`USERNAME` to sign in with (required)")
	f.StringVar(&spec.Email, "email", "", "e-mail `ADDRESS`")
	f.StringVar(&spec.Name, "name", "", "display `NAME`")
	f.list(&spec.Roles, "role", "`ROLE` of the user, repeatable: admin may administer tokenmint (the console)", registry.ValidateRole)
	f.boolean(&fromStdin, "password-stdin", "read the password from the first line of standard input (required)")
	out := f.output("json")
	cf := config.Register(f.FlagSet, passwordSettings()...)
	rf := defineRemoteFlags(f)
	if _, err := f.parse(args); err != nil {
		return err
	}
	if spec.Username == "" {
		return usagef("--username is required")
	}
	if err := requirePasswordStdin(fromStdin); err != nil {
		return err
	}
	pw, err := c.newPassword()
	if err != nil {
		return err
	}
	b, err := c.backend(ctx, f, cf, rf, mayCreate)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	v, err := b.CreateUser(ctx, spec, pw)
	if err != nil {
		return err
	}
	return c.printUser(*out, v)
}

// openUserCommand is openCommand for the user commands, whose settings
// are the database's and those of password hashing.
func (c *cli) openUserCommand(ctx context.Context, f *flags, args []string, settings []string) (backend, []string, error) {
	cf := config.Register(f.FlagSet, settings...)
	rf := defineRemoteFlags(f)
	pos, err := f.parse(args, userArgs(f)...)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.backend(ctx, f, cf, rf, mustExist)
	return b, pos, err
}

// userArgs are the positional arguments of a user command.
func userArgs(f *flags) []string {
	if f.cmd.args == "" {
		return nil
	}
	return []string{f.cmd.args}
}

func runUserList(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	b, _, err := c.openUserCommand(ctx, f, args, []string{"database"})
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	views, err := b.ListUsers(ctx)
	if err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(views)
	}
	rows := make([][]string, 0, len(views))
	for _, v := range views {
		rows = append(rows, []string{v.Username, v.ID, v.Email, v.Name, formatTime(v.CreatedAt), v.disabledText()})
	}
	return c.printTable([]string{"USERNAME", "ID", "EMAIL", "NAME", "CREATED", "DISABLED"}, rows)
}

func runUserGet(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("json")
	b, pos, err := c.openUserCommand(ctx, f, args, []string{"database"})
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	v, err := b.GetUser(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.printUser(*out, v)
}

func runUserDelete(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	b, pos, err := c.openUserCommand(ctx, f, args, []string{"database"})
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	v, err := b.DeleteUser(ctx, pos[0])
	if err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"id": v.ID, "username": v.Username, "deleted": true})
	}
	_, err = fmt.Fprintf(c.stdout, "deleted user %s\n", sanitize(v.Username))
	return err
}

func runUserSetPassword(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var fromStdin bool
	f.boolean(&fromStdin, "password-stdin", "read the password from the first line of standard input (required)")
	out := f.output("table")
	cf := config.Register(f.FlagSet, passwordSettings()...)
	rf := defineRemoteFlags(f)
	pos, err := f.parse(args, "USERNAME")
	if err != nil {
		return err
	}
	if err := requirePasswordStdin(fromStdin); err != nil {
		return err
	}
	pw, err := c.newPassword()
	if err != nil {
		return err
	}
	b, err := c.backend(ctx, f, cf, rf, mustExist)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	v, err := b.SetPassword(ctx, pos[0], pw)
	if err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"id": v.ID, "username": v.Username, "password_changed": true})
	}
	_, err = fmt.Fprintf(c.stdout, "changed the password of user %s\n", sanitize(v.Username))
	return err
}

func runUserDisable(c *cli, ctx context.Context, cmd command, args []string) error {
	return runUserSetDisabled(c, ctx, cmd, args, true)
}

func runUserEnable(c *cli, ctx context.Context, cmd command, args []string) error {
	return runUserSetDisabled(c, ctx, cmd, args, false)
}

// runUserSetDisabled disables or enables the user named by the argument;
// disabling ends their sessions and tokens (registry.SetDisabled).
func runUserSetDisabled(c *cli, ctx context.Context, cmd command, args []string, disabled bool) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	b, pos, err := c.openUserCommand(ctx, f, args, []string{"database"})
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	v, err := b.SetDisabled(ctx, pos[0], disabled)
	if err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"id": v.ID, "username": v.Username, "disabled": v.Disabled})
	}
	verb := map[bool]string{true: "disabled", false: "enabled"}[disabled]
	_, err = fmt.Fprintf(c.stdout, "%s user %s\n", verb, sanitize(v.Username))
	return err
}

// newPassword reads a new password from standard input and checks it
// meets the registry's rules, before anything is opened or written.
func (c *cli) newPassword() (string, error) {
	pw, err := c.readPassword()
	if err != nil {
		return "", err
	}
	if err := registry.ValidatePassword(pw); err != nil {
		return "", err
	}
	return pw, nil
}
