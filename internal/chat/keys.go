package chat

import (
	"context"
	"time"
)

// Keys are the data keys that seal what people write (crypto-shredding,
// issue 15): the store seals every message body and feedback comment under
// the key of its retention, one per hour of expiry for a 24h conversation
// and one per client for permanent ones. Destroying a key makes every copy
// of what it sealed unreadable, backups included. internal/store
// implements it with internal/seal.
type Keys interface {
	// PrepareMessage makes ready the keys a message sender sends at may be
	// sealed under, so that the write after the conversation's read finds
	// them in memory: send runs it beside its reads. A failure is left for
	// the write to meet again.
	PrepareMessage(ctx context.Context, sender Identity, at time.Time)
	// DestroyExpiredHours destroys the key of every hour of expiry that
	// ended more than grace before now and returns how many it destroyed.
	DestroyExpiredHours(ctx context.Context, now time.Time, grace time.Duration) (int, error)
	// DestroyClient destroys the key of client sub's permanent
	// conversations. Destroying a key that is not there is no error.
	DestroyClient(ctx context.Context, sub string) error
}

// keyGrace is how long after an hour of expiry ends the sweep destroys its
// key: the clocks of the functions may disagree by this much. It is at
// most internal/seal's MaxGrace.
const keyGrace = 10 * time.Minute

// noKeys is Keys when nothing is sealed (tests on memstore).
type noKeys struct{}

func (noKeys) PrepareMessage(context.Context, Identity, time.Time) {}
func (noKeys) DestroyExpiredHours(context.Context, time.Time, time.Duration) (int, error) {
	return 0, nil
}
func (noKeys) DestroyClient(context.Context, string) error { return nil }
