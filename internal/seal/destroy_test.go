package seal_test

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/seal"
)

// TestDestroyExpiredHours destroys exactly the hours that ended more than
// the grace before now, and their ciphertexts then open as ErrKeyGone in
// the Sealer that destroyed them (whose cache held the key) and in a fresh
// one, even by a clock that still stands inside the hour.
func TestDestroyExpiredHours(t *testing.T) {
	// t0 is 12:30; the keys are of the hours 12, 13 and 14.
	h12, h13, h14 := seal.HourKey(t0), seal.HourKey(t0.Add(time.Hour)), seal.HourKey(t0.Add(2*time.Hour))
	end12 := t0.Truncate(time.Hour).Add(time.Hour)
	tests := []struct {
		name      string
		now       time.Time
		grace     time.Duration
		destroyed []seal.KeyID
	}{
		{"BeforeTheHourEnds", end12.Add(-time.Second), 0, nil},
		{"AsTheHourEndsWithoutGrace", end12, 0, nil},
		{"JustAfterTheHourEndsWithoutGrace", end12.Add(time.Nanosecond), 0, []seal.KeyID{h12}},
		{"WithinTheGrace", end12.Add(15 * time.Minute), 15 * time.Minute, nil},
		{"JustPastTheGrace", end12.Add(15*time.Minute + time.Second), 15 * time.Minute, []seal.KeyID{h12}},
		{"TwoHoursLater", end12.Add(time.Hour + 10*time.Minute), 5 * time.Minute, []seal.KeyID{h12, h13}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.sealer()
			aad := seal.AAD("CONV#1", "MSG#1")
			cts := map[seal.KeyID][]byte{}
			for _, id := range []seal.KeyID{h12, h13, h14} {
				cts[id] = e.seal(s, id, "words of "+string(id), aad)
			}
			n, err := s.DestroyExpiredHours(t.Context(), tt.now, tt.grace)
			if err != nil {
				t.Fatalf("DestroyExpiredHours() error = %v", err)
			}
			if n != len(tt.destroyed) {
				t.Errorf("DestroyExpiredHours() = %d, want %d", n, len(tt.destroyed))
			}
			fresh := e.sealer()
			for id, ct := range cts {
				destroyed := false
				for _, d := range tt.destroyed {
					destroyed = destroyed || d == id
				}
				if _, found, err := e.keys.Get(t.Context(), id); err != nil || found == destroyed {
					t.Errorf("%s in the key table: %v, %v; want %v", id, found, err, !destroyed)
				}
				// The Sealers' clock stays at t0, inside hour 12: only the
				// destruction can make these ErrKeyGone.
				for _, opener := range []struct {
					name string
					s    *seal.Sealer
				}{{"DestroyingSealer", s}, {"FreshSealer", fresh}} {
					got, err := opener.s.Open(t.Context(), ct, aad)
					switch {
					case destroyed && !errors.Is(err, seal.ErrKeyGone):
						t.Errorf("%s: %s destroyed, Open() = %q, %v; want ErrKeyGone", opener.name, id, got, err)
					case !destroyed && (err != nil || !bytes.Equal(got, []byte("words of "+string(id)))):
						t.Errorf("%s: %s kept, Open() = %q, %v", opener.name, id, got, err)
					}
				}
			}
		})
	}
}

func TestDestroyExpiredHoursRefusesALongGrace(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	for _, grace := range []time.Duration{-time.Second, seal.MaxGrace + time.Second, 24 * time.Hour} {
		if _, err := s.DestroyExpiredHours(t.Context(), t0, grace); err == nil {
			t.Errorf("DestroyExpiredHours(grace %s) error = nil, want one", grace)
		}
	}
}

// TestEndedHourIsRefusedByClock: a Sealer whose cache still holds an hour
// key refuses it once the hour has ended, before any destruction.
func TestEndedHourIsRefusedByClock(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	ct := e.seal(s, seal.HourKey(t0), "words", aad)
	e.clock.Set(t0.Truncate(time.Hour).Add(time.Hour - time.Nanosecond))
	if _, err := s.Open(t.Context(), ct, aad); err != nil {
		t.Fatalf("Open() in the hour's last instant error = %v", err)
	}
	e.clock.Set(t0.Truncate(time.Hour).Add(time.Hour))
	if got, err := s.Open(t.Context(), ct, aad); !errors.Is(err, seal.ErrKeyGone) {
		t.Errorf("Open() as the hour ends = %q, %v; want ErrKeyGone", got, err)
	}
}

func TestDestroyClient(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	other := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	mine := e.seal(s, seal.ClientKey(sub), "mine", aad)
	theirs := e.seal(s, seal.ClientKey("another-sub"), "theirs", aad)
	hour := e.seal(s, seal.HourKey(expiry), "hour", aad)
	// other's cache holds the key too, as another function instance would.
	if _, err := other.Open(t.Context(), mine, aad); err != nil {
		t.Fatalf("Open() error = %v", err)
	}

	if err := s.DestroyClient(t.Context(), sub); err != nil {
		t.Fatalf("DestroyClient() error = %v", err)
	}
	for _, opener := range []struct {
		name string
		s    *seal.Sealer
	}{{"DestroyingSealer", s}, {"FreshSealer", e.sealer()}} {
		if got, err := opener.s.Open(t.Context(), mine, aad); !errors.Is(err, seal.ErrKeyGone) {
			t.Errorf("%s: Open(destroyed client's) = %q, %v; want ErrKeyGone", opener.name, got, err)
		}
		for _, ct := range [][]byte{theirs, hour} {
			if _, err := opener.s.Open(t.Context(), ct, aad); err != nil {
				t.Errorf("%s: another key's ciphertext: Open() error = %v", opener.name, err)
			}
		}
	}
	// Another instance's cached copy lasts at most the cache lifetime.
	e.clock.Set(t0.Add(seal.MaxCacheTTL))
	if got, err := other.Open(t.Context(), mine, aad); !errors.Is(err, seal.ErrKeyGone) {
		t.Errorf("another Sealer past its cache lifetime: Open() = %q, %v; want ErrKeyGone", got, err)
	}
	if err := s.DestroyClient(t.Context(), sub); err != nil {
		t.Errorf("DestroyClient() again error = %v, want none", err)
	}
	if err := s.DestroyClient(t.Context(), "a b"); !errors.Is(err, seal.ErrBadKeyID) {
		t.Errorf("DestroyClient(malformed) error = %v, want ErrBadKeyID", err)
	}
}

// TestKeyMadeAgainOpensOnlyItsOwnCiphertexts: a client erased who comes
// back gets a new key under the same id. What the destroyed key sealed
// stays gone (not tampered) for everyone, and a Sealer whose cache still
// holds the old key fetches the new one for the new ciphertexts.
func TestKeyMadeAgainOpensOnlyItsOwnCiphertexts(t *testing.T) {
	e := newEnv(t)
	s, stale := e.sealer(), e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	old := e.seal(s, seal.ClientKey(sub), "before the erasure", aad)
	if _, err := stale.Open(t.Context(), old, aad); err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	if err := s.DestroyClient(t.Context(), sub); err != nil {
		t.Fatalf("DestroyClient() error = %v", err)
	}
	made := e.seal(s, seal.ClientKey(sub), "after the erasure", aad)
	for _, opener := range []struct {
		name string
		s    *seal.Sealer
	}{{"DestroyingSealer", s}, {"FreshSealer", e.sealer()}, {"SealerHoldingTheOldKey", stale}} {
		if got, err := opener.s.Open(t.Context(), made, aad); err != nil || string(got) != "after the erasure" {
			t.Errorf("%s: Open(new) = %q, %v; want the new words", opener.name, got, err)
		}
		if got, err := opener.s.Open(t.Context(), old, aad); !errors.Is(err, seal.ErrKeyGone) {
			t.Errorf("%s: Open(old) = %q, %v; want ErrKeyGone", opener.name, got, err)
		}
	}
}

// TestReseal moves a message between retentions: permanent to 24h, then
// back; the old key can be destroyed and the message still opens.
func TestReseal(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	permanent := e.seal(s, seal.ClientKey(sub), "keep me?", aad)

	day, err := s.Reseal(t.Context(), permanent, aad, seal.HourKey(expiry))
	if err != nil {
		t.Fatalf("Reseal() to the hour key error = %v", err)
	}
	if got, _ := seal.KeyOf(day); got != seal.HourKey(expiry) {
		t.Errorf("KeyOf(resealed) = %q, want %q", got, seal.HourKey(expiry))
	}
	if err := s.DestroyClient(t.Context(), sub); err != nil {
		t.Fatalf("DestroyClient() error = %v", err)
	}
	if got, err := e.sealer().Open(t.Context(), day, aad); err != nil || string(got) != "keep me?" {
		t.Errorf("Open(resealed) = %q, %v; want the words", got, err)
	}
	back, err := s.Reseal(t.Context(), day, aad, seal.ClientKey(sub))
	if err != nil {
		t.Fatalf("Reseal() back to a client key error = %v", err)
	}
	if got, err := e.sealer().Open(t.Context(), back, aad); err != nil || string(got) != "keep me?" {
		t.Errorf("Open(resealed back) = %q, %v; want the words", got, err)
	}

	tests := []struct {
		name string
		ct   []byte
		aad  []byte
		to   seal.KeyID
		want error
	}{
		{"DestroyedKey", permanent, aad, seal.HourKey(expiry), seal.ErrKeyGone},
		{"AnotherItem", day, seal.AAD("CONV#1", "MSG#2"), seal.ClientKey(sub), seal.ErrTampered},
		{"ToAnEndedHour", day, aad, seal.HourKey(t0.Add(-time.Hour)), seal.ErrHourEnded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := s.Reseal(t.Context(), tt.ct, tt.aad, tt.to); !errors.Is(err, tt.want) {
				t.Errorf("Reseal() = %x, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestKeyTableHoldsOnlyWrappedKeys reads the items as DynamoDB holds them:
// hour keys in one partition sorted by hour with a TTL, client keys each in
// their own without one, and no data key in the clear.
func TestKeyTableHoldsOnlyWrappedKeys(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	e.seal(s, seal.HourKey(expiry), "x", nil)
	e.seal(s, seal.ClientKey(sub), "x", nil)
	tests := []struct {
		name, pk, sk string
		wantTTL      int64
	}{
		{"HourKey", "hour", "2035-06-01T13", t0.Truncate(time.Hour).Add(2*time.Hour + seal.MaxGrace).Unix()},
		{"ClientKey", "client#" + sub, "key", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{
				TableName: aws.String(e.table),
				Key: map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: tt.pk},
					"sk": &types.AttributeValueMemberS{Value: tt.sk},
				},
				ConsistentRead: aws.Bool(true),
			})
			if err != nil || len(out.Item) == 0 {
				t.Fatalf("GetItem(%s, %s) = %v, %v; want the key", tt.pk, tt.sk, out, err)
			}
			want := map[string]bool{"pk": true, "sk": true, "serial": true, "wrapped": true, "kmsKeyArn": true, "createdAt": true, "expiresAt": tt.wantTTL != 0}
			for name := range out.Item {
				if !want[name] {
					t.Errorf("attribute %s stored, want only %v", name, want)
				}
			}
			wrapped, ok := out.Item["wrapped"].(*types.AttributeValueMemberB)
			if !ok || len(wrapped.Value) <= 32 {
				t.Errorf("wrapped = %T of %d bytes, want a KMS ciphertext blob (longer than the 32-byte key)", out.Item["wrapped"], len(wrapped.Value))
			}
			if arn := out.Item["kmsKeyArn"].(*types.AttributeValueMemberS).Value; arn != cmk {
				t.Errorf("kmsKeyArn = %q, want %q", arn, cmk)
			}
			if tt.wantTTL != 0 {
				ttl, ok := out.Item["expiresAt"].(*types.AttributeValueMemberN)
				if !ok || ttl.Value != strconv.FormatInt(tt.wantTTL, 10) {
					t.Errorf("expiresAt = %v, want %d (the hour's end and the longest grace)", out.Item["expiresAt"], tt.wantTTL)
				}
			}
		})
	}
}

// TestHourKeysBefore lists by one Query, however many client keys there
// are; the package's TestMain fails the run if anything Scans.
func TestHourKeysBefore(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	for h := range 5 {
		e.seal(s, seal.HourKey(t0.Add(time.Duration(h)*time.Hour)), "x", nil)
	}
	for _, sub := range []string{"a", "b", "c"} {
		e.seal(s, seal.ClientKey(sub), "x", nil)
	}
	hour := func(h int) time.Time { return t0.Truncate(time.Hour).Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name   string
		before time.Time
		want   int
	}{
		{"BeforeTheFirst", hour(0), 0},
		{"InsideTheFirst", hour(0).Add(time.Minute), 1},
		{"AtTheThirdsStart", hour(2), 2},
		{"AfterAll", hour(10), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, dbBefore := e.calls()
			ids, err := e.keys.HourKeysBefore(t.Context(), tt.before)
			if err != nil {
				t.Fatalf("HourKeysBefore() error = %v", err)
			}
			if len(ids) != tt.want {
				t.Errorf("HourKeysBefore(%s) = %v, want %d keys", tt.before.Format(time.TimeOnly), ids, tt.want)
			}
			for i, id := range ids {
				if want := seal.HourKey(hour(i)); id != want {
					t.Errorf("key %d = %q, want %q", i, id, want)
				}
			}
			if _, dbAfter := e.calls(); dbAfter-dbBefore != 1 {
				t.Errorf("HourKeysBefore made %d DynamoDB calls, want one Query", dbAfter-dbBefore)
			}
		})
	}
}
