package main

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/internal/buildinfo"
)

// TestVersionOfBuiltBinary: a binary built by the go command prints, in
// JSON and as a table, exactly the build information the go command
// recorded in it (go version -m): the module version, the VCS revision,
// time and modified flag, the Go version. Built from a git checkout the
// revision is the checkout's HEAD; in a git worktree the go command
// records no VCS information (its .git is a file), and the revision is
// then empty in both.
func TestVersionOfBuiltBinary(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "version", "--output", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got buildinfo.Info
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("version --output json: %v\n%s", err, out)
	}
	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	rec := map[string]string{}
	for _, line := range strings.Split(string(meta), "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		switch {
		case len(f) >= 2 && f[0] == "build":
			k, v, _ := strings.Cut(strings.Join(f[1:], "\t"), "=")
			rec[k] = v
		case len(f) >= 3 && f[0] == "mod":
			rec["mod"] = f[2]
		}
	}
	want := buildinfo.Info{Version: strings.Replace(rec["mod"], "(devel)", "devel", 1), Revision: rec["vcs.revision"], Time: rec["vcs.time"],
		Modified: rec["vcs.modified"] == "true", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if got != want {
		t.Errorf("version --output json = %+v\ngo version -m says %+v", got, want)
	}
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && got.Revision != "" && got.Revision != strings.TrimSpace(string(head)) {
		t.Errorf("revision %s, HEAD is %s", got.Revision, head)
	}
	if got.Revision == "" {
		t.Log("the go command recorded no VCS information (a git worktree, or no git)")
	}
	table, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(table), "\n"); first != "tokenmint "+got.Short() {
		t.Errorf("version first line %q, want %q", first, "tokenmint "+got.Short())
	}
	for _, row := range []string{"go        " + got.GoVersion, "modified  " + map[bool]string{true: "true", false: "false"}[got.Modified], "platform  " + got.Platform} {
		if !strings.Contains(string(table), row) {
			t.Errorf("version table lacks %q:\n%s", row, table)
		}
	}
}
