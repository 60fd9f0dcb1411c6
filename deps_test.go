package tokenmint_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDomainImportsNoIO enforces the layering of docs/architecture.md: the
// domain, the protocol vocabulary and the protocol core depend on no HTTP
// stack, no SQL driver and no network client, directly or not, so they
// can be tested and reused without any of them.
func TestDomainImportsNoIO(t *testing.T) {
	forbidden := []string{"net/http", "database/sql", "github.com/jackc/pgx/v5", "modernc.org/sqlite", "github.com/redis/go-redis/v9", "html/template"}
	for _, pkg := range []string{".", "./oauth", "./grant", "./token", "./password", "./dpop"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		for _, f := range forbidden {
			if slices.Contains(deps, f) {
				t.Errorf("package %s depends on %s; the core must stay free of I/O", pkg, f)
			}
		}
	}
}

// TestDialectsArePlugIns enforces that a dialect is one folder plus one
// line in the registry (dialect/dialects): no package outside its own
// folder imports a platform's package, so nothing else in the server, the
// configuration or the CLI knows a platform by name.
func TestDialectsArePlugIns(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const prefix = "github.com/tokenmint/tokenmint/dialect/"
	shared := map[string]bool{prefix + "dialects": true, prefix + "dialecttest": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		for _, imp := range imports {
			if !strings.HasPrefix(imp, prefix) || shared[imp] {
				continue
			}
			if pkg != prefix+"dialects" && !strings.HasPrefix(pkg, imp) {
				t.Errorf("%s imports the platform package %s: only the registry, dialect/dialects, may", pkg, imp)
			}
		}
	}
}
