package seal_test

import (
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/seal"
)

// BenchmarkSeal and BenchmarkOpen measure a message of 200 characters with
// the key in the cache: the cost every message pays once the key is warm.
func BenchmarkSeal(b *testing.B) {
	e := newEnv(b)
	s := e.sealer()
	body := []byte(strings.Repeat("x", 200))
	aad := seal.AAD("CONV#01JDQ0000000000000000000", "MSG#01JDQ0000000000000000000")
	e.seal(s, seal.HourKey(expiry), "warms the cache", nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := s.Seal(b.Context(), seal.HourKey(expiry), body, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	e := newEnv(b)
	s := e.sealer()
	aad := seal.AAD("CONV#01JDQ0000000000000000000", "MSG#01JDQ0000000000000000000")
	ct := e.seal(s, seal.HourKey(expiry), strings.Repeat("x", 200), aad)
	b.ReportAllocs()
	b.SetBytes(200)
	for b.Loop() {
		if _, err := s.Open(b.Context(), ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}
