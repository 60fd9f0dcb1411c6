package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// bench is one invocation of the benchmark.
type bench struct {
	opts options
	log  *slog.Logger
	out  io.Writer // progress lines
}

// passResult is one backend's results.
type passResult struct {
	Backend   string           `json:"backend"`
	Scenarios []scenarioResult `json:"scenarios"`
	Soak      *soakResult      `json:"soak,omitempty"`
}

// run builds the server, runs a pass per backend and writes the report.
func (b *bench) run(ctx context.Context) (*report, error) {
	tmp, err := os.MkdirTemp("", "tokenmint-bench-*")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	if b.opts.keep {
		b.log.Info("keeping the temporary directory", "dir", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	repo := b.opts.repo
	if repo == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if repo, err = serverRoot(wd); err != nil {
			return nil, err
		}
	}
	commit := gitCommit(ctx, repo)
	if b.opts.ref != "" {
		src := filepath.Join(tmp, "src")
		if commit, err = exportRef(ctx, repo, b.opts.ref, src); err != nil {
			return nil, err
		}
		repo = src
	}
	b.log.Info("building the server", "repo", repo, "commit", commit)
	bin, err := buildServer(ctx, b.opts.gobin, repo, tmp)
	if err != nil {
		return nil, err
	}
	rep := newReport(b.opts, commit)
	if b.opts.sqlite {
		dir := filepath.Join(tmp, "sqlite")
		p, err := b.pass(ctx, "sqlite", bin, dir, "sqlite:"+filepath.Join(dir, "tokenmint.db"), sqliteSize(filepath.Join(dir, "tokenmint.db")))
		if err != nil {
			return nil, fmt.Errorf("sqlite pass: %w", err)
		}
		rep.Passes = append(rep.Passes, p)
	}
	if b.opts.postgres != "" {
		p, err := b.postgresPass(ctx, bin, filepath.Join(tmp, "postgres"))
		if err != nil {
			return nil, fmt.Errorf("postgres pass: %w", err)
		}
		rep.Passes = append(rep.Passes, p)
	}
	rep.finish()
	if err := rep.write(b.opts.out); err != nil {
		return nil, err
	}
	return rep, nil
}

func (b *bench) postgresPass(ctx context.Context, bin, dir string) (*passResult, error) {
	db, err := createPGDatabase(ctx, b.opts.postgres)
	if err != nil {
		return nil, err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := db.drop(dctx); err != nil {
			b.log.Warn("could not drop the benchmark database", "database", db.name, "err", err)
		}
	}()
	return b.pass(ctx, "postgres", bin, dir, db.dsn, db.size)
}

// pass starts a server on database, creates the fixture and measures
// every scenario, then the soak when this is the soak's backend.
func (b *bench) pass(ctx context.Context, backend, bin, dir, database string, size dbSizer) (res *passResult, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pass dir: %w", err)
	}
	b.log.Info("starting the server", "backend", backend)
	srv, err := startServer(ctx, bin, dir, database)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = fmt.Errorf("%w\n%s", serr, srv.logTail())
		}
	}()
	fix, err := newFixture(ctx, srv)
	if err != nil {
		return nil, err
	}
	if err := fix.checkServer(ctx); err != nil {
		return nil, err
	}
	m := &measurer{opts: b.opts, srv: srv, fix: fix, maxRate: map[string]float64{}}
	if b.opts.profile > 0 || b.opts.trace > 0 {
		m.prof = &profiler{gobin: b.opts.gobin, dir: filepath.Join(b.opts.out, "profiles"), backend: backend}
	}
	res = &passResult{Backend: backend}
	for _, name := range b.opts.scenarios {
		s, _ := scenarioByName(name)
		r, err := m.measure(ctx, s)
		if err != nil {
			return nil, err
		}
		if !srv.running() {
			return nil, fmt.Errorf("server exited during %s:\n%s", name, srv.logTail())
		}
		res.Scenarios = append(res.Scenarios, r)
		b.progress(backend, r)
	}
	res.setRatios()
	if b.opts.soak > 0 && b.isSoakBackend(backend) {
		if res.Soak, err = b.soak(ctx, m, res, size); err != nil {
			return nil, err
		}
		res.Soak.Backend = backend
	}
	return res, nil
}

// isSoakBackend: the soak runs once, on the first backend of the run.
func (b *bench) isSoakBackend(backend string) bool {
	return backend == "sqlite" || !b.opts.sqlite
}

func (b *bench) soak(ctx context.Context, m *measurer, res *passResult, size dbSizer) (*soakResult, error) {
	s, _ := scenarioByName(b.opts.soakScenario)
	r := res.find(s.name)
	if r == nil || r.Closed.Throughput < 1 {
		return nil, fmt.Errorf("soak: no maximum measured for %s", s.name)
	}
	rate := b.opts.soakFraction * r.Closed.Throughput
	b.log.Info("soak", "scenario", s.name, "rate", fmt.Sprintf("%.0f/s", rate), "duration", b.opts.soak)
	return m.soak(ctx, s, rate, size)
}

func (p *passResult) find(name string) *scenarioResult {
	for i := range p.Scenarios {
		if p.Scenarios[i].Name == name {
			return &p.Scenarios[i]
		}
	}
	return nil
}

// setRatios divides each scenario's maximum by the floor's.
func (p *passResult) setRatios() {
	floor := p.find(scenarioFloor)
	if floor == nil || floor.Closed.Throughput <= 0 {
		return
	}
	for i := range p.Scenarios {
		p.Scenarios[i].FloorRatio = p.Scenarios[i].Closed.Throughput / floor.Closed.Throughput
	}
}

func (b *bench) progress(backend string, r scenarioResult) {
	fmt.Fprintf(b.out, "%-8s %-18s %8.0f req/s  p99 %7s  p99@%.0f%% %7s  non-2xx %d/%d  cpu %.3fs/1k\n",
		backend, r.Name, r.Closed.Throughput, fmtDuration(r.Closed.P99), b.opts.loadFraction*100,
		fmtDuration(r.Open.P99), r.Closed.NonOK, r.Open.NonOK, r.CPUPer1k)
}

// checkServer verifies the benchmark aids are on: the floor answers its
// 300 bytes.
func (f *fixture) checkServer(ctx context.Context) error {
	body, err := f.get(ctx, f.srv.aidsBase+"/bench/floor", 200)
	if err != nil {
		return fmt.Errorf("the server does not serve /bench/floor (TOKENMINT_BENCH_FLOOR=1): %w", err)
	}
	if len(body) != 300 {
		return fmt.Errorf("/bench/floor answered %d bytes, want 300", len(body))
	}
	if err := f.waitClients(ctx); err != nil {
		return err
	}
	return nil
}
