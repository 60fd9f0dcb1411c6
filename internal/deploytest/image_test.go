package deploytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// podman runs podman commands with the global flags this machine needs.
type podman struct {
	global []string // before the command: --runtime
	run    []string // after "run": --ulimit
}

func (p podman) cmd(ctx context.Context, args ...string) *exec.Cmd {
	if len(args) > 0 && args[0] == "run" {
		args = append(append([]string{"run"}, p.run...), args[1:]...)
	}
	return exec.CommandContext(ctx, "podman", append(append([]string{}, p.global...), args...)...)
}

func (p podman) out(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := p.cmd(ctx, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("podman %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// runnable returns how podman runs containers here, or skips t saying
// why it cannot. Debian's podman defaults to crun, which refuses cgroup v1
// "hybrid" hosts and, like runc, raising RLIMIT_NOFILE/NPROC without
// CAP_SYS_RESOURCE (a VM or container that dropped it): the fallback is
// runc with limits no higher than this process's own.
func runnable(t *testing.T, image string) podman {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (apt-get install podman runc; .ci/run does): cannot build and run the image")
	}
	tries := []podman{{}, {global: []string{"--runtime", "runc"}, run: []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}}}
	var errs []string
	for _, p := range tries {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var stderr bytes.Buffer
		cmd := p.cmd(ctx, "run", "--rm", "--no-healthcheck", image, "version")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cancel()
		if err == nil && strings.HasPrefix(string(out), "tokenmint ") {
			return p
		}
		errs = append(errs, fmt.Sprintf("podman %v run: %v: %s", p.global, err, strings.TrimSpace(stderr.String())))
	}
	t.Skipf("podman cannot run containers on this machine:\n%s", strings.Join(errs, "\n"))
	return podman{}
}

// buildImage builds the image the Dockerfile's prebuilt way: the binary
// with the local Go toolchain, CGO off, then the Dockerfile in a context
// of its own. The standard way needs the golang image from a registry.
func buildImage(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (apt-get install podman runc; .ci/run does): cannot build and run the image")
	}
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	if err := os.MkdirAll(filepath.Join(dist, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dist, "tokenmint"), "./cmd/tokenmint")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for from, to := range map[string]string{
		"/etc/ssl/certs/ca-certificates.crt": filepath.Join(dist, "ca-certificates.crt"),
		filepath.Join(root, "Dockerfile"):    filepath.Join(dir, "Dockerfile"),
	} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Skipf("cannot assemble the image's context: %v (the CA certificates come from Debian's ca-certificates)", err)
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	image := "localhost/tokenmint-test:" + randomHex(t)
	// --format docker: the OCI format has no HEALTHCHECK.
	podman{}.out(t, "build", "--format", "docker", "--build-arg", "BINARY=prebuilt", "-t", image, dir)
	t.Cleanup(func() { exec.Command("podman", "rmi", "-f", image).Run() })
	return image
}

func randomHex(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestContainerImage builds the image, checks what it is (a non-root
// numeric user, no shell, the healthcheck), runs it on a volume, creates
// a client with the image's own CLI on the same volume, gets a token from
// the running container and waits for its HEALTHCHECK to pass.
func TestContainerImage(t *testing.T) {
	image := buildImage(t)
	p := runnable(t, image)

	var cfg struct {
		Config struct {
			User    string
			Volumes map[string]any
		}
		Healthcheck struct{ Test []string } // podman's place for it
	}
	var inspected []json.RawMessage
	if err := json.Unmarshal([]byte(p.out(t, "image", "inspect", image)), &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("image inspect: %v", err)
	}
	json.Unmarshal(inspected[0], &cfg)
	if cfg.Config.User != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", cfg.Config.User)
	}
	if got := strings.Join(cfg.Healthcheck.Test, " "); got != "CMD /usr/local/bin/tokenmint healthcheck" {
		t.Errorf("healthcheck %q", got)
	}
	if _, ok := cfg.Config.Volumes["/data"]; !ok {
		t.Errorf("no /data volume: %v", cfg.Config.Volumes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := p.cmd(ctx, "run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true").CombinedOutput(); err == nil {
		t.Errorf("the image has a shell: %s", out)
	}

	name := "tokenmint-test-" + randomHex(t)
	volume := name + "-data"
	p.out(t, "volume", "create", volume)
	t.Cleanup(func() { exec.Command("podman", "volume", "rm", "-f", volume).Run() })
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	p.out(t, "run", "-d", "--name", name, "-v", volume+":/data", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port),
		"-e", fmt.Sprintf("TOKENMINT_ISSUER=http://localhost:%d", port), image)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("podman", "logs", name).CombinedOutput()
			t.Logf("container log:\n%s", out)
		}
		exec.Command("podman", "rm", "-f", "-t", "2", name).Run()
	})
	waitFor(t, "the container's HEALTHCHECK", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return p.cmd(ctx, "healthcheck", "run", name).Run() == nil
	})

	// The image has no shell to exec into: its CLI runs in a second
	// container on the same volume, as docs/deployment.md shows.
	var creds struct{ ClientID, ClientSecret string }
	out := p.out(t, "run", "--rm", "-v", volume+":/data", image, "client", "create", "--name", "demo", "--scope", "api", "--output", "json")
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("client create: %v\n%s", err, out)
	}
	creds.ClientID, creds.ClientSecret = raw["client_id"].(string), raw["client_secret"].(string)

	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader("grant_type=client_credentials&scope=api"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(creds.ClientID), url.QueryEscape(creds.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != 200 || tok["token_type"] != "Bearer" || tok["access_token"] == nil {
		t.Fatalf("token from the container: %d %v", resp.StatusCode, tok)
	}
	var state struct {
		State struct{ Health struct{ Status string } }
	}
	var states []json.RawMessage
	json.Unmarshal([]byte(p.out(t, "inspect", name)), &states)
	if len(states) == 1 {
		json.Unmarshal(states[0], &state)
	}
	if state.State.Health.Status != "healthy" {
		t.Errorf("container health %q, want healthy", state.State.Health.Status)
	}
}

func waitFor(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60s", what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
