package rs_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesStaySmall: an API imports rs without the server: its
// dependencies outside the standard library are go-jose and tokenmint's
// dpop verifier, nothing else (no store, no grant, no SQL driver).
func TestDependenciesStaySmall(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/tokenmint/tokenmint/rs":    true,
		"github.com/tokenmint/tokenmint/dpop":  true,
		"github.com/go-jose/go-jose/v4":        true,
		"github.com/go-jose/go-jose/v4/cipher": true,
		"github.com/go-jose/go-jose/v4/json":   true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if !allowed[dep] {
			t.Errorf("rs depends on %s: keep it importable without the server", dep)
		}
	}
}
