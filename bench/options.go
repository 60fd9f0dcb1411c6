package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// options are the benchmark's settings.
type options struct {
	out       string   // results directory
	scenarios []string // in run order
	postgres  string   // DSN of a server to create a fresh database on; "" skips
	sqlite    bool

	warmup       time.Duration
	duration     time.Duration // closed loop, and open loop, per scenario
	conns        int           // closed-loop connections
	openConns    int           // open-loop connections
	loadFraction float64       // open-loop rate as a fraction of the maximum
	profile      time.Duration // CPU profile length per scenario; 0: none
	trace        time.Duration // execution trace length per scenario; 0: none

	soak         time.Duration
	soakScenario string
	soakFraction float64
	soakInterval time.Duration

	repo   string // root of the tokenmint checkout to build ./cmd/tokenmint from
	ref    string // git ref to build instead of the work tree
	render string // re-render results.md and chart.png of this results directory
	keep   bool   // keep the temporary directory
	quick  bool
	gobin  string // the go command
	stamp  string // timestamp naming the default results directory
}

// usageError marks a bad command line (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// parseOptions reads the command line; getenv supplies
// TOKENMINT_TEST_POSTGRES as the default of --postgres.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("tokenmint-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenarios := fs.String("scenarios", strings.Join(allScenarioNames(), ","), "comma-separated `LIST` of scenarios to run")
	fs.StringVar(&o.out, "out", "", "results `DIR` (default results/<timestamp>)")
	fs.StringVar(&o.postgres, "postgres", getenv("TOKENMINT_TEST_POSTGRES"), "PostgreSQL `DSN` to run a second pass on, in a fresh database (default $TOKENMINT_TEST_POSTGRES)")
	noSQLite := fs.Bool("no-sqlite", false, "skip the SQLite pass")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unrecorded load before each measured phase")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase")
	fs.IntVar(&o.conns, "conns", 64, "closed-loop keep-alive `CONNECTIONS`")
	fs.IntVar(&o.openConns, "open-conns", 64, "open-loop keep-alive `CONNECTIONS`")
	fs.Float64Var(&o.loadFraction, "load", 0.8, "open-loop rate as a `FRACTION` of each scenario's maximum")
	fs.DurationVar(&o.profile, "profile", 10*time.Second, "CPU profile captured under load per scenario (0: none)")
	fs.DurationVar(&o.trace, "trace", 0, "`DURATION` of the execution trace captured per scenario in an extra open-loop pass at the measured rate, for go tool trace (0: none)")
	fs.DurationVar(&o.soak, "soak", 0, "after the scenarios, hold the soak scenario for this `DURATION` (e.g. 10m)")
	fs.StringVar(&o.soakScenario, "soak-scenario", "cc-opaque", "scenario the soak drives")
	fs.Float64Var(&o.soakFraction, "soak-load", 0.7, "soak rate as a `FRACTION` of the scenario's maximum")
	fs.DurationVar(&o.soakInterval, "soak-interval", 10*time.Second, "soak sampling interval")
	fs.StringVar(&o.repo, "repo", "", "root of the tokenmint checkout to build the server from (default: the one the working directory is in)")
	fs.StringVar(&o.ref, "ref", "", "build the server from this git `REF` (e.g. HEAD), exported to a temporary directory, instead of the work tree")
	fs.StringVar(&o.render, "render", "", "only rewrite results.md and chart.png of results `DIR` from its results.json")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (database, server log)")
	fs.BoolVar(&o.quick, "quick", false, "a few seconds per scenario, no profiles: a smoke run")
	fs.StringVar(&o.gobin, "go", "go", "the go `COMMAND` used to build the server")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usagef("unexpected argument %q", fs.Arg(0))
	}
	o.sqlite = !*noSQLite
	if o.quick {
		o.applyQuick(fs)
	}
	o.stamp = time.Now().UTC().Format("20060102-150405")
	if o.out == "" {
		o.out = filepath.Join("results", o.stamp)
	}
	var err error
	if o.scenarios, err = parseScenarios(*scenarios); err != nil {
		return o, err
	}
	return o, o.validate()
}

// applyQuick shortens every phase the command line did not set.
func (o *options) applyQuick(fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	quick := []struct {
		name  string
		apply func()
	}{
		{"warmup", func() { o.warmup = 200 * time.Millisecond }},
		{"duration", func() { o.duration = time.Second }},
		{"conns", func() { o.conns = 8 }},
		{"open-conns", func() { o.openConns = 16 }},
		{"profile", func() { o.profile = 0 }},
		{"soak-interval", func() { o.soakInterval = time.Second }},
	}
	for _, q := range quick {
		if !set[q.name] {
			q.apply()
		}
	}
}

// checkPhases refuses phases longer than the pre-signed credentials of a
// chosen scenario stay valid (a DPoP proof's iat, an assertion's exp).
func (o *options) checkPhases() error {
	lead := time.Second // the profiling and tracing passes' load around the capture
	for _, name := range o.scenarios {
		s, _ := scenarioByName(name)
		if s.maxPhase == 0 {
			continue
		}
		if o.warmup+o.duration > s.maxPhase || o.profile+lead > s.maxPhase || o.trace+lead > s.maxPhase {
			return usagef("scenario %s: --warmup plus --duration, --profile and --trace must each stay within %v (its pre-signed credentials expire)", name, s.maxPhase)
		}
	}
	return nil
}

func parseScenarios(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || slices.Contains(out, name) {
			continue
		}
		if _, ok := scenarioByName(name); !ok {
			return nil, usagef("unknown scenario %q (known: %s)", name, strings.Join(allScenarioNames(), ", "))
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, usagef("no scenario to run")
	}
	// The floor runs first: every ratio is relative to it.
	if i := slices.Index(out, scenarioFloor); i > 0 {
		out = append([]string{scenarioFloor}, slices.Delete(out, i, i+1)...)
	}
	return out, nil
}

func (o *options) validate() error {
	switch {
	case !o.sqlite && o.postgres == "":
		return usagef("--no-sqlite needs --postgres")
	case o.duration <= 0 || o.warmup < 0:
		return usagef("--duration must be positive and --warmup not negative")
	case o.conns < 1 || o.openConns < 1:
		return usagef("--conns and --open-conns must be at least 1")
	case o.loadFraction <= 0 || o.loadFraction > 1 || o.soakFraction <= 0 || o.soakFraction > 1:
		return usagef("--load and --soak-load must be in (0, 1]")
	case o.profile < 0 || o.trace < 0 || o.soak < 0 || o.soakInterval <= 0:
		return usagef("--profile, --trace and --soak cannot be negative, --soak-interval must be positive")
	}
	if err := o.checkPhases(); err != nil {
		return err
	}
	if o.soak > 0 {
		s, ok := scenarioByName(o.soakScenario)
		if !ok || o.soakScenario == scenarioFloor {
			return usagef("--soak-scenario %q is not a server scenario", o.soakScenario)
		}
		if s.singleUse {
			return usagef("--soak-scenario %q spends a credential minted beforehand per request: it cannot be held for a soak", o.soakScenario)
		}
		if !slices.Contains(o.scenarios, o.soakScenario) {
			o.scenarios = append(o.scenarios, o.soakScenario) // its maximum sets the soak rate
		}
	}
	return nil
}
