package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestDocsListEverySetting checks docs/configuration.md has a table row
// for every setting with the right flag, variable, key and default.
func TestDocsListEverySetting(t *testing.T) {
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{} // yaml key cell -> cells
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") && !strings.HasPrefix(line, "| —") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) >= 5 {
			rows[strings.TrimSpace(cells[2])] = cells
		}
	}
	def := Default()
	derived := map[string]bool{"issuer": true, "master_key_file": true}
	for _, s := range settings(&def) {
		cells, ok := rows["`"+s.key+"`"]
		if !ok {
			t.Errorf("docs/configuration.md has no row for %s", s.key)
			continue
		}
		wantFlag := "`--" + s.Flag() + "`"
		if s.noFlag {
			wantFlag = "—"
		}
		if got := strings.TrimSpace(cells[0]); got != wantFlag {
			t.Errorf("%s: flag cell %s, want %s", s.key, got, wantFlag)
		}
		if got, want := strings.TrimSpace(cells[1]), "`"+s.Env()+"`"; got != want {
			t.Errorf("%s: environment cell %s, want %s", s.key, got, want)
		}
		if v := s.format(); v != "" && !derived[s.key] {
			if got, want := strings.TrimSpace(cells[3]), "`"+v+"`"; got != want {
				t.Errorf("%s: default cell %s, want %s", s.key, got, want)
			}
		}
	}
}

func fmtAll(c Config) string { return fmt.Sprintf("%v %+v %#v", c, c, c) }
