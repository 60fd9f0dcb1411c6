package server_test

import (
	"encoding/json"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"net/url"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestObservabilityDocsUseServedMetrics: every metric the Grafana
// dashboard and the Prometheus alerting rules in docs/observability/
// name is served at /metrics by a real server after some traffic (a
// histogram by its _bucket, _sum and _count series). Metrics Prometheus
// makes itself (up) are not tokenmint's and not checked: only names of
// tokenmint's, Go's and the process's collectors are.
func TestObservabilityDocsUseServedMetrics(t *testing.T) {
	used := map[string][]string{} // metric -> files using it
	exprs := dashboardExprs(t, "../docs/observability/grafana-dashboard.json")
	exprs = append(exprs, alertExprs(t, "../docs/observability/alerts.yaml")...)
	for _, e := range exprs {
		for _, m := range metricNames(e.expr) {
			used[m] = append(used[m], e.file)
		}
	}
	if len(used) < 15 {
		t.Fatalf("only %d metrics found in the dashboard and the rules: the extraction is broken", len(used))
	}

	in := servertest.Start(t, func(c *config.Config) { c.TokenRateLimit = "20/1m" })
	served := servedMetrics(t, trafficThenMetrics(t, in))
	for m, files := range used {
		if !served[m] {
			t.Errorf("%s, used by %v, is not served at /metrics", m, slices.Compact(files))
		}
	}
}

// trafficThenMetrics sends requests that move every metric (tokens
// issued and introspected, a failed client authentication, rate-limit
// refusals) and returns the admin listener's /metrics.
func trafficThenMetrics(t *testing.T, in *servertest.Instance) string {
	cl := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	tok := issue(t, in, cl, "")
	if !introspectOn(t, in, cl, tok) {
		t.Fatal("the token just issued does not introspect active")
	}
	if status, _, _ := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, "wrong"); status != 401 {
		t.Fatalf("wrong secret: status %d, want 401", status)
	}
	limited := false
	for range 30 {
		status, _, _ := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
		limited = limited || status == 429
	}
	if !limited {
		t.Fatal("30 token requests against a limit of 20/1m were never refused")
	}
	return metricsText(t, in.AdminURL)
}

type expr struct{ file, expr string }

// dashboardExprs returns every query of a Grafana dashboard: each
// target's expr and each templating variable's query.
func dashboardExprs(t *testing.T, path string) []expr {
	var dash any
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []expr
	var walk func(v any, parentKey string)
	walk = func(v any, parentKey string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && (k == "expr" || (k == "query" && parentKey == "list")) {
					out = append(out, expr{path, s})
				}
				walk(c, k)
			}
		case []any:
			for _, c := range v {
				walk(c, parentKey)
			}
		}
	}
	walk(dash, "")
	if len(out) < 10 {
		t.Fatalf("%s: only %d queries found", path, len(out))
	}
	return out
}

// alertExprs returns the expr of every rule of a Prometheus rules file.
func alertExprs(t *testing.T, path string) []expr {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []expr
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("%s: a rule without alert or expr: %+v", path, r)
			}
			out = append(out, expr{path, r.Expr})
		}
	}
	if len(out) < 5 {
		t.Fatalf("%s: only %d rules found", path, len(out))
	}
	return out
}

var (
	quoted     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	matchers   = regexp.MustCompile(`\{[^}]*\}`)
	metricName = regexp.MustCompile(`\b(?:tokenmint|go|process)_[a-zA-Z0-9_:]*`)
)

// metricNames returns the names of tokenmint's, Go's and the process's
// metrics a PromQL expression selects: label matchers and strings (which
// may hold metric-like text) removed first.
func metricNames(e string) []string {
	e = matchers.ReplaceAllString(quoted.ReplaceAllString(e, `""`), "")
	return metricName.FindAllString(e, -1)
}

// servedMetrics returns the sample names of a Prometheus text exposition.
func servedMetrics(t *testing.T, text string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		names[name] = true
	}
	if !names["tokenmint_http_requests_total"] {
		t.Fatalf("/metrics has no tokenmint_http_requests_total:\n%s", text)
	}
	return names
}

// TestMetricsExplainFailures: the metrics name what went wrong: OAuth
// errors by endpoint and code, client authentication failures by method,
// refusals by limit; and the build, the database pools, the group
// commits and the signing keys are there.
func TestMetricsExplainFailures(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.TokenRateLimit = "20/1m" })
	m := trafficThenMetrics(t, in)
	for _, want := range []string{
		`tokenmint_oauth_errors_total{endpoint="token",error="invalid_client"} 1`,
		`tokenmint_oauth_errors_total{endpoint="token",error="temporarily_unavailable"}`, // 429s
		`tokenmint_http_requests_total{code="429",endpoint="token"}`,
		`tokenmint_client_auth_failures_total{method="client_secret_basic"} 1`,
		`tokenmint_rate_limited_total{limit="token"}`,
		`tokenmint_client_cache_lookups_total{result="hit"}`,
		`tokenmint_token_cache_lookups_total{result="hit"}`,
		`go_sql_max_open_connections{db_name="sqlite_writer"} 1`,
		`go_sql_in_use_connections{db_name="sqlite_reader"}`,
		`tokenmint_db_group_commit_size_bucket{kind="insert",le="1"}`,
		`tokenmint_signing_key_age_seconds{alg="ES256"`,
		`goversion="` + runtime.Version() + `"`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`(?m)^tokenmint_build_info\{.*version="[^"]+".*\} 1$`).MatchString(m) {
		t.Errorf("no tokenmint_build_info 1 with a version:\n%s", grepLines(m, "build_info"))
	}
}
