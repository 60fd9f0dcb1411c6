package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func logoutTests() []test {
	return []test{
		{"QueuedBySignOut", testLogoutQueuedBySignOut},
		{"QueuedByRevokeUserGrants", testLogoutQueuedByRevokeUser},
		{"QueuedByDeleteUser", testLogoutQueuedByDeleteUser},
		{"Lease", testLogoutLease},
		{"Retry", testLogoutRetry},
		{"ConcurrentClaims", testLogoutConcurrentClaims},
	}
}

// logoutClient creates a client, with a back-channel logout URI when rp.
func logoutClient(t *testing.T, s tokenmint.Store, id string, rp bool) {
	t.Helper()
	c := minimalClient(id)
	if rp {
		c.BackchannelLogoutURI = "https://" + id + ".example/logout"
	}
	ok(t, s.CreateClient(t.Context(), c), "create client "+id)
}

// sessionFamily stores a family of client for user in session sess.
func sessionFamily(t *testing.T, s tokenmint.Store, id, client, user, sess string) {
	t.Helper()
	f := family(id, client, user, at(24*time.Hour))
	f.SessionID = sess
	ok(t, s.CreateFamily(t.Context(), f), "create family "+id)
}

// claimAll claims every due delivery at a time after any queued one.
func claimAll(t *testing.T, s tokenmint.Store, lease string) []tokenmint.LogoutDelivery {
	t.Helper()
	now := at(0)
	got, err := s.ClaimLogouts(t.Context(), now, now.Add(time.Minute), lease, 100)
	ok(t, err, "claim logouts")
	slices.SortFunc(got, func(a, b tokenmint.LogoutDelivery) int {
		return strings.Compare(a.ClientID+"/"+a.SessionID, b.ClientID+"/"+b.SessionID)
	})
	return got
}

func deliveries(ds []tokenmint.LogoutDelivery) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.ClientID+"/"+d.SessionID+"/"+d.Subject)
	}
	return out
}

func testLogoutQueuedBySignOut(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	logoutClient(t, s, "rp-a", true)
	logoutClient(t, s, "rp-b", true)
	logoutClient(t, s, "plain", false)
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", at(time.Hour))), "create session s1")
	ok(t, s.CreateLoginSession(ctx, loginSession("s2", "u1", at(time.Hour))), "create session s2")
	sessionFamily(t, s, "f1", "rp-a", "u1", "s1")
	sessionFamily(t, s, "f2", "rp-a", "u1", "s1") // a second authorization: one delivery
	sessionFamily(t, s, "f3", "rp-b", "u1", "s1")
	sessionFamily(t, s, "f4", "plain", "u1", "s1")              // no backchannel_logout_uri
	sessionFamily(t, s, "f5", "rp-a", "u1", "s2")               // another session
	ok(t, s.RevokeFamily(ctx, "f3", at(0)), "revoke family f3") // revoked: the RP may still hold a session
	ok(t, s.DeleteLoginSession(ctx, "s1"), "delete session s1")
	got := claimAll(t, s, "lease-1")
	same(t, "queued deliveries", deliveries(got), []string{"rp-a/s1/u1", "rp-b/s1/u1"})
	for _, d := range got {
		if d.Attempts != 0 || d.LeaseID != "lease-1" || d.CreatedAt.IsZero() {
			t.Errorf("delivery %+v: want 0 attempts, lease-1, a creation time", d)
		}
	}
	wantErr(t, s.DeleteLoginSession(ctx, "s1"), tokenmint.ErrNotFound, "delete session s1 again")
	same(t, "deliveries after a second sign-out", deliveries(claimAll(t, s, "lease-2")), []string{})
}

func testLogoutQueuedByRevokeUser(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	logoutClient(t, s, "rp-a", true)
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", at(time.Hour))), "create session s1")
	ok(t, s.CreateLoginSession(ctx, loginSession("s2", "u1", at(time.Hour))), "create session s2")
	ok(t, s.CreateLoginSession(ctx, loginSession("s3", "u2", at(time.Hour))), "create session s3")
	sessionFamily(t, s, "f1", "rp-a", "u1", "s1")
	sessionFamily(t, s, "f2", "rp-a", "u1", "s2")
	sessionFamily(t, s, "f3", "rp-a", "u2", "s3")
	sessionFamily(t, s, "f4", "rp-a", "u1", "") // password grant: no session
	ok(t, s.RevokeUserGrants(ctx, "u1", at(0)), "revoke user grants")
	ok(t, s.RevokeUserGrants(ctx, "u1", at(time.Second)), "revoke user grants again")
	same(t, "queued deliveries", deliveries(claimAll(t, s, "l")), []string{"rp-a/s1/u1", "rp-a/s2/u1"})
}

func testLogoutQueuedByDeleteUser(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	logoutClient(t, s, "rp-a", true)
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", at(time.Hour))), "create session")
	sessionFamily(t, s, "f1", "rp-a", "u1", "s1")
	ok(t, s.DeleteUser(ctx, "u1"), "delete user")
	same(t, "queued deliveries", deliveries(claimAll(t, s, "l")), []string{"rp-a/s1/u1"})
}

// queueOne queues one delivery for rp-a and session s1 of u1.
func queueOne(t *testing.T, s tokenmint.Store) {
	t.Helper()
	logoutClient(t, s, "rp-a", true)
	ok(t, s.CreateLoginSession(t.Context(), loginSession("s1", "u1", at(time.Hour))), "create session")
	sessionFamily(t, s, "f1", "rp-a", "u1", "s1")
	ok(t, s.DeleteLoginSession(t.Context(), "s1"), "delete session")
}

func testLogoutLease(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	queueOne(t, s)
	now := at(0)
	first, err := s.ClaimLogouts(ctx, now, now.Add(time.Minute), "A", 10)
	ok(t, err, "claim")
	same(t, "first claim", len(first), 1)
	again, err := s.ClaimLogouts(ctx, now.Add(59*time.Second), now.Add(2*time.Minute), "B", 10)
	ok(t, err, "claim under a live lease")
	same(t, "claim under a live lease", len(again), 0)
	taken, err := s.ClaimLogouts(ctx, now.Add(time.Minute), now.Add(2*time.Minute), "C", 10)
	ok(t, err, "claim after the lease ended")
	same(t, "claim after the lease ended", deliveries(taken), []string{"rp-a/s1/u1"})
	wantErr(t, s.FinishLogout(ctx, first[0]), tokenmint.ErrNotFound, "finish under a lease taken over")
	wantErr(t, s.RetryLogout(ctx, first[0], now, "x"), tokenmint.ErrNotFound, "retry under a lease taken over")
	ok(t, s.FinishLogout(ctx, taken[0]), "finish")
	wantErr(t, s.FinishLogout(ctx, taken[0]), tokenmint.ErrNotFound, "finish again")
	rest, err := s.ClaimLogouts(ctx, now.Add(time.Hour), now.Add(2*time.Hour), "D", 10)
	ok(t, err, "claim after finish")
	same(t, "claim after finish", len(rest), 0)
}

func testLogoutRetry(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	queueOne(t, s)
	now := at(0)
	got, err := s.ClaimLogouts(ctx, now, now.Add(time.Minute), "A", 10)
	ok(t, err, "claim")
	same(t, "claimed", len(got), 1)
	ok(t, s.RetryLogout(ctx, got[0], now.Add(10*time.Second), "receiver answered 503"), "retry")
	early, err := s.ClaimLogouts(ctx, now.Add(9*time.Second), now.Add(time.Minute), "B", 10)
	ok(t, err, "claim before it is due")
	same(t, "claim before it is due", len(early), 0)
	due, err := s.ClaimLogouts(ctx, now.Add(10*time.Second), now.Add(time.Minute), "C", 10)
	ok(t, err, "claim when due")
	same(t, "claim when due", len(due), 1)
	d := due[0]
	if d.Attempts != 1 || d.LastError != "receiver answered 503" || !ts(d.NextAttemptAt).Equal(ts(now.Add(10*time.Second))) || d.LeaseID != "C" {
		t.Fatalf("after one failure: %+v", d)
	}
	ok(t, s.RetryLogout(ctx, d, now.Add(time.Hour), strings.Repeat("e", 2000)), "retry with a long cause")
}

func testLogoutConcurrentClaims(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	logoutClient(t, s, "rp-a", true)
	const n = 24
	for i := range n {
		sess := fmt.Sprintf("s%02d", i)
		ok(t, s.CreateLoginSession(ctx, loginSession(sess, "u1", at(time.Hour))), "create session")
		sessionFamily(t, s, "f"+sess, "rp-a", "u1", sess)
	}
	ok(t, s.RevokeUserGrants(ctx, "u1", at(0)), "revoke user grants")
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimLogouts(ctx, at(0), at(time.Hour), fmt.Sprintf("w%d", w), 3)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.SessionID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct deliveries, want %d", len(seen), n)
	}
	for sess, k := range seen {
		if k != 1 {
			t.Errorf("delivery of %s claimed %d times", sess, k)
		}
	}
}
