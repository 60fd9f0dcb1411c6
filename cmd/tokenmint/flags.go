package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flags is the FlagSet of one command. Its own flag values record the
// first value error with the flag's name, so that a bad value produces
// "--access-ttl: invalid duration ..." rather than the flag package's
// message and usage dump.
type flags struct {
	*flag.FlagSet
	cli *cli
	cmd command
	bad error
}

func (c *cli) newFlags(cmd command) *flags {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, cli: c, cmd: cmd}
}

// value is a flag.Value made of functions.
type value struct {
	get     func() string
	set     func(string) error
	boolean bool
}

func (v *value) String() string {
	if v == nil || v.get == nil {
		return ""
	}
	return v.get()
}
func (v *value) Set(s string) error { return v.set(s) }
func (v *value) IsBoolFlag() bool   { return v.boolean }

// define registers a value whose errors are recorded under its name.
func (f *flags) define(name, usage string, v *value) {
	set := v.set
	v.set = func(s string) error {
		err := set(s)
		if err != nil && f.bad == nil {
			f.bad = fmt.Errorf("--%s: %w", name, err)
		}
		return err
	}
	f.Var(v, name, usage)
}

// boolean defines a flag that is true when present (--name=false also works).
func (f *flags) boolean(p *bool, name, usage string) {
	f.define(name, usage, &value{
		get: func() string { return strconv.FormatBool(*p) },
		set: func(s string) error {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("invalid boolean %q (use true or false)", s)
			}
			*p = b
			return nil
		},
		boolean: true,
	})
}

// list defines a repeatable flag: each occurrence appends one value,
// checked by check when not nil.
func (f *flags) list(p *[]string, name, usage string, check func(string) error) {
	f.define(name, usage, &value{
		get: func() string { return strings.Join(*p, ",") },
		set: func(s string) error {
			if check != nil {
				if err := check(s); err != nil {
					return err
				}
			}
			*p = append(*p, s)
			return nil
		},
	})
}

// claims defines a repeatable KEY=VALUE flag.
func (f *flags) claims(p *map[string]string, name, usage string) {
	f.define(name, usage, &value{
		set: func(s string) error {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return fmt.Errorf("invalid claim %q (use KEY=VALUE)", s)
			}
			if _, dup := (*p)[k]; dup {
				return fmt.Errorf("claim %q given twice", k)
			}
			if *p == nil {
				*p = map[string]string{}
			}
			(*p)[k] = v
			return nil
		},
	})
}

// claimFlag defines a flag that sets one claim, named after the flag with
// dashes as underscores, in the map --claim fills: a shorthand for
// --claim KEY=VALUE.
func (f *flags) claimFlag(p *map[string]string, name, usage string) {
	key := strings.ReplaceAll(name, "-", "_")
	var v string
	f.define(name, usage, &value{
		get: func() string { return v },
		set: func(s string) error {
			if s == "" {
				return fmt.Errorf("empty value")
			}
			v = s
			if *p == nil {
				*p = map[string]string{}
			}
			if _, dup := (*p)[key]; dup {
				return fmt.Errorf("claim %q given twice", key)
			}
			(*p)[key] = s
			return nil
		},
	})
}

// ttl defines a positive duration flag.
func (f *flags) ttl(p *time.Duration, name, usage string) {
	f.define(name, usage, &value{
		get: func() string {
			if *p == 0 {
				return ""
			}
			return p.String()
		},
		set: func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("invalid duration %q (use Go durations like 15m, 2h)", s)
			}
			if d <= 0 {
				return fmt.Errorf("invalid duration %q (use a positive Go duration like 15m, 2h)", s)
			}
			*p = d
			return nil
		},
	})
}

// choice defines a flag taking one of allowed.
func (f *flags) choice(p *string, name, usage string, allowed ...string) {
	f.define(name, usage, &value{
		get: func() string { return *p },
		set: func(s string) error {
			for _, a := range allowed {
				if s == a {
					*p = s
					return nil
				}
			}
			return fmt.Errorf("invalid value %q (use %s)", s, orList(allowed))
		},
	})
}

// output defines --output with the command's default format.
func (f *flags) output(def string) *string {
	out := def
	f.choice(&out, "output", "output `FORMAT`: json or table", "json", "table")
	return &out
}

// parse parses args, allowing flags after positional arguments
// ("client get ID --output table"), and checks that exactly the
// positional arguments named in want are present.
func (f *flags) parse(args []string, want ...string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, f.parseError(err)
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) < len(want) {
		return nil, usagef("missing %s", want[len(pos)])
	}
	if len(pos) > len(want) {
		return nil, usagef("unexpected argument %q", pos[len(want)])
	}
	return pos, nil
}

// parseError turns a flag package error into one short line, or prints
// the help when it was asked for.
func (f *flags) parseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		f.printHelp(f.cli.stdout)
		return errHelpShown
	}
	if f.bad != nil {
		return &usageError{msg: f.bad.Error()}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		hint := ""
		if f.cmd.args != "" {
			hint = "; put -- before an argument that starts with -"
		}
		return usagef("unknown flag --%s (run 'tokenmint %s -h'%s)", name, f.cmd.name, hint)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usagef("--%s: missing value", name)
	}
	return usagef("%s", msg)
}

// printHelp writes the command's synopsis, summary and flags.
func (f *flags) printHelp(w io.Writer) {
	synopsis := "tokenmint " + f.cmd.name
	if f.cmd.args != "" {
		synopsis += " " + f.cmd.args
	}
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s\n\nFlags:\n", synopsis, f.cmd.summary)
	f.VisitAll(func(fl *flag.Flag) {
		placeholder, usage := flag.UnquoteUsage(fl)
		if v, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && v.IsBoolFlag() {
			placeholder = ""
		} else if placeholder == "" || placeholder == "value" {
			placeholder = "VALUE"
		}
		line := "  --" + fl.Name
		if placeholder != "" {
			line += " " + placeholder
		}
		if fl.DefValue != "" && fl.DefValue != "false" && !strings.Contains(usage, "(default") {
			usage += fmt.Sprintf(" (default %q)", fl.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, usage)
	})
}
