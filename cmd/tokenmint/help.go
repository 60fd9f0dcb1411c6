package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tokenmint/tokenmint/internal/buildinfo"
)

// runHelp prints the overview, a group's commands, or one command's help.
func runHelp(c *cli, ctx context.Context, _ command, args []string) error {
	if len(args) == 0 {
		c.printOverview(c.stdout)
		return nil
	}
	name := strings.Join(args, " ")
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd.run(c, ctx, cmd, []string{"-h"})
		}
	}
	if len(subcommands(name)) > 0 {
		c.printGroup(c.stdout, name)
		return nil
	}
	return usagef("unknown command %q (run 'tokenmint help')", name)
}

func (c *cli) printOverview(w io.Writer) {
	fmt.Fprint(w, "tokenmint: OAuth 2.0 and OpenID Connect authorization server\n\nUsage: tokenmint COMMAND [flags]\n\nCommands:\n")
	printCommands(w, "")
	fmt.Fprint(w, "\nRun 'tokenmint COMMAND -h' for a command's flags. Settings come from flags,\n"+
		"TOKENMINT_* variables and a --config YAML file; see docs/configuration.md.\n")
}

func (c *cli) printGroup(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage: tokenmint %s SUBCOMMAND [flags]\n\nSubcommands:\n", group)
	printCommands(w, group+" ")
}

func printCommands(w io.Writer, prefix string) {
	for _, cmd := range commands() {
		if !strings.HasPrefix(cmd.name, prefix) {
			continue
		}
		fmt.Fprintf(w, "  %-28s %s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.summary)
	}
}

// runVersion prints what the go command recorded of the build: the
// module version, the VCS commit, its time and whether the tree was
// modified, the Go version and the platform; as a table by default, or
// JSON (--output json).
func runVersion(c *cli, _ context.Context, cmd command, args []string) error {
	f := c.newFlags(cmd)
	out := f.output("table")
	if _, err := f.parse(args); err != nil {
		return err
	}
	b := buildinfo.Read()
	if *out == "json" {
		return c.printJSON(b)
	}
	fmt.Fprintf(c.stdout, "tokenmint %s\n", b.Short())
	return c.printFields([]field{
		{"version", b.Version}, {"revision", b.Revision}, {"time", b.Time},
		{"modified", strconv.FormatBool(b.Modified)}, {"go", b.GoVersion}, {"platform", b.Platform},
	})
}
