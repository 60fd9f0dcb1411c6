package token

import (
	"sync"
	"sync/atomic"
)

// maxVerified bounds the verified-token cache of one keyset snapshot.
const maxVerified = 20_000

// verifiedCache remembers tokens whose signature and header Verify has
// already checked, so that introspecting the same JWT again (what a
// resource server does on every call) costs a map lookup instead of a
// signature verification (BENCHMARKS.md, "Verified JWTs"). It belongs to
// one snapshot of the keyset: any change of the published keys (a
// rotation, a reload, a key retiring) starts a new, empty cache, so a
// cached answer never outlives the key that produced it. Expiry and
// revocation are not cached: callers check them on every use.
type verifiedCache struct {
	mu sync.Mutex // serialises resets only
	m  atomic.Pointer[sync.Map]
	n  atomic.Int64
}

type verifiedEntry struct {
	typ    string
	claims Claims
}

func newVerifiedCache() *verifiedCache {
	c := &verifiedCache{}
	c.m.Store(new(sync.Map))
	return c
}

// get returns a copy of the cached claims of raw verified for typ.
func (c *verifiedCache) get(raw, typ string) (*Claims, bool) {
	v, ok := c.m.Load().Load(raw)
	if !ok {
		return nil, false
	}
	e := v.(*verifiedEntry)
	if e.typ != typ {
		return nil, false
	}
	cl := e.claims
	return &cl, true
}

// put remembers raw; a full cache is emptied first (simple, and bounded).
func (c *verifiedCache) put(raw, typ string, cl *Claims) {
	if c.n.Add(1) > maxVerified {
		c.mu.Lock()
		if c.n.Load() > maxVerified {
			c.m.Store(new(sync.Map))
			c.n.Store(1)
		}
		c.mu.Unlock()
	}
	c.m.Load().Store(raw, &verifiedEntry{typ: typ, claims: *cl})
}
