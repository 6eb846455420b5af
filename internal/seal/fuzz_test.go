package seal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/seal"
)

// FuzzOpen: Open never panics and never opens bytes that are not a
// ciphertext it sealed for this additional data. The seeds are genuine
// ciphertexts (an hour key's, a client key's) and broken ones.
func FuzzOpen(f *testing.F) {
	e := newEnv(f)
	s := e.sealer()
	aad := seal.AAD("CONV#1", "MSG#1")
	hour := e.seal(s, seal.HourKey(expiry), "an hour's words", aad)
	client := e.seal(s, seal.ClientKey(sub), "a client's words", aad)
	genuine := map[string]bool{string(hour): true, string(client): true}
	for _, seed := range [][]byte{hour, client, hour[:len(hour)-1], client[:20], withKeyID(hour, seal.HourKey(expiry.Add(time.Hour))), nil, {1}, {1, 255}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ct []byte) {
		got, err := s.Open(t.Context(), ct, aad)
		switch {
		case genuine[string(ct)]:
			if err != nil {
				t.Fatalf("Open(genuine) error = %v", err)
			}
		case err == nil:
			t.Fatalf("Open(%x) = %q, want a refusal", ct, got)
		case !errors.Is(err, seal.ErrTampered) && !errors.Is(err, seal.ErrKeyGone):
			t.Fatalf("Open(%x) error = %v, want ErrTampered or ErrKeyGone", ct, err)
		}
	})
}
