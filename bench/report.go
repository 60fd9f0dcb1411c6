package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint/bench/internal/chart"
)

// report is the whole run: machine, settings, results.
type report struct {
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Command  string        `json:"command"`
	Commit   string        `json:"commit"`
	Machine  machine       `json:"machine"`
	Settings settings      `json:"settings"`
	Passes   []*passResult `json:"passes"`
	dir      string
}

type machine struct {
	CPUs       int    `json:"cpus"`
	CPUModel   string `json:"cpu_model"`
	MemTotal   string `json:"mem_total"`
	GoVersion  string `json:"go_version"`
	LoadBefore string `json:"loadavg_before"`
	LoadAfter  string `json:"loadavg_after"`
}

type settings struct {
	Warmup       string  `json:"warmup"`
	Duration     string  `json:"duration"`
	Conns        int     `json:"conns"`
	OpenConns    int     `json:"open_conns"`
	LoadFraction float64 `json:"load_fraction"`
	Profile      string  `json:"profile"`
}

func newReport(o options, commit string) *report {
	return &report{
		Started: time.Now().UTC(),
		Command: strings.Join(append([]string{"cd bench && go run ."}, os.Args[1:]...), " "),
		Commit:  commit,
		Machine: machine{CPUs: runtime.NumCPU(), CPUModel: procField("/proc/cpuinfo", "model name"),
			MemTotal: procField("/proc/meminfo", "MemTotal"), GoVersion: runtime.Version(), LoadBefore: loadavg()},
		Settings: settings{Warmup: o.warmup.String(), Duration: o.duration.String(), Conns: o.conns,
			OpenConns: o.openConns, LoadFraction: o.loadFraction, Profile: o.profile.String()},
	}
}

func (r *report) finish() {
	r.Finished = time.Now().UTC()
	r.Machine.LoadAfter = loadavg()
}

// gitCommit names the measured code: the short commit, "+dirty" when the
// work tree has changes.
func gitCommit(ctx context.Context, repo string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "+dirty"
	}
	return commit
}

// procField returns the value of the first "name : value" line of a
// /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// write puts results.md, results.json and chart.png into dir.
func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	r.dir = dir
	var md bytes.Buffer
	r.markdown(&md)
	if err := os.WriteFile(filepath.Join(dir, "results.md"), md.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write results.md: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results.json: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "chart.png"))
	if err != nil {
		return fmt.Errorf("write chart.png: %w", err)
	}
	if err := r.chart().WritePNG(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rerender rewrites a results directory's results.md and chart.png from
// its results.json (after a change to how they are drawn).
func rerender(dir string) error {
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	var r report
	if err := json.Unmarshal(js, &r); err != nil {
		return fmt.Errorf("decode results.json: %w", err)
	}
	return r.write(dir)
}

// markdown writes the report as Markdown tables.
func (r *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "# tokenmint-bench results\n\n")
	fmt.Fprintf(w, "- started %s, finished %s; commit `%s`\n", r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339), r.Commit)
	fmt.Fprintf(w, "- machine: %d CPUs (%s), %s memory, %s; load average %s before, %s after\n",
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemTotal, r.Machine.GoVersion, r.Machine.LoadBefore, r.Machine.LoadAfter)
	fmt.Fprintf(w, "- command: `%s`\n", r.Command)
	s := r.Settings
	fmt.Fprintf(w, "- closed loop: %d connections, %s warm-up + %s measured; open loop: %d connections at %.0f%% of each maximum, same durations\n\n",
		s.Conns, s.Warmup, s.Duration, s.OpenConns, s.LoadFraction*100)
	for _, p := range r.Passes {
		p.markdown(w, r.dir, s.LoadFraction)
	}
	r.targets(w)
	for _, p := range r.Passes {
		if p.Soak != nil {
			p.Soak.markdown(w, r.dir)
		}
	}
}

func (p *passResult) markdown(w io.Writer, dir string, frac float64) {
	fmt.Fprintf(w, "## %s: maximum (closed loop)\n\n", p.Backend)
	fmt.Fprintf(w, "| scenario | req/s | × floor | p50 | p99 | p99.9 | non-2xx | server CPU s/1k req | generator CPU s/1k req | peak RSS |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range p.Scenarios {
		note := ""
		if s.Closed.Exhausted {
			note = " (code pool ran out: shorter window)"
		}
		fmt.Fprintf(w, "| %s%s | %.0f | %.2f | %s | %s | %s | %d | %.3f | %.3f | %s |\n",
			s.Name, note, s.Closed.Throughput, s.FloorRatio, fmtDuration(s.Closed.P50), fmtDuration(s.Closed.P99),
			fmtDuration(s.Closed.P999), s.Closed.NonOK, s.CPUPer1k, s.GenCPUPer1k, fmtBytes(s.PeakRSS))
	}
	fmt.Fprintf(w, "\n## %s: at %.0f%% of the maximum (open loop, latency from the scheduled send time)\n\n", p.Backend, frac*100)
	fmt.Fprintf(w, "| scenario | rate | achieved | p50 | p99 | p99.9 | max | non-2xx | server CPU s/1k req | generator CPU s/1k req |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range p.Scenarios {
		o := s.Open
		fmt.Fprintf(w, "| %s | %.0f/s | %.0f/s | %s | %s | %s | %s | %d | %.3f | %.3f |\n",
			s.Name, o.Rate, o.Throughput, fmtDuration(o.P50), fmtDuration(o.P99), fmtDuration(o.P999), fmtDuration(o.Max),
			o.NonOK, s.OpenCPUPer1k, s.OpenGenCPUPer1k)
	}
	fmt.Fprintln(w)
	for _, s := range p.Scenarios {
		for _, ph := range []phaseResult{s.Closed, s.Open} {
			if ph.FirstError != "" || len(ph.Status) > 0 {
				fmt.Fprintf(w, "- %s: statuses %v, first error %q\n", s.Name, ph.Status, ph.FirstError)
			}
		}
		if s.ProfileTop != "" {
			fmt.Fprintf(w, "- %s: CPU profile `%s`\n", s.Name, relPath(dir, s.ProfileTop))
		}
	}
	fmt.Fprintln(w)
}

// target is one of issue 6's goals.
type target struct {
	desc     string
	backend  string // "" for every backend
	scenario string
	check    func(s scenarioResult) (value string, met bool)
}

func ratioAtLeast(min float64) func(scenarioResult) (string, bool) {
	return func(s scenarioResult) (string, bool) {
		return fmt.Sprintf("%.2f × floor", s.FloorRatio), s.FloorRatio >= min
	}
}

func p99Under(limit time.Duration) func(scenarioResult) (string, bool) {
	return func(s scenarioResult) (string, bool) {
		if s.Open.Requests == 0 {
			return "not measured", false
		}
		return fmtDuration(s.Open.P99), s.Open.P99 < limit && s.Open.NonOK == 0
	}
}

var targets = []target{
	{"JWT ES256 client_credentials ≥ 50% of the floor", "", "cc-jwt-es256", ratioAtLeast(0.5)},
	{"opaque client_credentials ≥ 30% of the floor on SQLite", "sqlite", scenarioCCOpaque, ratioAtLeast(0.3)},
	{"opaque client_credentials ≥ 20% of the floor on PostgreSQL", "postgres", scenarioCCOpaque, ratioAtLeast(0.2)},
	{"opaque introspection ≥ 60% of the floor", "", "introspect-opaque", ratioAtLeast(0.6)},
	{"JWT introspection ≥ 60% of the floor", "", "introspect-jwt", ratioAtLeast(0.6)},
}

// targets writes the goals with met or not met.
func (r *report) targets(w io.Writer) {
	fmt.Fprintf(w, "## Targets\n\n| target | backend | measured | met |\n|---|---|---|---|\n")
	row := func(desc, backend, value string, met bool) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", desc, backend, value, map[bool]string{true: "met", false: "**not met**"}[met])
	}
	for _, p := range r.Passes {
		for _, t := range targets {
			s := p.find(t.scenario)
			if s == nil || (t.backend != "" && t.backend != p.Backend) {
				continue
			}
			v, met := t.check(*s)
			row(t.desc, p.Backend, v, met)
		}
		for _, s := range p.Scenarios {
			v, met := p99Under(10 * time.Millisecond)(s)
			row(fmt.Sprintf("%s p99 < 10 ms at %.0f%% of its maximum", s.Name, r.Settings.LoadFraction*100), p.Backend, v, met)
		}
	}
	fmt.Fprintln(w)
}

func (s *soakResult) markdown(w io.Writer, dir string) {
	fmt.Fprintf(w, "## Soak (%s, %s)\n\n", s.Backend, s.Scenario)
	fmt.Fprintf(w, "%s at %.0f requests/s (open loop): %d requests, %d non-2xx, %d 5xx, %d transport errors; p50 %s, p99 %s, p99.9 %s.\n\n",
		s.Duration, s.Rate, s.Load.Requests, s.Load.NonOK, s.Load.Count5xx, s.Load.Errors,
		fmtDuration(s.Load.P50), fmtDuration(s.Load.P99), fmtDuration(s.Load.P999))
	lag := s.Load.Elapsed - s.Duration
	fmt.Fprintf(w, "- achieved %.0f requests/s; the last answer came %s after the last scheduled send%s\n",
		s.Load.Throughput, max(lag, 0).Round(time.Millisecond), map[bool]string{true: " (the server fell behind the schedule)", false: ""}[lag > time.Second])
	fmt.Fprintf(w, "- zero 5xx: %s\n", yesNo(s.Zero5xx()))
	if s.ProfileTop != "" {
		fmt.Fprintf(w, "- CPU profile mid-soak: `%s`\n", relPath(dir, s.ProfileTop))
	}
	switch {
	case !s.Judged:
		fmt.Fprintf(w, "- flatness: not judged (a soak shorter than %s cannot see the janitor's steady state)\n", minJudgedSoak)
	default:
		fmt.Fprintf(w, "- flat (after %s settling): %s\n", s.Settle, yesNo(s.Flat()))
	}
	if len(s.Verdicts) > 0 {
		fmt.Fprintf(w, "\n| metric | first third | last third | max | growth | flat |\n|---|--:|--:|--:|--:|---|\n")
		for _, v := range s.Verdicts {
			fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %+.1f%% | %s |\n", v.Metric, v.First, v.Last, v.Max, v.Growth*100, yesNo(v.Flat))
		}
	}
	fmt.Fprintf(w, "\n| t | RSS | Go runtime | goroutines | database |\n|--:|--:|--:|--:|--:|\n")
	for _, smp := range s.Samples {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s |\n", smp.At.Round(time.Second), fmtBytes(smp.RSS), fmtBytes(smp.GoBytes), smp.Goroutines, fmtBytes(smp.DBBytes))
	}
	fmt.Fprintln(w)
}

// chart draws throughput and open-loop p99 per scenario, a bar per
// backend.
func (r *report) chart() chart.Chart {
	c := chart.Chart{Title: fmt.Sprintf("tokenmint-bench %s, commit %s, %d CPUs", r.Started.Format("2006-01-02"), r.Commit, r.Machine.CPUs)}
	tput := chart.Panel{Title: "Maximum throughput, requests/s (closed loop)", Unit: "/s"}
	lat := chart.Panel{Title: fmt.Sprintf("p99 latency at %.0f%% of maximum, ms, log scale (open loop)", r.Settings.LoadFraction*100),
		Unit: " ms", Target: 10, TargetLabel: "target 10 ms", Log: true}
	for _, p := range r.Passes {
		c.Series = append(c.Series, p.Backend)
	}
	for _, name := range r.scenarioNames() {
		tb, lb := chart.Bar{Label: name}, chart.Bar{Label: name}
		for _, p := range r.Passes {
			t, l := math.NaN(), math.NaN()
			if s := p.find(name); s != nil {
				t = s.Closed.Throughput
				if s.Open.Requests > 0 {
					l = float64(s.Open.P99) / float64(time.Millisecond)
				}
			}
			tb.Values, lb.Values = append(tb.Values, t), append(lb.Values, l)
		}
		tput.Bars, lat.Bars = append(tput.Bars, tb), append(lat.Bars, lb)
	}
	c.Panels = []chart.Panel{tput, lat}
	return c
}

func (r *report) scenarioNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, p := range r.Passes {
		for _, s := range p.Scenarios {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	return names
}

// relPath shows path relative to the results directory when it is inside
// it, so that a moved results folder still reads right.
func relPath(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// fmtDuration prints a latency in ms with three significant digits.
func fmtDuration(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "–"
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

func fmtBytes(n int64) string {
	if n <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
