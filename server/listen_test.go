package server

import (
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/config"
)

// TestListenAdmin: "off" opens nothing; a taken default address starts
// the server without an admin listener (a second instance on one host);
// an address set explicitly, or one the operator needs (--pprof), must
// be free.
func TestListenAdmin(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	def := config.Default()
	for _, tc := range []struct {
		name    string
		addr    string
		pprof   bool
		wantLn  bool
		wantErr string
	}{
		{"off", config.AdminOff, false, false, ""},
		{"free", "127.0.0.1:0", false, true, ""},
		{"explicit and taken", taken.Addr().String(), false, false, "admin listener"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := def
			cfg.AdminAddr, cfg.Pprof = tc.addr, tc.pprof
			ln, err := listenAdmin(cfg, log)
			if ln != nil {
				ln.Close()
			}
			if (ln != nil) != tc.wantLn || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("listener %v, err %v; want listener %v, error %q", ln != nil, err, tc.wantLn, tc.wantErr)
			}
		})
	}
	// The default address, taken: no listener and no error, unless
	// --pprof asks for it.
	hold, err := net.Listen("tcp", def.AdminAddr)
	if err != nil {
		t.Skipf("the default admin address %s is in use here: %v", def.AdminAddr, err)
	}
	defer hold.Close()
	if ln, err := listenAdmin(def, log); ln != nil || err != nil {
		t.Errorf("default address taken: listener %v, err %v; want neither", ln != nil, err)
	}
	cfg := def
	cfg.Pprof = true
	if ln, err := listenAdmin(cfg, log); ln != nil || err == nil {
		t.Errorf("default address taken with --pprof: listener %v, err %v; want an error", ln != nil, err)
	}
}
