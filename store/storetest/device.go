package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// The Device Authorization Grant (RFC 8628): DeviceStore.
func deviceTests() []test {
	return []test{
		{"RoundTrip", testDeviceRoundTrip},
		{"CreateConflict", testDeviceConflict},
		{"Unknown", testDeviceUnknown},
		{"DecideOnce", testDeviceDecideOnce},
		{"DecideExpired", testDeviceDecideExpired},
		{"DecideConcurrent", testDeviceDecideConcurrent},
		{"PollSlowDown", testDevicePollSlowDown},
		{"PollConcurrent", testDevicePollConcurrent},
		{"ExchangeApproved", testDeviceExchange},
		{"ExchangeNotApproved", testDeviceExchangeNotApproved},
		{"ExchangeConcurrent", testDeviceExchangeConcurrent},
		{"ExchangeIssueError", testDeviceExchangeIssueError},
		{"EndedWithUserGrants", testDeviceEndedWithUser},
		{"EndedWithClient", testDeviceEndedWithClient},
		{"DeleteExpired", testDeviceDeleteExpired},
	}
}

func deviceAuth(id, userCode, clientID string, expires time.Duration) tokenmint.DeviceAuthorization {
	return tokenmint.DeviceAuthorization{
		ID: id, UserCodeID: userCode, ClientID: clientID,
		Scopes: []string{"openid", "api:read"}, Resources: []string{"https://api.example/"},
		FamilyID: "fam-" + id, IssuedAt: at(0), ExpiresAt: at(expires),
		Interval: 5 * time.Second, Status: tokenmint.DevicePending,
	}
}

func normDevice(d tokenmint.DeviceAuthorization) tokenmint.DeviceAuthorization {
	d.Scopes, d.Resources = list(d.Scopes), list(d.Resources)
	d.IssuedAt, d.ExpiresAt, d.LastPolledAt = ts(d.IssuedAt), ts(d.ExpiresAt), ts(d.LastPolledAt)
	d.AuthTime, d.DecidedAt, d.UsedAt = ts(d.AuthTime), ts(d.DecidedAt), ts(d.UsedAt)
	return d
}

func approve(user string, when time.Duration) tokenmint.DeviceDecision {
	return tokenmint.DeviceDecision{Approve: true, Subject: user, SessionID: "sess-" + user, AuthTime: at(-time.Minute), At: at(when)}
}

func testDeviceRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	d := deviceAuth("dev1", "uc1", "c", 10*time.Minute)
	ok(t, s.CreateDeviceAuthorization(ctx, d), "create device authorization")
	got, err := s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	ok(t, err, "get by user code")
	same(t, "device authorization", normDevice(got), normDevice(d))
}

func testDeviceConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", time.Minute)), "create")
	wantErr(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc2", "c", time.Minute)), tokenmint.ErrConflict, "same device code")
	wantErr(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev2", "uc1", "c", time.Minute)), tokenmint.ErrConflict, "same user code")
}

func testDeviceUnknown(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	_, err := s.GetDeviceAuthorizationByUserCode(ctx, "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown")
	_, err = s.DecideDeviceAuthorization(ctx, "nope", approve("u", 0))
	wantErr(t, err, tokenmint.ErrNotFound, "decide unknown")
	_, _, err = s.PollDeviceAuthorization(ctx, "nope", at(0), 5*time.Second)
	wantErr(t, err, tokenmint.ErrNotFound, "poll unknown")
	_, err = s.ExchangeDeviceCode(ctx, "nope", at(0), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange unknown")
}

func testDeviceDecideOnce(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	d := deviceAuth("dev1", "uc1", "c", 10*time.Minute)
	ok(t, s.CreateDeviceAuthorization(ctx, d), "create")
	dec := approve("alice", time.Second)
	got, err := s.DecideDeviceAuthorization(ctx, "uc1", dec)
	ok(t, err, "approve")
	want := d
	want.Status, want.Subject, want.SessionID, want.AuthTime, want.DecidedAt = tokenmint.DeviceApproved, "alice", "sess-alice", dec.AuthTime, dec.At
	same(t, "approved", normDevice(got), normDevice(want))
	again, err := s.DecideDeviceAuthorization(ctx, "uc1", tokenmint.DeviceDecision{Subject: "mallory", At: at(2 * time.Second)})
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "decide twice")
	same(t, "record of a second decision", normDevice(again), normDevice(want))
	stored, err := s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	ok(t, err, "get")
	same(t, "stored after a second decision", normDevice(stored), normDevice(want))

	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev2", "uc2", "c", 10*time.Minute)), "create another")
	denied, err := s.DecideDeviceAuthorization(ctx, "uc2", tokenmint.DeviceDecision{Subject: "bob", At: at(time.Second)})
	ok(t, err, "deny")
	if denied.Status != tokenmint.DeviceDenied || denied.Subject != "bob" {
		t.Fatalf("denied record: %s", show(denied))
	}
}

func testDeviceDecideExpired(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", time.Minute)), "create")
	_, err := s.DecideDeviceAuthorization(ctx, "uc1", approve("alice", time.Minute))
	wantErr(t, err, tokenmint.ErrNotFound, "approve at expiry")
	got, err := s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	ok(t, err, "get")
	if got.Status != tokenmint.DevicePending {
		t.Fatalf("an expired authorization was decided: %s", show(got))
	}
}

func testDeviceDecideConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", time.Minute)), "create")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.DecideDeviceAuthorization(ctx, "uc1", approve("u", time.Second))
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		default:
			wantErr(t, err, tokenmint.ErrAlreadyUsed, "concurrent decision")
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent decisions won, want 1", wins, n)
	}
}

func testDevicePollSlowDown(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	step := 5 * time.Second
	polls := []struct {
		at       time.Duration
		tooSoon  bool
		interval time.Duration
	}{
		{0, false, 5 * time.Second},                 // the first poll is never too soon
		{5 * time.Second, false, 5 * time.Second},   // exactly the interval later
		{9 * time.Second, true, 10 * time.Second},   // 4 s later: slow down
		{15 * time.Second, true, 15 * time.Second},  // 6 s later, but the interval is 10 s now
		{30 * time.Second, false, 15 * time.Second}, // 15 s later
		{30*time.Second + time.Millisecond, true, 20 * time.Second},
	}
	for i, p := range polls {
		d, tooSoon, err := s.PollDeviceAuthorization(ctx, "dev1", at(p.at), step)
		ok(t, err, "poll")
		if tooSoon != p.tooSoon || d.Interval != p.interval || !d.LastPolledAt.Equal(at(p.at)) {
			t.Fatalf("poll %d at +%s: tooSoon %v interval %s last %s, want %v %s %s", i, p.at, tooSoon, d.Interval, d.LastPolledAt, p.tooSoon, p.interval, at(p.at))
		}
	}
	// Once decided, polls are no longer too soon (there is nothing to wait for).
	_, err := s.DecideDeviceAuthorization(ctx, "uc1", approve("u", 31*time.Second))
	ok(t, err, "approve")
	d, tooSoon, err := s.PollDeviceAuthorization(ctx, "dev1", at(31*time.Second), step)
	ok(t, err, "poll approved")
	if tooSoon || d.Status != tokenmint.DeviceApproved || d.Interval != 20*time.Second {
		t.Fatalf("poll of an approved authorization: tooSoon %v %s", tooSoon, show(d))
	}
}

// testDevicePollConcurrent: polls at one instant from many callers (as from
// several instances) each see the previous one; all but the first are
// too soon, and each adds one step.
func testDevicePollConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	const n = 6
	var wg sync.WaitGroup
	soon := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, soon[i], errs[i] = s.PollDeviceAuthorization(ctx, "dev1", at(0), time.Second) })
	}
	wg.Wait()
	count := 0
	for i := range n {
		ok(t, errs[i], "concurrent poll")
		if soon[i] {
			count++
		}
	}
	d, err := s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	ok(t, err, "get")
	if count != n-1 || d.Interval != 5*time.Second+time.Duration(n-1)*time.Second {
		t.Fatalf("%d of %d concurrent polls too soon, interval %s; want %d and %s", count, n, d.Interval, n-1, 5*time.Second+time.Duration(n-1)*time.Second)
	}
}

func testDeviceExchange(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c")), "create client")
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	_, err := s.DecideDeviceAuthorization(ctx, "uc1", approve("alice", time.Second))
	ok(t, err, "approve")
	fam := tokenmint.Family{ID: "fam-dev1", ClientID: "c", Subject: "alice", Scopes: []string{"openid"}, CreatedAt: at(2 * time.Second), ExpiresAt: at(time.Hour)}
	rt := tokenmint.RefreshToken{ID: "rt1", FamilyID: "fam-dev1", ClientID: "c", Subject: "alice", IssuedAt: at(2 * time.Second), ExpiresAt: at(time.Hour)}
	var seen tokenmint.DeviceAuthorization
	got, err := s.ExchangeDeviceCode(ctx, "dev1", at(2*time.Second), func(d tokenmint.DeviceAuthorization) (tokenmint.Issuance, error) {
		seen = d
		return tokenmint.Issuance{Family: &fam, Refresh: &rt}, nil
	})
	ok(t, err, "exchange")
	if !got.UsedAt.Equal(at(2*time.Second)) || !seen.UsedAt.Equal(at(2*time.Second)) || got.Subject != "alice" {
		t.Fatalf("exchanged record: %s (issue saw %s)", show(got), show(seen))
	}
	_, err = s.GetFamily(ctx, "fam-dev1")
	ok(t, err, "the family issued with the exchange")
	_, err = s.GetRefreshToken(ctx, "rt1")
	ok(t, err, "the refresh token issued with the exchange")
	again, err := s.ExchangeDeviceCode(ctx, "dev1", at(3*time.Second), func(tokenmint.DeviceAuthorization) (tokenmint.Issuance, error) {
		t.Fatal("issue called for a spent device code")
		return tokenmint.Issuance{}, nil
	})
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "exchange twice")
	if again.FamilyID != "fam-dev1" {
		t.Fatalf("a replay returned %s, want the record", show(again))
	}
}

func testDeviceExchangeNotApproved(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	_, err := s.ExchangeDeviceCode(ctx, "dev1", at(time.Second), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange pending")
	_, err = s.DecideDeviceAuthorization(ctx, "uc1", tokenmint.DeviceDecision{Subject: "u", At: at(time.Second)})
	ok(t, err, "deny")
	_, err = s.ExchangeDeviceCode(ctx, "dev1", at(2*time.Second), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange denied")
	d, err := s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	ok(t, err, "get")
	if !d.UsedAt.IsZero() {
		t.Fatalf("a denied device code was spent: %s", show(d))
	}
}

func testDeviceExchangeConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	_, err := s.DecideDeviceAuthorization(ctx, "uc1", approve("u", time.Second))
	ok(t, err, "approve")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = s.ExchangeDeviceCode(ctx, "dev1", at(2*time.Second), nil) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			wantErr(t, err, tokenmint.ErrAlreadyUsed, "concurrent exchange")
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent exchanges won, want 1", wins, n)
	}
}

func testDeviceExchangeIssueError(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	_, err := s.DecideDeviceAuthorization(ctx, "uc1", approve("u", time.Second))
	ok(t, err, "approve")
	refused := errSentinel("refused by issue")
	_, err = s.ExchangeDeviceCode(ctx, "dev1", at(2*time.Second), func(tokenmint.DeviceAuthorization) (tokenmint.Issuance, error) {
		return tokenmint.Issuance{}, refused
	})
	wantErr(t, err, refused, "exchange refused by issue")
	_, err = s.ExchangeDeviceCode(ctx, "dev1", at(3*time.Second), nil)
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "the refused exchange spent the code")
}

type errSentinel string

func (e errSentinel) Error() string { return string(e) }

func testDeviceEndedWithUser(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev2", "uc2", "c", 10*time.Minute)), "create another")
	_, err := s.DecideDeviceAuthorization(ctx, "uc1", approve("alice", time.Second))
	ok(t, err, "approve")
	ok(t, s.RevokeUserGrants(ctx, "alice", at(2*time.Second)), "revoke alice's grants")
	_, err = s.ExchangeDeviceCode(ctx, "dev1", at(3*time.Second), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange after the user's grants were revoked")
	_, err = s.GetDeviceAuthorizationByUserCode(ctx, "uc2")
	ok(t, err, "another user's pending authorization stays")
}

func testDeviceEndedWithClient(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c")), "create client")
	ok(t, s.CreateClient(ctx, fullClient("d")), "create other client")
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", 10*time.Minute)), "create")
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev2", "uc2", "d", 10*time.Minute)), "create for d")
	ok(t, s.RevokeClientTokens(ctx, "c", at(time.Second)), "revoke c's tokens")
	_, err := s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	wantErr(t, err, tokenmint.ErrNotFound, "c's device authorization after revoke-tokens")
	ok(t, s.DeleteClient(ctx, "d"), "delete d")
	_, err = s.GetDeviceAuthorizationByUserCode(ctx, "uc2")
	wantErr(t, err, tokenmint.ErrNotFound, "d's device authorization after its deletion")
}

func testDeviceDeleteExpired(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev1", "uc1", "c", time.Minute)), "create")
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev2", "uc2", "c", time.Hour)), "create longer")
	_, err := s.DeleteExpired(ctx, at(2*time.Minute))
	ok(t, err, "delete expired")
	_, err = s.GetDeviceAuthorizationByUserCode(ctx, "uc1")
	wantErr(t, err, tokenmint.ErrNotFound, "expired device authorization")
	_, err = s.GetDeviceAuthorizationByUserCode(ctx, "uc2")
	ok(t, err, "live device authorization")
	// An expired one's user code is free again.
	ok(t, s.CreateDeviceAuthorization(ctx, deviceAuth("dev3", "uc1", "c", time.Hour)), "reuse the freed user code")
}

// RunDevice runs the DeviceStore part of the suite alone: for a layer in
// front of a backend (store/cache) that must pass these calls through.
func RunDevice(t *testing.T, newStore func(t *testing.T) tokenmint.Store) {
	t.Helper()
	for _, tc := range deviceTests() {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}
