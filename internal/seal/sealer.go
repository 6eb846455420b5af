package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"golang.org/x/sync/singleflight"
)

var (
	// ErrKeyGone means the data key that sealed a ciphertext has been
	// destroyed, or its hour has ended: treat the ciphertext exactly as an
	// expired or erased message.
	ErrKeyGone = errors.New("seal: data key destroyed")
	// ErrTampered means the bytes are not a ciphertext Seal made for this
	// additional data: changed, truncated, moved to another item, or never
	// a ciphertext.
	ErrTampered = errors.New("seal: ciphertext is not authentic")
	// ErrHourEnded means Seal was asked to seal under an hour key whose
	// hour has ended: a message expiring then must not be written.
	ErrHourEnded = errors.New("seal: the hour of the key has ended")
	// ErrBadKeyID means a key id is not one HourKey or ClientKey makes.
	ErrBadKeyID = errors.New("seal: malformed key id")
)

const (
	// MaxCacheTTL is the longest an unwrapped key is kept in memory, and
	// the default.
	MaxCacheTTL = 5 * time.Minute
	// DefaultCacheSize is how many unwrapped keys a Sealer keeps at most by
	// default: a day of hour keys and many clients'.
	DefaultCacheSize = 1024
	// MaxGrace is the longest DestroyExpiredHours waits after an hour ends
	// before destroying its key. The grace covers clocks that disagree:
	// Seal refuses an ended hour by its own clock.
	MaxGrace = 15 * time.Minute
	// EncryptionContextKey names the data key's id in the KMS encryption
	// context of GenerateDataKey and Decrypt. The stack's key policy lets
	// the functions use the key only with this context.
	EncryptionContextKey = "confide-data-key"
)

// KMS is the part of the AWS KMS API a Sealer calls. *kms.Client satisfies
// it. The functions that seal and open are allowed GenerateDataKey and
// Decrypt; the retention function only GenerateDataKeyWithoutPlaintext
// (MakeHourKey), so it never holds a key in the clear.
type KMS interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
	GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error)
}

var _ KMS = (*kms.Client)(nil)

// Sealer encrypts and decrypts with envelope encryption: AES-256-GCM under
// data keys that KMS generates and wraps, kept wrapped in a KeyStore and
// unwrapped in a bounded in-memory cache. It is safe for concurrent use.
type Sealer struct {
	kms      KMS
	kmsKeyID *string
	keys     KeyStore
	now      func() time.Time
	cacheTTL time.Duration
	size     int
	cache    *keyCache
	flights  singleflight.Group
}

// Option adjusts a Sealer.
type Option func(*Sealer)

// WithCacheTTL keeps unwrapped keys for d (at most MaxCacheTTL, the
// default) after they were fetched.
func WithCacheTTL(d time.Duration) Option { return func(s *Sealer) { s.cacheTTL = d } }

// WithCacheSize keeps at most n unwrapped keys (DefaultCacheSize unless
// given).
func WithCacheSize(n int) Option { return func(s *Sealer) { s.size = n } }

// WithClock makes the Sealer read the time from now instead of time.Now:
// for the cache's lifetime and for whether an hour has ended.
func WithClock(now func() time.Time) Option { return func(s *Sealer) { s.now = now } }

// New returns a Sealer whose data keys KMS generates under kmsKeyID (a
// key id, ARN or alias of a symmetric customer-managed key) and keys keeps.
func New(kmsClient KMS, kmsKeyID string, keys KeyStore, opts ...Option) (*Sealer, error) {
	s := &Sealer{kms: kmsClient, kmsKeyID: aws.String(kmsKeyID), keys: keys, now: time.Now,
		cacheTTL: MaxCacheTTL, size: DefaultCacheSize}
	for _, o := range opts {
		o(s)
	}
	switch {
	case kmsClient == nil || keys == nil || s.now == nil:
		return nil, errors.New("seal: a KMS client, a key store and a clock are required")
	case kmsKeyID == "":
		return nil, errors.New("seal: no KMS key id")
	case s.cacheTTL <= 0 || s.cacheTTL > MaxCacheTTL:
		return nil, fmt.Errorf("seal: cache lifetime %s is outside (0, %s]", s.cacheTTL, MaxCacheTTL)
	case s.size < 1:
		return nil, fmt.Errorf("seal: cache size %d, want at least 1", s.size)
	}
	s.cache = newKeyCache(s.cacheTTL, s.size)
	return s, nil
}

// Seal encrypts plaintext under the data key id (HourKey of the message's
// expiry for a 24h conversation, ClientKey of its client for a permanent
// one), creating the key on first use, and binds the result to aad (see
// AAD). It refuses a malformed id (ErrBadKeyID) and an hour that has
// already ended (ErrHourEnded). Each call draws a fresh random nonce.
func (s *Sealer) Seal(ctx context.Context, id KeyID, plaintext, aad []byte) ([]byte, error) {
	name, err := parseKeyID(id)
	if err != nil {
		return nil, err
	}
	if name.endedBy(s.now()) {
		return nil, fmt.Errorf("%w: %s", ErrHourEnded, id)
	}
	k, _, err := s.key(ctx, name, true)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, headerLen(id)+overhead+len(plaintext))
	out = appendHeader(out, id, k.serial)
	return k.aead.Seal(out, nil, plaintext, additionalData(out, aad)), nil
}

// Prepare makes key id ready for Seal without sealing anything: from the
// cache, else fetched from the key store and unwrapped, else made. Callers
// run it beside other reads so that the Seal that follows finds the key in
// the cache. Its errors are Seal's.
func (s *Sealer) Prepare(ctx context.Context, id KeyID) error {
	name, err := parseKeyID(id)
	if err != nil {
		return err
	}
	if name.endedBy(s.now()) {
		return fmt.Errorf("%w: %s", ErrHourEnded, id)
	}
	_, _, err = s.key(ctx, name, true)
	return err
}

// Load fetches key id into the cache when it exists, without making it:
// ErrKeyGone when there is none (or its hour has ended). Callers run it
// beside other reads so that an Open or Seal that follows finds the key in
// the cache. A key it finds missing is taken to be missing for a minute:
// Load does not look again, and a Seal under it makes it at once instead
// of looking it up first (Open always looks).
func (s *Sealer) Load(ctx context.Context, id KeyID) error {
	name, err := parseKeyID(id)
	if err != nil {
		return err
	}
	now := s.now()
	if name.endedBy(now) {
		return fmt.Errorf("%w: the hour of %s has ended", ErrKeyGone, id)
	}
	if _, ok := s.cache.get(id, now); !ok && s.cache.recentlyAbsent(id, now) {
		return fmt.Errorf("%w: %s", ErrKeyGone, id)
	}
	_, _, err = s.key(ctx, name, false)
	if errors.Is(err, ErrKeyGone) {
		s.cache.markAbsent(id, now)
	}
	return err
}

// Open decrypts a ciphertext of Seal with the additional data it was
// sealed with. It returns ErrKeyGone when the key has been destroyed or its
// hour has ended, ErrTampered when the ciphertext is not authentic for aad,
// and other errors only when the key store or KMS fails.
func (s *Sealer) Open(ctx context.Context, ciphertext, aad []byte) ([]byte, error) {
	p, err := splitCiphertext(ciphertext)
	if err != nil {
		return nil, err
	}
	name, err := parseKeyID(p.id)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	if name.endedBy(s.now()) {
		return nil, fmt.Errorf("%w: the hour of %s has ended", ErrKeyGone, p.id)
	}
	k, cached, err := s.key(ctx, name, false)
	if err != nil {
		return nil, err
	}
	if k.serial != p.serial && cached {
		// The cached key may have been replaced since it was fetched.
		s.cache.remove(p.id)
		if k, _, err = s.key(ctx, name, false); err != nil {
			return nil, err
		}
	}
	if k.serial != p.serial {
		return nil, fmt.Errorf("%w: %s was made again since this was sealed", ErrKeyGone, p.id)
	}
	plaintext, err := k.aead.Open(nil, nil, p.sealed, additionalData(p.header, aad))
	if err != nil {
		return nil, ErrTampered
	}
	return plaintext, nil
}

// Reseal opens ciphertext (sealed with aad) and seals its plaintext again
// under the key to with the same aad: what a change of retention does to a
// stored message (ClientKey to HourKey of its new expiry, or back). Its
// errors are Open's and Seal's.
func (s *Sealer) Reseal(ctx context.Context, ciphertext, aad []byte, to KeyID) ([]byte, error) {
	plaintext, err := s.Open(ctx, ciphertext, aad)
	if err != nil {
		return nil, err
	}
	defer clear(plaintext)
	return s.Seal(ctx, to, plaintext, aad)
}

// DestroyExpiredHours destroys the key of every hour that ended more than
// grace (at most MaxGrace) before now, removing it from the key store and
// this Sealer's cache; the ciphertexts it sealed then open as ErrKeyGone
// everywhere. It returns how many keys it destroyed. Other Sealers (other
// function instances) never use an ended hour's key either: Open refuses it
// by the clock.
func (s *Sealer) DestroyExpiredHours(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	if grace < 0 || grace > MaxGrace {
		return 0, fmt.Errorf("seal: grace %s is outside [0, %s]", grace, MaxGrace)
	}
	// An hour H is due when now-(H+1h) > grace, that is H < now-grace-1h.
	ids, err := s.keys.HourKeysBefore(ctx, now.Add(-grace-time.Hour))
	if err != nil {
		return 0, fmt.Errorf("list expired hour keys: %w", err)
	}
	for i, id := range ids {
		s.cache.remove(id)
		if err := s.keys.Delete(ctx, id); err != nil {
			return i, fmt.Errorf("destroy %s: %w", id, err)
		}
	}
	return len(ids), nil
}

// DestroyClient destroys the data key of the client sub's permanent
// conversations, removing it from the key store and this Sealer's cache.
// Destroying a key that is not there is no error. Other Sealers that hold
// it in their cache may use it for at most the cache lifetime
// (WithCacheTTL) longer, to open and also to seal: what they seal then
// opens nowhere else, so stop the client's writes before erasing. A later
// Seal under ClientKey(sub) makes a new key; what the old one sealed stays
// ErrKeyGone.
func (s *Sealer) DestroyClient(ctx context.Context, sub string) error {
	id := ClientKey(sub)
	if _, err := parseKeyID(id); err != nil {
		return err
	}
	s.cache.remove(id)
	if err := s.keys.Delete(ctx, id); err != nil {
		return fmt.Errorf("destroy %s: %w", id, err)
	}
	return nil
}

// MakeHourKey makes the key of an hour of expiry ahead of the messages it
// will seal, so that the first message of the hour finds it stored (one
// GetItem beside its other reads) instead of making it on its own path. It
// has KMS generate the key without its plaintext and stores it wrapped
// (the same conditional put as Seal's), so the caller never holds the key.
// made is false when the key was there already or another writer stored
// one first. An hour that has ended is refused with ErrHourEnded.
func (s *Sealer) MakeHourKey(ctx context.Context, id KeyID) (made bool, err error) {
	name, err := parseKeyID(id)
	if err != nil {
		return false, err
	}
	if name.kind != kindHour {
		return false, fmt.Errorf("%w: %s is not an hour key", ErrBadKeyID, id)
	}
	if name.endedBy(s.now()) {
		return false, fmt.Errorf("%w: %s", ErrHourEnded, id)
	}
	if _, found, err := s.keys.Get(ctx, id); err != nil || found {
		return false, err
	}
	serial, err := newSerial()
	if err != nil {
		return false, err
	}
	out, err := s.kms.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{
		KeyId:             s.kmsKeyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: encryptionContext(id),
	})
	if err != nil {
		return false, fmt.Errorf("generate data key %s: %w", id, err)
	}
	return s.keys.Create(ctx, WrappedKey{
		ID: id, Serial: serial, Wrapped: out.CiphertextBlob, KMSKeyARN: aws.ToString(out.KeyId),
		CreatedAt: s.now(), ExpiresAt: name.hourEnd().Add(MaxGrace),
	})
}

// LinkConversation lets the id of a permanent conversation of client sub
// find the client's key (KeyStore.Link), making the key first if there is
// none, so that LoadConversation can read it beside the conversation when
// a counsellor writes. Destroying the client's key destroys the link. It
// fails with ErrKeyGone when the key was destroyed while it linked.
func (s *Sealer) LinkConversation(ctx context.Context, conversationID, sub string) error {
	id := ClientKey(sub)
	if err := s.Prepare(ctx, id); err != nil {
		return err
	}
	wk, found, err := s.keys.Get(ctx, id)
	if err != nil {
		return err
	}
	if found {
		linked, err := s.keys.Link(ctx, conversationID, wk)
		if err != nil || linked {
			return err
		}
	}
	return fmt.Errorf("%w: %s was destroyed while linking conversation %s", ErrKeyGone, id, conversationID)
}

// LoadConversation fetches into the cache, when a conversation's id was
// linked to its client's key (LinkConversation), that key: a Seal under
// the client's key that follows finds it cached. Callers run it beside the
// conversation's read, when they do not yet know its client. It returns
// ErrKeyGone when there is no link (a 24h conversation, or a client
// erased); a conversation found without a link is taken to have none for
// a minute, as Load does.
func (s *Sealer) LoadConversation(ctx context.Context, conversationID string) error {
	if !validConversationID(conversationID) {
		return fmt.Errorf("%w: conversation id of %d bytes", ErrBadKeyID, len(conversationID))
	}
	now := s.now()
	link := KeyID(linkPrefix + conversationID)
	if id, ok := s.cache.linked(conversationID); ok {
		if _, ok := s.cache.get(id, now); ok {
			return nil
		}
	}
	if s.cache.recentlyAbsent(link, now) {
		return fmt.Errorf("%w: no key linked to conversation %s", ErrKeyGone, conversationID)
	}
	_, err, _ := s.flights.Do("link "+conversationID, func() (any, error) {
		epoch := s.cache.begin()
		wk, found, err := s.keys.Linked(ctx, conversationID)
		if err != nil {
			return nil, err
		}
		if !found {
			s.cache.markAbsent(link, now)
			return nil, fmt.Errorf("%w: no key linked to conversation %s", ErrKeyGone, conversationID)
		}
		s.cache.link(conversationID, wk.ID)
		if _, ok := s.cache.get(wk.ID, s.now()); ok {
			return nil, nil
		}
		k, err := s.unwrap(ctx, wk)
		if err != nil {
			return nil, err
		}
		s.cache.put(wk.ID, k, s.now(), epoch)
		return nil, nil
	})
	return err
}

// dataKey is an unwrapped data key, ready to use.
type dataKey struct {
	aead   cipher.AEAD
	serial uint64
}

// key returns the unwrapped key name names: from the cache (cached is
// then true), else from the key store through KMS, else (when create is
// set) a new one from KMS. One fetch per key is under way at a time;
// concurrent callers share it.
func (s *Sealer) key(ctx context.Context, name keyName, create bool) (k *dataKey, cached bool, err error) {
	if k, ok := s.cache.get(name.id, s.now()); ok {
		return k, true, nil
	}
	flight := "open " + string(name.id)
	if create {
		flight = "seal " + string(name.id)
	}
	v, err, _ := s.flights.Do(flight, func() (any, error) {
		if k, ok := s.cache.get(name.id, s.now()); ok {
			return k, nil
		}
		epoch := s.cache.begin()
		k, err := s.fetch(ctx, name, create)
		if err != nil {
			return nil, err
		}
		s.cache.put(name.id, k, s.now(), epoch)
		return k, nil
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*dataKey), false, nil
}

// fetch reads the wrapped key and unwraps it with KMS. When there is none
// (or Load found none a moment ago) and create is set, it has KMS generate
// one and stores it; if another writer stored one first, it uses that one
// instead.
func (s *Sealer) fetch(ctx context.Context, name keyName, create bool) (*dataKey, error) {
	var (
		wk    WrappedKey
		found bool
		err   error
	)
	// A key Load just found missing is made without asking again.
	if !create || !s.cache.recentlyAbsent(name.id, s.now()) {
		if wk, found, err = s.keys.Get(ctx, name.id); err != nil {
			return nil, err
		}
	}
	if !found && !create {
		return nil, fmt.Errorf("%w: %s", ErrKeyGone, name.id)
	}
	if !found {
		k, created, err := s.generate(ctx, name)
		if err != nil || created {
			return k, err
		}
		if wk, found, err = s.keys.Get(ctx, name.id); err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%w: %s was destroyed as it was created", ErrKeyGone, name.id)
		}
	}
	return s.unwrap(ctx, wk)
}

// unwrap has KMS decrypt the wrapped key wk.
func (s *Sealer) unwrap(ctx context.Context, wk WrappedKey) (*dataKey, error) {
	out, err := s.kms.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(wk.KMSKeyARN),
		CiphertextBlob:    wk.Wrapped,
		EncryptionContext: encryptionContext(wk.ID),
	})
	if err != nil {
		return nil, fmt.Errorf("unwrap data key %s: %w", wk.ID, err)
	}
	return newDataKey(out.Plaintext, wk.Serial)
}

// generate has KMS make a data key for name and stores it wrapped, with a
// new random serial. created is false when another writer's key was stored
// first; then the new key is thrown away.
func (s *Sealer) generate(ctx context.Context, name keyName) (k *dataKey, created bool, err error) {
	serial, err := newSerial()
	if err != nil {
		return nil, false, err
	}
	out, err := s.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             s.kmsKeyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: encryptionContext(name.id),
	})
	if err != nil {
		return nil, false, fmt.Errorf("generate data key %s: %w", name.id, err)
	}
	defer clear(out.Plaintext)
	wk := WrappedKey{
		ID: name.id, Serial: serial,
		Wrapped: out.CiphertextBlob, KMSKeyARN: aws.ToString(out.KeyId), CreatedAt: s.now(),
	}
	if name.kind == kindHour {
		wk.ExpiresAt = name.hourEnd().Add(MaxGrace)
	}
	if created, err = s.keys.Create(ctx, wk); err != nil || !created {
		return nil, false, err
	}
	k, err = newDataKey(out.Plaintext, wk.Serial)
	return k, err == nil, err
}

// newSerial draws a key's random serial.
func newSerial() (uint64, error) {
	var serial [serialLen]byte
	if _, err := rand.Read(serial[:]); err != nil {
		return 0, fmt.Errorf("seal: key serial: %w", err)
	}
	return binary.BigEndian.Uint64(serial[:]), nil
}

func encryptionContext(id KeyID) map[string]string {
	return map[string]string{EncryptionContextKey: string(id)}
}

// newDataKey makes AES-256-GCM with a random 12-byte nonce per Seal from a
// 32-byte data key, then clears the key's bytes.
func newDataKey(key []byte, serial uint64) (*dataKey, error) {
	defer clear(key)
	if len(key) != 32 {
		return nil, fmt.Errorf("seal: data key of %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &dataKey{aead: aead, serial: serial}, nil
}
