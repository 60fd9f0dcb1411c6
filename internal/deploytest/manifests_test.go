package deploytest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/token"
)

const root = "../.."

// knownEnv is every TOKENMINT_* variable of docs/configuration.md, whose
// table config's TestDocsListEverySetting keeps complete.
func knownEnv(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "docs/configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| [^|]+ \\| `(TOKENMINT_[A-Z0-9_]+)` \\|").FindAllStringSubmatch(string(data), -1) {
		out[m[1]] = true
	}
	if len(out) < 20 {
		t.Fatalf("found %d settings in docs/configuration.md: the table's format changed", len(out))
	}
	return out
}

// loadEnv checks that every variable is a setting and loads them as the
// server would.
func loadEnv(t *testing.T, where string, env map[string]string) config.Config {
	t.Helper()
	known := knownEnv(t)
	for k := range env {
		if !known[k] && !strings.HasPrefix(k, "OTEL_") {
			t.Errorf("%s: %s is not a tokenmint setting", where, k)
		}
	}
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("%s: the server refuses these settings: %v", where, err)
	}
	return cfg
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// dockerfile returns the image's binary path, user and healthcheck.
func dockerfile(t *testing.T) (entrypoint, user, healthcheck string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), "\\\n", " ")
	find := func(re string) string {
		m := regexp.MustCompile("(?m)" + re).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("Dockerfile has no line matching %s", re)
		}
		return m[1]
	}
	return find(`^ENTRYPOINT \["([^"]+)"\]`), find(`^USER (\S+)`), find(`^HEALTHCHECK .*CMD (\[.*\])`)
}

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// TestComposeFile: two tokenmint services of the image on PostgreSQL and
// Redis services of the file, with settings the server takes, published
// ports on its listen port, the image's healthcheck, and started only
// once PostgreSQL and Redis are healthy.
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Compose interpolates ${VAR:?message} from the environment.
	key := token.GenerateMasterKey().Encode()
	data = regexp.MustCompile(`\$\{TOKENMINT_MASTER_KEY:\?[^}]*\}`).ReplaceAll(data, []byte(key))
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	entry, _, hc := dockerfile(t)
	var instances int
	for name, s := range f.Services {
		if !strings.HasPrefix(name, "tokenmint") {
			continue
		}
		instances++
		cfg := loadEnv(t, "compose.yaml "+name, s.Environment)
		if !cfg.IsPostgres() || cfg.Redis == "" {
			t.Errorf("%s: database %q, redis %q; want PostgreSQL and Redis", name, cfg.Database, cfg.Redis)
		}
		if k, _, err := cfg.MasterKeyValue(); err != nil || k.Encode() != key {
			t.Errorf("%s: master key not from TOKENMINT_MASTER_KEY: %v", name, err)
		}
		for _, dep := range []string{hostOf(t, cfg.Database), hostOf(t, cfg.Redis)} {
			if _, ok := f.Services[dep]; !ok {
				t.Errorf("%s: connects to %q, not a service of the file", name, dep)
			}
			if s.DependsOn[dep].Condition != "service_healthy" {
				t.Errorf("%s: does not wait for %s to be healthy", name, dep)
			}
			if len(f.Services[dep].Healthcheck.Test) == 0 {
				t.Errorf("service %s has no healthcheck, so service_healthy never holds", dep)
			}
		}
		if len(s.Ports) != 1 || !strings.HasSuffix(s.Ports[0], ":"+strconv.Itoa(port(t, cfg.Addr))) {
			t.Errorf("%s: ports %v do not publish the listen port %d", name, s.Ports, port(t, cfg.Addr))
		}
		if got := `["` + strings.Join(s.Healthcheck.Test[1:], `", "`) + `"]`; s.Healthcheck.Test[0] != "CMD" || got != hc {
			t.Errorf("%s: healthcheck %v, want the Dockerfile's %s", name, s.Healthcheck.Test, hc)
		}
		if s.Healthcheck.Test[1] != entry {
			t.Errorf("%s: healthcheck runs %s, the image's binary is %s", name, s.Healthcheck.Test[1], entry)
		}
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("%s: command %v, want serve", name, s.Command)
		}
	}
	if instances != 2 {
		t.Errorf("%d tokenmint services, want 2", instances)
	}
}

func hostOf(t *testing.T, dsn string) string {
	t.Helper()
	m := regexp.MustCompile(`^[a-z]+://(?:[^@/]*@)?([^:/]+)`).FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("no host in %q", dsn)
	}
	return m[1]
}

// k8sObject is the part of a manifest the test reads.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas     int `yaml:"replicas"`
		MinAvailable int `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		// A Service's selector is the labels themselves.
		Ports []struct {
			Name       string `yaml:"name"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsUser  int `yaml:"runAsUser"`
					RunAsGroup int `yaml:"runAsGroup"`
				} `yaml:"securityContext"`
				Containers []k8sContainer `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sProbe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type k8sContainer struct {
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	ReadinessProbe k8sProbe `yaml:"readinessProbe"`
	LivenessProbe  k8sProbe `yaml:"livenessProbe"`
	StartupProbe   k8sProbe `yaml:"startupProbe"`
}

func (c k8sContainer) port(name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

// kubernetes reads every object of docs/deploy/kubernetes, by kind.
func kubernetes(t *testing.T) map[string]k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs/deploy/kubernetes/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string]k8sObject{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if _, dup := out[o.Kind]; dup {
				t.Fatalf("two %s objects", o.Kind)
			}
			out[o.Kind] = o
		}
	}
	for _, kind := range []string{"Deployment", "Service", "PodDisruptionBudget", "Secret", "ConfigMap"} {
		if _, ok := out[kind]; !ok {
			t.Errorf("docs/deploy/kubernetes has no %s", kind)
		}
	}
	return out
}

// TestKubernetesManifests: the Deployment's settings (ConfigMap and
// Secret) are the server's, with the master key from the Secret; its
// ports are the listen ports those settings give; its probes ask
// /readyz and /healthz of the public listener, which a real server
// answers; the Service and the PodDisruptionBudget select its pods; it
// runs as the image's user and outlives the shutdown grace period.
func TestKubernetesManifests(t *testing.T) {
	objs := kubernetes(t)
	d := objs["Deployment"]
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(d.Spec.Template.Spec.Containers))
	}
	c := d.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	var fromSecret, fromConfigMap bool
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil && ef.ConfigMapRef.Name == objs["ConfigMap"].Metadata.Name:
			fromConfigMap = true
			for k, v := range objs["ConfigMap"].Data {
				env[k] = v
			}
		case ef.SecretRef != nil && ef.SecretRef.Name == objs["Secret"].Metadata.Name:
			fromSecret = true
			for k, v := range objs["Secret"].StringData {
				env[k] = v
			}
		}
	}
	if !fromSecret || !fromConfigMap {
		t.Fatalf("the Deployment does not take its environment from the ConfigMap and the Secret")
	}
	if _, ok := objs["Secret"].StringData["TOKENMINT_MASTER_KEY"]; !ok {
		t.Error("the master key is not in the Secret")
	}
	if _, ok := objs["ConfigMap"].Data["TOKENMINT_MASTER_KEY"]; ok {
		t.Error("the master key is in the ConfigMap")
	}
	cfg := loadEnv(t, "docs/deploy/kubernetes", env)
	if !cfg.IsPostgres() || cfg.Redis == "" {
		t.Errorf("database %q, redis %q; want PostgreSQL and Redis", cfg.Database, cfg.Redis)
	}
	if got, want := c.port("http"), port(t, cfg.Addr); got != want {
		t.Errorf("containerPort http %d, the server listens on %d (TOKENMINT_ADDR %s)", got, want, cfg.Addr)
	}
	if got, want := c.port("admin"), port(t, cfg.AdminAddr); got != want {
		t.Errorf("containerPort admin %d, the admin listener is on %d", got, want)
	}
	probes := map[string]k8sProbe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe}
	wantPath := map[string]string{"readiness": "/readyz", "liveness": "/healthz", "startup": "/healthz"}
	in := servertest.Start(t)
	for name, p := range probes {
		if p.HTTPGet.Path != wantPath[name] || p.HTTPGet.Port != "http" {
			t.Errorf("%s probe %s on %s, want %s on http", name, p.HTTPGet.Path, p.HTTPGet.Port, wantPath[name])
		}
		resp, err := http.Get(in.URL + p.HTTPGet.Path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s probe: the server answers %s %d", name, p.HTTPGet.Path, resp.StatusCode)
		}
	}
	svc := objs["Service"]
	if len(svc.Spec.Ports) != 1 || c.port(svc.Spec.Ports[0].TargetPort) == 0 {
		t.Errorf("the Service's targetPort is not a named port of the container: %+v", svc.Spec.Ports)
	}
	labels := d.Spec.Template.Metadata.Labels
	for what, sel := range map[string]map[string]string{
		"Deployment":          d.Spec.Selector.MatchLabels,
		"PodDisruptionBudget": objs["PodDisruptionBudget"].Spec.Selector.MatchLabels,
	} {
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("the %s selects %s=%s, the pods have %q", what, k, v, labels[k])
			}
		}
	}
	if pdb := objs["PodDisruptionBudget"].Spec.MinAvailable; pdb < 1 || pdb >= d.Spec.Replicas {
		t.Errorf("minAvailable %d of %d replicas: a drain would be blocked or unprotected", pdb, d.Spec.Replicas)
	}
	_, user, _ := dockerfile(t)
	sc := d.Spec.Template.Spec.SecurityContext
	if got := strconv.Itoa(sc.RunAsUser) + ":" + strconv.Itoa(sc.RunAsGroup); got != user {
		t.Errorf("runs as %s, the image's user is %s", got, user)
	}
	if grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds; float64(grace) <= cfg.ShutdownTimeout.Seconds() {
		t.Errorf("terminationGracePeriodSeconds %d does not exceed shutdown_timeout %s", grace, cfg.ShutdownTimeout)
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Errorf("args %v, want serve", c.Args)
	}
}
