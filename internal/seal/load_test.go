package seal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/seal"
)

// TestPrepareAndLoad: Prepare makes a key or reads it; Load reads one
// that exists and never makes one; a key Load found missing is not looked
// up again for a minute, and a Seal under it makes it without a lookup,
// while Open always looks (a key made elsewhere meanwhile opens).
func TestPrepareAndLoad(t *testing.T) {
	id := seal.ClientKey("loader")
	tests := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"PrepareMakesAKeyThatOpens", func(t *testing.T, e *env) {
			s := e.sealer()
			if err := s.Prepare(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			kmsBefore, dbBefore := e.calls()
			ct := e.seal(s, id, "words", nil)
			if k, d := e.calls(); k != kmsBefore || d != dbBefore {
				t.Errorf("Seal after Prepare made %d KMS and %d DynamoDB calls, want none", k-kmsBefore, d-dbBefore)
			}
			if _, err := e.sealer().Open(t.Context(), ct, nil); err != nil {
				t.Errorf("Open elsewhere: %v", err)
			}
		}},
		{"LoadReadsAnExistingKey", func(t *testing.T, e *env) {
			ct := e.seal(e.sealer(), id, "words", nil)
			s := e.sealer()
			if err := s.Load(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			kmsBefore, dbBefore := e.calls()
			if _, err := s.Open(t.Context(), ct, nil); err != nil {
				t.Fatal(err)
			}
			if k, d := e.calls(); k != kmsBefore || d != dbBefore {
				t.Errorf("Open after Load made %d KMS and %d DynamoDB calls, want none", k-kmsBefore, d-dbBefore)
			}
		}},
		{"LoadNeverMakesAKey", func(t *testing.T, e *env) {
			s := e.sealer()
			if err := s.Load(t.Context(), id); !errors.Is(err, seal.ErrKeyGone) {
				t.Fatalf("Load of a missing key = %v, want ErrKeyGone", err)
			}
			if e.kms.generated.Load() != 0 {
				t.Errorf("Load made %d keys, want none", e.kms.generated.Load())
			}
			_, dbBefore := e.calls()
			if err := s.Load(t.Context(), id); !errors.Is(err, seal.ErrKeyGone) {
				t.Fatalf("second Load = %v, want ErrKeyGone", err)
			}
			if _, d := e.calls(); d != dbBefore {
				t.Errorf("second Load within the minute made %d DynamoDB calls, want none", d-dbBefore)
			}
			e.clock.Set(t0.Add(time.Minute))
			if err := s.Load(t.Context(), id); !errors.Is(err, seal.ErrKeyGone) {
				t.Fatalf("Load a minute later = %v, want ErrKeyGone", err)
			}
			if _, d := e.calls(); d != dbBefore+1 {
				t.Errorf("Load a minute later made %d DynamoDB calls, want 1 (it looks again)", d-dbBefore)
			}
		}},
		{"SealAfterAMissMakesTheKeyWithoutALookup", func(t *testing.T, e *env) {
			s := e.sealer()
			_ = s.Load(t.Context(), id)
			_, dbBefore := e.calls()
			ct := e.seal(s, id, "words", nil)
			if _, d := e.calls(); d != dbBefore+1 {
				t.Errorf("Seal after a miss made %d DynamoDB calls, want 1 (the conditional put)", d-dbBefore)
			}
			if _, err := e.sealer().Open(t.Context(), ct, nil); err != nil {
				t.Errorf("Open elsewhere: %v", err)
			}
		}},
		{"OpenIgnoresAMissOfAKeyMadeSince", func(t *testing.T, e *env) {
			s := e.sealer()
			_ = s.Load(t.Context(), id)
			ct := e.seal(e.sealer(), id, "made elsewhere", nil)
			got, err := s.Open(t.Context(), ct, nil)
			if err != nil || string(got) != "made elsewhere" {
				t.Errorf("Open = %q, %v; want the words", got, err)
			}
		}},
		{"SealAfterAStaleMissUsesTheStoredKey", func(t *testing.T, e *env) {
			s := e.sealer()
			_ = s.Load(t.Context(), id)
			first := e.seal(e.sealer(), id, "first", nil)
			second := e.seal(s, id, "second", nil)
			other := e.sealer()
			for _, ct := range [][]byte{first, second} {
				if _, err := other.Open(t.Context(), ct, nil); err != nil {
					t.Errorf("Open elsewhere: %v", err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newEnv(t)) })
	}
}
