package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
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

// runVersion prints the module version of the binary.
func runVersion(c *cli, _ context.Context, cmd command, args []string) error {
	f := c.newFlags(cmd)
	if _, err := f.parse(args); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "tokenmint %s %s %s/%s\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// version is the module version stamped by the go command ("(devel)" for
// a build from a checkout), with the VCS revision when recorded.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
