package seal_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/seal"
)

const sub = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"

// expiry is a 24h message's expiry in the hour after t0's.
var expiry = t0.Add(45 * time.Minute) // 13:15

func TestSealOpenRoundTrip(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	tests := []struct {
		name      string
		key       seal.KeyID
		plaintext string
		aad       []byte
	}{
		{"HourKey", seal.HourKey(expiry), "I can't sleep again", seal.AAD("CONV#1", "MSG#1")},
		{"HourKeyOfTheCurrentHour", seal.HourKey(t0), "still here", seal.AAD("CONV#1", "MSG#2")},
		{"ClientKey", seal.ClientKey(sub), "please keep this", seal.AAD("CONV#2", "MSG#1")},
		{"EmptyPlaintext", seal.HourKey(expiry), "", seal.AAD("CONV#1", "MSG#3")},
		{"NoAdditionalData", seal.ClientKey(sub), "no binding", nil},
		{"LongestMessage", seal.HourKey(expiry), strings.Repeat("ü", 4000), seal.AAD("CONV#1", "MSG#4")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := e.seal(s, tt.key, tt.plaintext, tt.aad)
			if tt.plaintext != "" && bytes.Contains(ct, []byte(tt.plaintext)) {
				t.Fatal("the ciphertext holds the plaintext")
			}
			if got, err := seal.KeyOf(ct); err != nil || got != tt.key {
				t.Errorf("KeyOf() = %q, %v; want %q", got, err, tt.key)
			}
			for _, opener := range []struct {
				name string
				s    *seal.Sealer
			}{{"SameSealer", s}, {"FreshSealer", e.sealer()}} {
				got, err := opener.s.Open(t.Context(), ct, tt.aad)
				if err != nil {
					t.Fatalf("%s: Open() error = %v", opener.name, err)
				}
				if string(got) != tt.plaintext {
					t.Errorf("%s: Open() = %q, want %q", opener.name, got, tt.plaintext)
				}
			}
		})
	}
}

func TestSealDrawsAFreshNonceEachTime(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	a := e.seal(s, seal.HourKey(expiry), "same words", aad)
	b := e.seal(s, seal.HourKey(expiry), "same words", aad)
	if bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext are equal, want different nonces")
	}
}

func TestSealRefuses(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	tests := []struct {
		name string
		key  seal.KeyID
		want error
	}{
		{"HourThatHasEnded", seal.HourKey(t0.Add(-time.Hour)), seal.ErrHourEnded},
		{"HourEndingNow", seal.HourKey(t0.Truncate(time.Hour).Add(-time.Nanosecond)), seal.ErrHourEnded},
		{"EmptySub", seal.ClientKey(""), seal.ErrBadKeyID},
		{"SubWithAHash", seal.ClientKey("a#b"), seal.ErrBadKeyID},
		{"SubWithASpace", seal.ClientKey("a b"), seal.ErrBadKeyID},
		{"SubTooLong", seal.ClientKey(strings.Repeat("a", 129)), seal.ErrBadKeyID},
		{"HourNotInItsOneSpelling", "hour#2035-06-01T1", seal.ErrBadKeyID},
		{"HourWithMinutes", "hour#2035-06-01T13:00", seal.ErrBadKeyID},
		{"UnknownKind", "conv#1", seal.ErrBadKeyID},
		{"Empty", "", seal.ErrBadKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := e.calls()
			_, err := s.Seal(t.Context(), tt.key, []byte("x"), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Seal(%q) error = %v, want %v", tt.key, err, tt.want)
			}
			if after, _ := e.calls(); after != before {
				t.Errorf("a refused Seal made %d KMS calls, want none", after-before)
			}
		})
	}
	if _, err := s.Seal(t.Context(), seal.ClientKey(strings.Repeat("a", 128)), []byte("x"), nil); err != nil {
		t.Errorf("Seal with a 128-byte sub error = %v, want none", err)
	}
}

func TestHourKeyIsTheUTCHourOfTheExpiry(t *testing.T) {
	paris := time.FixedZone("CEST", 2*60*60)
	tests := []struct {
		expiry time.Time
		want   seal.KeyID
	}{
		{time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), "hour#2026-12-03T14"},
		{time.Date(2026, 12, 3, 14, 59, 59, 999999999, time.UTC), "hour#2026-12-03T14"},
		{time.Date(2026, 12, 3, 16, 30, 0, 0, paris), "hour#2026-12-03T14"},
		{time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), "hour#2026-12-31T23"},
	}
	for _, tt := range tests {
		if got := seal.HourKey(tt.expiry); got != tt.want {
			t.Errorf("HourKey(%s) = %q, want %q", tt.expiry, got, tt.want)
		}
	}
	if got := seal.ClientKey(sub); got != seal.KeyID("client#"+sub) {
		t.Errorf("ClientKey() = %q", got)
	}
}

// TestOpenRefusesAnotherItemsAAD: a ciphertext moved to another message,
// conversation or attribute does not open.
func TestOpenRefusesAnotherItemsAAD(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	ct := e.seal(s, seal.HourKey(expiry), "words", seal.AAD("CONV#1", "MSG#1"))
	tests := []struct {
		name string
		aad  []byte
	}{
		{"AnotherMessage", seal.AAD("CONV#1", "MSG#2")},
		{"AnotherConversation", seal.AAD("CONV#2", "MSG#1")},
		{"PartsSwapped", seal.AAD("MSG#1", "CONV#1")},
		{"BoundaryMoved", seal.AAD("CONV#1M", "SG#1")},
		{"OnePartMissing", seal.AAD("CONV#1")},
		{"OnePartMore", seal.AAD("CONV#1", "MSG#1", "body")},
		{"None", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := s.Open(t.Context(), ct, tt.aad); !errors.Is(err, seal.ErrTampered) {
				t.Errorf("Open() = %q, %v; want ErrTampered", got, err)
			}
		})
	}
}

// TestOpenRefusesEveryFlippedByte flips each bit of a ciphertext in turn:
// none opens. A flip in the key id's length or the key id may name a key
// that does not exist (ErrKeyGone) or be no key id at all, and one in the
// key's serial names a key that is not the stored one (ErrKeyGone);
// everywhere else it is ErrTampered.
func TestOpenRefusesEveryFlippedByte(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	for _, key := range []seal.KeyID{seal.HourKey(expiry), seal.ClientKey(sub)} {
		t.Run(string(key), func(t *testing.T) {
			ct := e.seal(s, key, "the words", aad)
			idEnd := 2 + len(key)
			serialEnd := idEnd + 8
			for i := range ct {
				for bit := range 8 {
					bad := bytes.Clone(ct)
					bad[i] ^= 1 << bit
					got, err := s.Open(t.Context(), bad, aad)
					switch {
					case errors.Is(err, seal.ErrTampered):
					case errors.Is(err, seal.ErrKeyGone) && i >= 1 && i < serialEnd:
					default:
						t.Fatalf("byte %d bit %d flipped: Open() = %q, %v; want ErrTampered", i, bit, got, err)
					}
				}
			}
			for _, n := range []int{0, 1, 2, idEnd, serialEnd, serialEnd + 12, serialEnd + 28 - 1} {
				if got, err := s.Open(t.Context(), ct[:n], aad); !errors.Is(err, seal.ErrTampered) {
					t.Errorf("cut to %d bytes: Open() = %q, %v; want ErrTampered", n, got, err)
				}
			}
			if got, err := s.Open(t.Context(), append(bytes.Clone(ct), 0), aad); !errors.Is(err, seal.ErrTampered) {
				t.Errorf("a byte added: Open() = %q, %v; want ErrTampered", got, err)
			}
		})
	}
}

// withKeyID rewrites the key id in a ciphertext's header.
func withKeyID(ct []byte, id seal.KeyID) []byte {
	n := int(ct[1])
	out := []byte{ct[0], byte(len(id))}
	out = append(out, id...)
	return append(out, ct[2+n:]...)
}

// withKey rewrites the key id and the key serial in a ciphertext's header.
func withKey(ct []byte, id seal.KeyID, serial uint64) []byte {
	out := withKeyID(ct, id)
	binary.BigEndian.PutUint64(out[2+len(id):], serial)
	return out
}

// TestOpenRefusesAnotherKeyID: a ciphertext whose header names another
// key is refused, whether that key exists or not. Naming another key by id
// alone is ErrKeyGone (the serial is not that key's); naming it by id and
// serial is ErrTampered (GCM fails under that key).
func TestOpenRefusesAnotherKeyID(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	ct := e.seal(s, seal.HourKey(expiry), "the words", aad)
	otherHour := seal.HourKey(expiry.Add(time.Hour))
	e.seal(s, otherHour, "makes the next hour's key", nil)
	e.seal(s, seal.ClientKey(sub), "makes the client's key", nil)
	serialOf := func(id seal.KeyID) uint64 {
		k, found, err := e.keys.Get(t.Context(), id)
		if err != nil || !found {
			t.Fatalf("Get(%s) = %v, %v", id, found, err)
		}
		return k.Serial
	}
	tests := []struct {
		name string
		ct   []byte
		want error
	}{
		{"AnotherHoursKey", withKey(ct, otherHour, serialOf(otherHour)), seal.ErrTampered},
		{"TheClientsKey", withKey(ct, seal.ClientKey(sub), serialOf(seal.ClientKey(sub))), seal.ErrTampered},
		{"AnotherHoursIDOnly", withKeyID(ct, otherHour), seal.ErrKeyGone},
		{"TheClientsIDOnly", withKeyID(ct, seal.ClientKey(sub)), seal.ErrKeyGone},
		{"AnHourWithNoKey", withKeyID(ct, seal.HourKey(expiry.Add(5*time.Hour))), seal.ErrKeyGone},
		{"AnHourThatEnded", withKeyID(ct, seal.HourKey(t0.Add(-2*time.Hour))), seal.ErrKeyGone},
		{"NoKeyID", withKeyID(ct, "not#a-key"), seal.ErrTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, opener := range []*seal.Sealer{s, e.sealer()} {
				if got, err := opener.Open(t.Context(), tt.ct, aad); !errors.Is(err, tt.want) {
					t.Errorf("Open() = %q, %v; want %v", got, err, tt.want)
				}
			}
		})
	}
	if n, err := e.keys.HourKeysBefore(t.Context(), t0.Add(48*time.Hour)); err != nil || len(n) != 2 {
		t.Errorf("hour keys after the refusals = %v, %v; want the two sealed with (Open creates none)", n, err)
	}
}

func TestAADPartsAreUnambiguous(t *testing.T) {
	tests := []struct {
		name string
		a, b [][]string
	}{
		{"BoundaryMoved", [][]string{{"ab", "c"}}, [][]string{{"a", "bc"}}},
		{"EmptyPartCounts", [][]string{{"a", ""}}, [][]string{{"a"}}},
		{"OrderCounts", [][]string{{"a", "b"}}, [][]string{{"b", "a"}}},
	}
	for _, tt := range tests {
		if bytes.Equal(seal.AAD(tt.a[0]...), seal.AAD(tt.b[0]...)) {
			t.Errorf("%s: AAD(%q) == AAD(%q)", tt.name, tt.a[0], tt.b[0])
		}
	}
}

// TestConcurrentFirstWritersAgreeOnOneKey runs eight function instances
// (Sealers with empty caches) sealing the first messages of one hour at
// once: one key is stored, and every ciphertext opens with it.
func TestConcurrentFirstWritersAgreeOnOneKey(t *testing.T) {
	e := newEnv(t)
	const writers = 8
	sealers := make([]*seal.Sealer, writers)
	for i := range sealers {
		sealers[i] = e.sealer()
	}
	cts := make([][]byte, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			cts[i], errs[i] = sealers[i].Seal(t.Context(), seal.HourKey(expiry), []byte{byte('a' + i)}, seal.AAD("CONV#1", string(rune('0'+i))))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: Seal() error = %v", i, err)
		}
	}
	stored, found, err := e.keys.Get(t.Context(), seal.HourKey(expiry))
	if err != nil || !found {
		t.Fatalf("Get() = %v, %v; want the one key", found, err)
	}
	hours, err := e.keys.HourKeysBefore(t.Context(), t0.Add(48*time.Hour))
	if err != nil || len(hours) != 1 {
		t.Fatalf("hour keys = %v, %v; want one", hours, err)
	}
	// A fresh Sealer unwraps the stored key once and opens every writer's
	// ciphertext with it.
	fresh := e.sealer()
	before := e.kms.decrypted.Load()
	for i, ct := range cts {
		got, err := fresh.Open(t.Context(), ct, seal.AAD("CONV#1", string(rune('0'+i))))
		if err != nil || !bytes.Equal(got, []byte{byte('a' + i)}) {
			t.Errorf("writer %d's ciphertext: Open() = %q, %v", i, got, err)
		}
	}
	if n := e.kms.decrypted.Load() - before; n != 1 {
		t.Errorf("opening %d ciphertexts unwrapped %d keys, want the one stored (%d bytes wrapped)", writers, n, len(stored.Wrapped))
	}
}

// TestOneSealerUnderConcurrencyFetchesOnce: concurrent calls of one Sealer
// on a cold key share one fetch.
func TestOneSealerUnderConcurrencyFetchesOnce(t *testing.T) {
	e := newEnv(t)
	e.seal(e.sealer(), seal.ClientKey(sub), "creates the key", nil)
	s := e.sealer()
	before := e.kms.calls()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := s.Seal(t.Context(), seal.ClientKey(sub), []byte("x"), nil); err != nil {
				t.Errorf("Seal() error = %v", err)
			}
		})
	}
	wg.Wait()
	if n := e.kms.calls() - before; n > 2 {
		t.Errorf("16 concurrent Seals on a cold cache made %d KMS calls, want 1 (2 at most if the first fetch ended before the last call began)", n)
	}
}

func TestWarmCacheCallsNeitherKMSNorTheKeyTable(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	hour := e.seal(s, seal.HourKey(expiry), "hour", aad)
	client := e.seal(s, seal.ClientKey(sub), "client", aad)
	kmsBefore, dbBefore := e.calls()
	for range 10 {
		e.seal(s, seal.HourKey(expiry), "more", aad)
		e.seal(s, seal.ClientKey(sub), "more", aad)
		for _, ct := range [][]byte{hour, client} {
			if _, err := s.Open(t.Context(), ct, aad); err != nil {
				t.Fatalf("Open() error = %v", err)
			}
		}
	}
	e.clock.Set(t0.Add(seal.MaxCacheTTL - time.Nanosecond))
	if _, err := s.Open(t.Context(), hour, aad); err != nil {
		t.Fatalf("Open() just before the cache lifetime error = %v", err)
	}
	if kmsAfter, dbAfter := e.calls(); kmsAfter != kmsBefore || dbAfter != dbBefore {
		t.Errorf("warm cache made %d KMS and %d DynamoDB calls, want none", kmsAfter-kmsBefore, dbAfter-dbBefore)
	}
}

// TestKeyOlderThanTheCacheLifetimeIsFetchedAgain, for the default and a
// shorter lifetime.
func TestKeyOlderThanTheCacheLifetimeIsFetchedAgain(t *testing.T) {
	for _, ttl := range []time.Duration{seal.MaxCacheTTL, time.Minute} {
		t.Run(ttl.String(), func(t *testing.T) {
			e := newEnv(t)
			s := e.sealer(seal.WithCacheTTL(ttl))
			aad := seal.AAD("CONV#1", "MSG#1")
			ct := e.seal(s, seal.ClientKey(sub), "words", aad)
			e.clock.Set(t0.Add(ttl - time.Nanosecond))
			if _, err := s.Open(t.Context(), ct, aad); err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			before := e.kms.decrypted.Load()
			e.clock.Set(t0.Add(ttl))
			if _, err := s.Open(t.Context(), ct, aad); err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			if n := e.kms.decrypted.Load() - before; n != 1 {
				t.Errorf("Open at the cache lifetime unwrapped %d keys, want 1", n)
			}
			if _, err := s.Open(t.Context(), ct, aad); err != nil || e.kms.decrypted.Load()-before != 1 {
				t.Errorf("Open after the fetch: error %v, %d unwraps; want the new copy cached", err, e.kms.decrypted.Load()-before)
			}
		})
	}
}

func TestCacheHoldsAtMostItsSize(t *testing.T) {
	e := newEnv(t)
	s := e.sealer(seal.WithCacheSize(2))
	subs := []string{"a", "b", "c"}
	cts := map[string][]byte{}
	for _, sub := range subs {
		cts[sub] = e.seal(s, seal.ClientKey(sub), sub, nil)
	}
	// "a" was the oldest of three in a cache of two: it must be fetched
	// again; "c", the newest, must not.
	for _, tt := range []struct {
		sub        string
		wantFetchs int64
	}{{"c", 0}, {"a", 1}} {
		before := e.kms.decrypted.Load()
		if _, err := s.Open(t.Context(), cts[tt.sub], nil); err != nil {
			t.Fatalf("Open(%s) error = %v", tt.sub, err)
		}
		if n := e.kms.decrypted.Load() - before; n != tt.wantFetchs {
			t.Errorf("Open(%s) unwrapped %d keys, want %d", tt.sub, n, tt.wantFetchs)
		}
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		kmsKeyID string
		keys     seal.KeyStore
		opts     []seal.Option
	}{
		{"NoKMSKey", "", e.keys, nil},
		{"NoKeyStore", cmk, nil, nil},
		{"CacheLongerThanFiveMinutes", cmk, e.keys, []seal.Option{seal.WithCacheTTL(seal.MaxCacheTTL + time.Second)}},
		{"NoCacheLifetime", cmk, e.keys, []seal.Option{seal.WithCacheTTL(0)}},
		{"NoCacheSize", cmk, e.keys, []seal.Option{seal.WithCacheSize(0)}},
		{"NoClock", cmk, e.keys, []seal.Option{seal.WithClock(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := seal.New(e.kms, tt.kmsKeyID, tt.keys, tt.opts...); err == nil || s != nil {
				t.Errorf("New() = %v, %v; want an error", s, err)
			}
		})
	}
}

func TestKeyOf(t *testing.T) {
	e := newEnv(t)
	ct := e.seal(e.sealer(), seal.ClientKey(sub), "x", nil)
	if got, err := seal.KeyOf(ct); err != nil || got != seal.ClientKey(sub) {
		t.Errorf("KeyOf() = %q, %v; want %q", got, err, seal.ClientKey(sub))
	}
	for _, bad := range [][]byte{nil, {1}, {2, 1, 'x'}, withKeyID(ct, "nonsense")} {
		if got, err := seal.KeyOf(bad); !errors.Is(err, seal.ErrTampered) {
			t.Errorf("KeyOf(%x) = %q, %v; want ErrTampered", bad, got, err)
		}
	}
}
