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
