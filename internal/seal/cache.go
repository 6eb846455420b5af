package seal

import (
	"sync"
	"time"
)

// keyCache holds unwrapped data keys, as ready AES-GCM instances, for at
// most ttl after they were fetched and at most max at once. It is safe for
// concurrent use.
type keyCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[KeyID]cached
	// epoch counts removals: a fetch that began before a removal must not
	// put back the key it fetched (it may be the one just destroyed).
	epoch uint64
	// puts counts the keys cached, so that of keys fetched at the same
	// instant the first cached is the oldest.
	puts uint64
	// absent holds, for at most absentTTL, when Load last found a key
	// missing: Load then does not ask again, and Seal makes the key
	// without looking it up first. Open never trusts it.
	absent map[KeyID]time.Time
	// links holds which client key each conversation's id was found
	// linked to (LoadConversation): that never changes, so a counsellor's
	// next message needs no lookup while the key is cached. Bounded like
	// the keys.
	links map[string]KeyID
}

// absentTTL is how long a key Load found missing is taken to be missing.
// Were it made meanwhile, a Seal pays one GenerateDataKey for nothing and
// uses the stored key; an Open is never affected.
const absentTTL = time.Minute

type cached struct {
	key       *dataKey
	fetchedAt time.Time
	seq       uint64
}

func newKeyCache(ttl time.Duration, max int) *keyCache {
	return &keyCache{ttl: ttl, max: max, entries: make(map[KeyID]cached, max), absent: map[KeyID]time.Time{},
		links: map[string]KeyID{}}
}

// markAbsent notes that key id was found missing at now. The notes are
// bounded like the keys: when full, they are forgotten.
func (c *keyCache) markAbsent(id KeyID, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.absent) >= c.max {
		clear(c.absent)
	}
	c.absent[id] = now
}

// link notes that conversationID is linked to client key id.
func (c *keyCache) link(conversationID string, id KeyID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.links) >= c.max {
		clear(c.links)
	}
	c.links[conversationID] = id
	delete(c.absent, KeyID(linkPrefix+conversationID))
}

// linked returns the client key conversationID was found linked to.
func (c *keyCache) linked(conversationID string) (KeyID, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.links[conversationID]
	return id, ok
}

// recentlyAbsent reports whether key id was found missing less than
// absentTTL before now and not cached since.
func (c *keyCache) recentlyAbsent(id KeyID, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.absent[id]
	return ok && now.Sub(at) < absentTTL && !now.Before(at)
}

// get returns the key cached under id unless it is missing or older than
// the cache's lifetime at now; an old one is dropped.
func (c *keyCache) get(id KeyID, now time.Time) (*dataKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return nil, false
	}
	if c.expired(e, now) {
		delete(c.entries, id)
		return nil, false
	}
	return e.key, true
}

func (c *keyCache) expired(e cached, now time.Time) bool {
	return !now.Before(e.fetchedAt.Add(c.ttl))
}

// begin returns the epoch to hand to put after a fetch.
func (c *keyCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put caches k under id as fetched at now, unless a key was removed
// since begin returned epoch. When the cache is full it first drops the
// keys past their lifetime, then the oldest.
func (c *keyCache) put(id KeyID, k *dataKey, now time.Time, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.max {
		var oldest KeyID
		var first cached
		for k, e := range c.entries {
			if c.expired(e, now) {
				delete(c.entries, k)
				continue
			}
			if oldest == "" || e.fetchedAt.Before(first.fetchedAt) ||
				(e.fetchedAt.Equal(first.fetchedAt) && e.seq < first.seq) {
				oldest, first = k, e
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldest)
		}
	}
	c.puts++
	c.entries[id] = cached{key: k, fetchedAt: now, seq: c.puts}
	delete(c.absent, id)
}

// remove drops the key cached under id, and stops fetches under way from
// caching what they fetched.
func (c *keyCache) remove(id KeyID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
	delete(c.absent, id)
	c.epoch++
}
