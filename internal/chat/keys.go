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
	// PrepareMessage makes ready the keys a message sender sends at to
	// conversation conversationID may be sealed under, so that the write
	// after the conversation's read finds them in memory: send runs it
	// beside its reads. A failure is left for the write to meet again.
	PrepareMessage(ctx context.Context, sender Identity, conversationID string, at time.Time)
	// MakeHourKeys makes, ahead of the messages they will seal, the keys
	// of the hours of these expiries that do not exist yet, and returns
	// how many it made: the first message of an hour then finds its key
	// stored.
	MakeHourKeys(ctx context.Context, expiries []time.Time) (int, error)
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

// keysAhead is how many hours of sending the sweep makes the keys of ahead
// (this hour's and the next two): the sweep runs every 15 minutes, so a
// few failed runs still leave the next hour's key made in time.
const keysAhead = 3

// hoursAhead are the expiries of 24h messages sent in the keysAhead hours
// from now, one in each hour of expiry.
func hoursAhead(now time.Time) []time.Time {
	out := make([]time.Time, keysAhead)
	for i := range out {
		out[i] = Retention24h.Expiry(now.Add(time.Duration(i) * time.Hour)).Time
	}
	return out
}

// noKeys is Keys when nothing is sealed (tests on memstore).
type noKeys struct{}

func (noKeys) PrepareMessage(context.Context, Identity, string, time.Time) {}
func (noKeys) MakeHourKeys(context.Context, []time.Time) (int, error)      { return 0, nil }
func (noKeys) DestroyExpiredHours(context.Context, time.Time, time.Duration) (int, error) {
	return 0, nil
}
func (noKeys) DestroyClient(context.Context, string) error { return nil }
