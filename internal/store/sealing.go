package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
)

// Sealer encrypts what people wrote before the store writes it, under the
// data key of its retention, and opens it again (crypto-shredding, see
// internal/seal). *seal.Sealer satisfies it.
type Sealer interface {
	Prepare(ctx context.Context, id seal.KeyID) error
	Load(ctx context.Context, id seal.KeyID) error
	Seal(ctx context.Context, id seal.KeyID, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, ciphertext, aad []byte) ([]byte, error)
	Reseal(ctx context.Context, ciphertext, aad []byte, to seal.KeyID) ([]byte, error)
	DestroyExpiredHours(ctx context.Context, now time.Time, grace time.Duration) (int, error)
	DestroyClient(ctx context.Context, sub string) error
	MakeHourKey(ctx context.Context, id seal.KeyID) (bool, error)
	LinkConversation(ctx context.Context, conversationID, sub string) error
	LoadConversation(ctx context.Context, conversationID string) error
}

var _ Sealer = (*seal.Sealer)(nil)

// WithSealer has the store seal every message body and feedback comment
// with s before writing it, bound to the item's key (seal.AAD of pk and
// sk), and open them on every read: the table then holds no words. A
// message whose key was destroyed reads as expired; one that does not
// open is logged by its ids and left out. Without a sealer the words are
// stored as they are (tests that do not look at encryption).
func WithSealer(s Sealer) Option { return func(st *Store) { st.sealer = s } }

// WithLogger sets where the store reports ciphertexts that were tampered
// with (ids only, never words); default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(st *Store) { st.log = l } }

var _ chat.Keys = (*Store)(nil)

// messageKey is the data key of a message: the hour of its expiry in a 24h
// conversation, its client's key in a permanent one.
func messageKey(expiresAt *chat.Time, client string) (seal.KeyID, error) {
	if expiresAt != nil {
		return seal.HourKey(expiresAt.Time), nil
	}
	if client == "" {
		return "", errors.New("the client of a permanent conversation is needed to seal its words")
	}
	return seal.ClientKey(client), nil
}

// sealedForExpiry reports whether ciphertext ct names the kind of key a
// message expiring at expiresAt is sealed under: the hour key of that
// expiry, or a client's key when it never expires.
func sealedForExpiry(ct []byte, expiresAt *chat.Time) bool {
	id, err := seal.KeyOf(ct)
	if err != nil {
		return false
	}
	if expiresAt != nil {
		return id == seal.HourKey(expiresAt.Time)
	}
	return strings.HasPrefix(string(id), string(seal.ClientKey("")))
}

// sealText seals text for the item pk/sk under key id.
func (s *Store) sealText(ctx context.Context, id seal.KeyID, text, pk, sk string) ([]byte, error) {
	ct, err := s.sealer.Seal(ctx, id, []byte(text), seal.AAD(pk, sk))
	if err != nil {
		return nil, fmt.Errorf("seal %s %s: %w", pk, sk, err)
	}
	return ct, nil
}

// openText opens the ciphertext of item pk/sk. readable is false when its
// key is gone (as if expired or erased) or it is not authentic (logged, by
// ids only); err is for the key store or KMS failing.
func (s *Store) openText(ctx context.Context, ct []byte, pk, sk string) (text string, readable bool, err error) {
	if s.sealer == nil {
		return "", false, fmt.Errorf("%s %s is sealed and the store has no sealer", pk, sk)
	}
	pt, err := s.sealer.Open(ctx, ct, seal.AAD(pk, sk))
	switch {
	case errors.Is(err, seal.ErrKeyGone):
		return "", false, nil
	case errors.Is(err, seal.ErrTampered):
		s.log.WarnContext(ctx, "sealed words do not open: left out", "pk", pk, "sk", sk)
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("open %s %s: %w", pk, sk, err)
	}
	return string(pt), true, nil
}

// PrepareMessage loads, beside send's reads, the keys a message sender
// sends at to conversation conversationID may be sealed under, if they
// exist: the hour key of its expiry were the conversation 24h (the
// retention sweep makes the keys of the coming hours, and
// CreateConversation the one of its hour), and the client's key were it
// permanent: by the client's own id when a client sends, else by the
// conversation's link to it (CreateConversation and SetRetention link
// every permanent conversation), since a counsellor's send does not know
// the client before the conversation is read. A key found missing is
// made by the write without a second lookup. Failures are left for the
// write.
func (s *Store) PrepareMessage(ctx context.Context, sender chat.Identity, conversationID string, at time.Time) {
	if s.sealer == nil {
		return
	}
	loads := []func(){func() { _ = s.sealer.Load(ctx, seal.HourKey(chat.Retention24h.Expiry(at).Time)) }}
	if sender.Role == chat.RoleClient {
		loads = append(loads, func() { _ = s.sealer.Load(ctx, seal.ClientKey(sender.UserID)) })
	} else {
		loads = append(loads, func() { _ = s.sealer.LoadConversation(ctx, conversationID) })
	}
	var wg sync.WaitGroup
	for _, load := range loads {
		wg.Go(load)
	}
	wg.Wait()
}

// MakeHourKeys makes the keys of the hours of these expiries that do not
// exist yet (seal.Sealer.MakeHourKey).
func (s *Store) MakeHourKeys(ctx context.Context, expiries []time.Time) (int, error) {
	if s.sealer == nil {
		return 0, nil
	}
	made := 0
	for _, e := range expiries {
		ok, err := s.sealer.MakeHourKey(ctx, seal.HourKey(e))
		if err != nil {
			return made, fmt.Errorf("make the key of %s: %w", seal.HourKey(e), err)
		}
		if ok {
			made++
		}
	}
	return made, nil
}

// linkConversation links permanent conversation id of client sub to the
// client's key, so that a counsellor's message loads it beside the
// conversation's read. Without the link that message looks the key up
// after the read, one round trip more, so a failure is logged, not
// returned: what was written stays written and opens as ever.
func (s *Store) linkConversation(ctx context.Context, id, sub string) {
	if s.sealer == nil {
		return
	}
	if err := s.sealer.LinkConversation(ctx, id, sub); err != nil {
		s.log.WarnContext(ctx, "permanent conversation not linked to its client's key", "conversationId", id, "error", err)
	}
}

// DestroyExpiredHours destroys the hour keys that ended more than grace
// before now; see seal.Sealer.DestroyExpiredHours.
func (s *Store) DestroyExpiredHours(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	if s.sealer == nil {
		return 0, nil
	}
	return s.sealer.DestroyExpiredHours(ctx, now, grace)
}

// DestroyClient destroys the key of client sub's permanent conversations.
func (s *Store) DestroyClient(ctx context.Context, sub string) error {
	if s.sealer == nil {
		return nil
	}
	return s.sealer.DestroyClient(ctx, sub)
}
