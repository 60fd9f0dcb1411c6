package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/internal/fakeclock"
)

// countingDB counts write probes and fails them while writable is false.
type countingDB struct {
	probes   int
	writable bool
}

func (d *countingDB) Ping(context.Context) error { return nil }

func (d *countingDB) CheckWritable(context.Context) error {
	d.probes++
	if !d.writable {
		return errors.New("read-only")
	}
	return nil
}

// TestReadinessProbesWritesAtMostEvery: a successful write probe vouches
// for writeProbeEvery, so /readyz polled often costs one write per
// interval; a failed one is retried at the next check.
func TestReadinessProbesWritesAtMostEvery(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := &countingDB{writable: true}
	r := &readiness{db: db, now: clock.Now}
	ctx := context.Background()
	check := func(wantErr bool, wantProbes int) {
		t.Helper()
		if err := r.Ping(ctx); (err != nil) != wantErr || db.probes != wantProbes {
			t.Fatalf("Ping: %v after %d probes; want error %v after %d", err, db.probes, wantErr, wantProbes)
		}
	}
	check(false, 1)
	for range 9 {
		clock.Advance(writeProbeEvery / 10)
		check(false, 1)
	}
	clock.Advance(writeProbeEvery / 10)
	db.writable = false
	check(true, 2)
	check(true, 3)
	db.writable = true
	check(false, 4)
	check(false, 4)
}

// failingKeys fails Load while err is set.
type failingKeys struct {
	err   error
	loads int
}

func (k *failingKeys) Load(context.Context, ...string) error {
	k.loads++
	return k.err
}

// TestReadinessFailsWhileSigningKeysDoNotLoad: a failed reload of the
// signing keys makes the instance unready; every check retries the load,
// and the first that succeeds makes it ready again.
func TestReadinessFailsWhileSigningKeysDoNotLoad(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	keys := &failingKeys{}
	r := &readiness{db: &countingDB{writable: true}, keys: keys, now: clock.Now}
	ctx := context.Background()
	if err := r.Ping(ctx); err != nil || keys.loads != 0 {
		t.Fatalf("Ping with keys loaded: %v after %d loads, want nil after none", err, keys.loads)
	}
	keys.err = errors.New("decrypt private key (wrong master key, or a corrupted record)")
	if err := r.loadKeys(ctx); err == nil {
		t.Fatal("loadKeys hid the failure")
	}
	for i := range 2 {
		err := r.Ping(ctx)
		if err == nil || !errors.Is(err, keys.err) {
			t.Fatalf("Ping %d with keys failing to load: %v, want the load's error", i, err)
		}
	}
	if keys.loads != 3 {
		t.Errorf("%d loads, want 3: each check retries", keys.loads)
	}
	keys.err = nil
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("Ping once the keys load: %v", err)
	}
	if err := r.Ping(ctx); err != nil || keys.loads != 4 {
		t.Errorf("Ping after recovery: %v after %d loads, want nil after 4 (no reload once loaded)", err, keys.loads)
	}
}
