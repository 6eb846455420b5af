package devstack

import (
	"sync"
	"time"
)

// Clock is the local stack's movable clock: real time plus an offset that
// tests move forward to see retention and idle timeouts act without
// waiting. Tokens and tickets keep real time.
type Clock struct {
	mu     sync.RWMutex
	offset time.Duration
}

// Now returns the real time moved by the offset.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d and returns the new offset.
func (c *Clock) Advance(d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return c.offset
}
