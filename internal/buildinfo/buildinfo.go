// Package buildinfo says which build of tokenmint is running, from what
// the go command records in the binary (runtime/debug.ReadBuildInfo):
// for `tokenmint version`, the tokenmint_build_info metric and the
// start-up log line.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info identifies a build.
type Info struct {
	Version   string `json:"version"`            // the module version ("devel" for a build from a checkout without one)
	Revision  string `json:"revision,omitempty"` // the VCS commit (vcs.revision)
	Time      string `json:"time,omitempty"`     // the commit's time, RFC 3339 (vcs.time)
	Modified  bool   `json:"modified"`           // the working tree had changes (vcs.modified)
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"` // GOOS/GOARCH
}

// Read returns the running binary's Info.
func Read() Info {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "unknown", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	}
	return FromBuildInfo(info)
}

// FromBuildInfo extracts an Info from the go command's record.
func FromBuildInfo(info *debug.BuildInfo) Info {
	b := Info{Version: info.Main.Version, GoVersion: info.GoVersion, Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if b.Version == "" || b.Version == "(devel)" {
		b.Version = "devel"
	}
	if b.GoVersion == "" {
		b.GoVersion = runtime.Version()
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// Short is the version in one word: the module version as the go
// command stamped it (a pseudo-version names the commit, and ends in
// +dirty for a modified tree), or for "devel" the first 12 hex digits
// of the revision and "-dirty": "devel+1a2b3c4d5e6f-dirty".
func (b Info) Short() string {
	if b.Version != "devel" {
		return b.Version
	}
	s := b.Version
	if len(b.Revision) >= 12 {
		s += "+" + b.Revision[:12]
	}
	if b.Modified {
		s += "-dirty"
	}
	return s
}
