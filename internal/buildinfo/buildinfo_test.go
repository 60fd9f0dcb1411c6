package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    debug.BuildInfo
		want  Info
		short string
	}{
		{"checkout, dirty", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.time", Value: "2026-11-23T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			Info{Version: "devel", Revision: "0123456789abcdef0123456789abcdef01234567", Time: "2026-11-23T12:00:00Z", Modified: true, GoVersion: "go1.26.8"},
			"devel+0123456789ab-dirty"},
		{"tagged", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.modified", Value: "false"}}},
			Info{Version: "v1.2.3", Revision: "0123456789abcdef0123456789abcdef01234567", GoVersion: "go1.26.8"}, "v1.2.3"},
		{"no vcs", debug.BuildInfo{Main: debug.Module{}}, Info{Version: "devel", GoVersion: runtime.Version()}, "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FromBuildInfo(&tc.in)
			tc.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if s := got.Short(); s != tc.short {
				t.Errorf("Short() = %q, want %q", s, tc.short)
			}
		})
	}
}
