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
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Disabled  bool      `json:"disabled"`
	// DisabledAt is when the user was disabled; absent while enabled.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

func newUserView(u tokenmint.User) userView {
	v := userView{ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name,
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
		{"created_at", formatTime(v.CreatedAt)}, {"updated_at", formatTime(v.UpdatedAt)},
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
	f.boolean(&fromStdin, "password-stdin", "read the password from the first line of standard input (required)")
	out := f.output("json")
	cf := config.Register(f.FlagSet, passwordSettings()...)
	cfg, err := parseAndLoad(c, f, cf, args)
	if err != nil {
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
	db, err := c.openStore(ctx, cfg, mayCreate)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	u, err := c.userRegistry(db, cfg).CreateUser(ctx, spec, pw)
	if errors.Is(err, tokenmint.ErrConflict) {
		return fmt.Errorf("user %q already exists", spec.Username)
	}
	if err != nil {
		return err
	}
	return c.printUser(*out, newUserView(u))
}

func runUserList(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	cf := config.Register(f.FlagSet, "database")
	_, _, db, err := c.openFor(ctx, f, cf, args, mustExist)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	users, err := db.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	views := make([]userView, 0, len(users))
	rows := make([][]string, 0, len(users))
	for _, u := range users {
		v := newUserView(u)
		views = append(views, v)
		rows = append(rows, []string{v.Username, v.ID, v.Email, v.Name, formatTime(v.CreatedAt), v.disabledText()})
	}
	if *out == "json" {
		return c.printJSON(views)
	}
	return c.printTable([]string{"USERNAME", "ID", "EMAIL", "NAME", "CREATED", "DISABLED"}, rows)
}

func runUserGet(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("json")
	cf := config.Register(f.FlagSet, "database")
	pos, _, db, err := c.openFor(ctx, f, cf, args, mustExist, "USERNAME")
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	username := pos[0]
	u, err := db.GetUserByUsername(ctx, username)
	if err != nil {
		return notFound(err, "user", username)
	}
	return c.printUser(*out, newUserView(u))
}

func runUserDelete(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	cf := config.Register(f.FlagSet, "database")
	pos, err := f.parse(args, "USERNAME")
	if err != nil {
		return err
	}
	cfg, err := cf.Load(c.env)
	if err != nil {
		return err
	}
	db, err := c.openStore(ctx, cfg, mustExist)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	u, err := db.GetUserByUsername(ctx, pos[0])
	if err == nil {
		err = (&registry.Registry{Store: db, Now: c.now}).DeleteUser(ctx, u.ID)
	}
	if err != nil {
		return notFound(err, "user", pos[0])
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"id": u.ID, "username": u.Username, "deleted": true})
	}
	_, err = fmt.Fprintf(c.stdout, "deleted user %s\n", sanitize(u.Username))
	return err
}

func runUserSetPassword(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var fromStdin bool
	f.boolean(&fromStdin, "password-stdin", "read the password from the first line of standard input (required)")
	out := f.output("table")
	cf := config.Register(f.FlagSet, passwordSettings()...)
	pos, err := f.parse(args, "USERNAME")
	if err != nil {
		return err
	}
	if err := requirePasswordStdin(fromStdin); err != nil {
		return err
	}
	cfg, err := cf.Load(c.env)
	if err != nil {
		return err
	}
	pw, err := c.newPassword()
	if err != nil {
		return err
	}
	db, err := c.openStore(ctx, cfg, mustExist)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	u, err := db.GetUserByUsername(ctx, pos[0])
	if err == nil {
		err = c.userRegistry(db, cfg).SetPassword(ctx, u.ID, pw)
	}
	if err != nil {
		return notFound(err, "user", pos[0])
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"id": u.ID, "username": u.Username, "password_changed": true})
	}
	_, err = fmt.Fprintf(c.stdout, "changed the password of user %s\n", sanitize(u.Username))
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
	cf := config.Register(f.FlagSet, "database")
	pos, cfg, db, err := c.openFor(ctx, f, cf, args, mustExist, "USERNAME")
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	u, err := db.GetUserByUsername(ctx, pos[0])
	if err == nil {
		u, err = c.userRegistry(db, cfg).SetDisabled(ctx, u.ID, disabled)
	}
	if err != nil {
		return notFound(err, "user", pos[0])
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"id": u.ID, "username": u.Username, "disabled": u.Disabled()})
	}
	verb := map[bool]string{true: "disabled", false: "enabled"}[disabled]
	_, err = fmt.Fprintf(c.stdout, "%s user %s\n", verb, sanitize(u.Username))
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
