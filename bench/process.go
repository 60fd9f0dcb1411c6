package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// serverProc is a tokenmint server running as a child process.
type serverProc struct {
	bin  string
	env  []string // shared by the server and the CLI commands
	addr string   // 127.0.0.1:PORT
	base string   // http://addr
	// aids is where the benchmark aids (the floor, profiles) answer: the
	// admin listener of a server that has one, else addr (servers built
	// before the admin listener mounted them on the public one).
	aids      string
	aidsBase  string
	adminAddr string
	logPath   string
	cmd       *exec.Cmd
	exited    chan struct{}
	waitErr   error
}

// serverEnv is the environment of the server and the CLI: the caller's
// without any TOKENMINT_ setting (a developer's shell must not change
// what is measured), plus the database, a fresh master key, quiet logs
// and the benchmark aids (on the admin listener at adminAddr; a server
// built before it existed mounts them on addr, as these variables told
// it to).
func serverEnv(database, addr, adminAddr string) ([]string, error) {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TOKENMINT_") {
			env = append(env, kv)
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return append(env,
		"TOKENMINT_DATABASE="+database,
		"TOKENMINT_ADDR="+addr,
		"TOKENMINT_ADMIN_ADDR="+adminAddr,
		"TOKENMINT_MASTER_KEY="+base64.StdEncoding.EncodeToString(key),
		"TOKENMINT_LOG_LEVEL=warn",
		"TOKENMINT_BENCH_FLOOR=1",
		"TOKENMINT_PPROF=1",
		// The jwt-bearer scenario's issuer listens on a loopback address.
		"TOKENMINT_ALLOW_PRIVATE_FETCH=1",
	), nil
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer starts `tokenmint serve` on database and waits until
// /readyz answers 200. The caller must stop it.
func startServer(ctx context.Context, bin, dir, database string) (*serverProc, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // another process may take the port first
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		adminAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		s, err := launch(bin, dir, database, addr, adminAddr)
		if err != nil {
			return nil, err
		}
		if lastErr = s.waitReady(ctx, 90*time.Second); lastErr == nil {
			s.findAids(ctx)
			return s, nil
		}
		s.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, lastErr
}

func launch(bin, dir, database, addr, adminAddr string) (*serverProc, error) {
	env, err := serverEnv(database, addr, adminAddr)
	if err != nil {
		return nil, err
	}
	s := &serverProc{bin: bin, env: env, addr: addr, base: "http://" + addr, adminAddr: adminAddr,
		logPath: filepath.Join(dir, "server.log"), exited: make(chan struct{})}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Dir, s.cmd.Stdout, s.cmd.Stderr = env, dir, logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	return s, nil
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// findAids sets where the benchmark aids answer: the admin listener when
// the server has one, else the public listener.
func (s *serverProc) findAids(ctx context.Context) {
	s.aids, s.aidsBase = s.addr, s.base
	hc := &http.Client{Timeout: 2 * time.Second}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.adminAddr+"/bench/floor", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		s.aids, s.aidsBase = s.adminAddr, "http://"+s.adminAddr
	}
}

// waitReady polls /readyz until it answers 200, the process exits or
// timeout passes.
func (s *serverProc) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		if resp, err := hc.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready (%v):\n%s", s.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("server not ready: %w\n%s", ctx.Err(), s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// running reports whether the process is still alive.
func (s *serverProc) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM (graceful shutdown) and kills the process if it has
// not exited within 20 s.
func (s *serverProc) stop() error {
	if !s.running() {
		return s.exitError()
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal server: %w", err)
	}
	select {
	case <-s.exited:
		return s.exitError()
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return errors.New("server did not shut down within 20 s of SIGTERM; killed")
	}
}

func (s *serverProc) exitError() error {
	if s.waitErr != nil {
		return fmt.Errorf("server exit: %w", s.waitErr)
	}
	return nil
}

// logTail returns the last lines of the server log, for error messages.
func (s *serverProc) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// cli runs a tokenmint CLI command against the server's database and
// returns its standard output.
func (s *serverProc) cli(ctx context.Context, stdin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("tokenmint %s: %w: %s", strings.Join(args[:min(2, len(args))], " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}
