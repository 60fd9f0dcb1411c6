package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, o options)
		wantErr bool
	}{
		{name: "defaults", check: func(t *testing.T, o options) {
			if !slices.Equal(o.scenarios, allScenarioNames()) || o.duration != 10*time.Second || o.conns != 64 || !o.sqlite || o.postgres != "" || o.out == "" {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{name: "postgres from env", env: map[string]string{"TOKENMINT_TEST_POSTGRES": "postgres://x/y"}, check: func(t *testing.T, o options) {
			if o.postgres != "postgres://x/y" {
				t.Errorf("postgres = %q", o.postgres)
			}
		}},
		{name: "quick shortens what is not set", args: []string{"--quick", "--conns", "3"}, check: func(t *testing.T, o options) {
			if o.duration != time.Second || o.conns != 3 || o.profile != 0 {
				t.Errorf("quick: duration %v conns %d profile %v", o.duration, o.conns, o.profile)
			}
		}},
		{name: "floor moves first", args: []string{"--scenarios", "cc-opaque,floor,cc-opaque"}, check: func(t *testing.T, o options) {
			if !slices.Equal(o.scenarios, []string{"floor", "cc-opaque"}) {
				t.Errorf("scenarios = %v", o.scenarios)
			}
		}},
		{name: "soak adds its scenario", args: []string{"--scenarios", "floor", "--soak", "1m"}, check: func(t *testing.T, o options) {
			if !slices.Equal(o.scenarios, []string{"floor", "cc-opaque"}) {
				t.Errorf("scenarios = %v", o.scenarios)
			}
		}},
		{name: "unknown scenario", args: []string{"--scenarios", "nope"}, wantErr: true},
		{name: "empty scenario list", args: []string{"--scenarios", ","}, wantErr: true},
		{name: "no backend", args: []string{"--no-sqlite"}, wantErr: true},
		{name: "load above one", args: []string{"--load", "1.5"}, wantErr: true},
		{name: "zero duration", args: []string{"--duration", "0s"}, wantErr: true},
		{name: "soak on the floor", args: []string{"--soak", "1m", "--soak-scenario", "floor"}, wantErr: true},
		{name: "soak on pre-signed credentials", args: []string{"--soak", "1m", "--soak-scenario", "cc-dpop-es256"}, wantErr: true},
		{name: "DPoP phase longer than a proof lives", args: []string{"--scenarios", "cc-dpop-es256", "--duration", "50s"}, wantErr: true},
		{name: "DPoP profile longer than a proof lives", args: []string{"--scenarios", "cc-dpop-es256", "--profile", "1m"}, wantErr: true},
		{name: "assertion phase longer than an assertion lives", args: []string{"--scenarios", "cc-pkjwt-es256", "--duration", "5m"}, wantErr: true},
		{name: "long phase without pre-signed credentials", args: []string{"--scenarios", "cc-opaque", "--duration", "2m"}, check: func(t *testing.T, o options) {
			if o.duration != 2*time.Minute {
				t.Errorf("duration = %v", o.duration)
			}
		}},
		{name: "stray argument", args: []string{"extra"}, wantErr: true},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			o, err := parseOptions(tt.args, getenv, io.Discard)
			if tt.wantErr {
				var u usageError
				if !errors.As(err, &u) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

func TestParseOptionsHelp(t *testing.T) {
	if _, err := parseOptions([]string{"-h"}, noEnv, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
}
