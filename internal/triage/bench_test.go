package triage

import (
	"strings"
	"testing"
)

// long is a 4,000-character message with one risky sentence in the middle.
var long = func() string {
	filler := strings.Repeat("Honestly today was long, I went to work and then made dinner for everyone. ", 60)
	text := filler[:1950] + " I've taken all my tablets. " + filler[1950:]
	return text[:4000]
}()

func BenchmarkScreen(b *testing.B) {
	s := Default()
	for _, bm := range []struct{ name, text string }{
		{"short", "i'm so tired of everything and i'm going to end it tonight"},
		{"short-none", "this homework is killing me lol"},
		{"4000-chars", long},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.text)))
			b.ReportAllocs()
			for b.Loop() {
				s.Screen(bm.text)
			}
		})
	}
}

func BenchmarkDefaultCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLongMessageLength(t *testing.T) {
	if len(long) != 4000 || Default().Screen(long).Level != Urgent {
		t.Errorf("the benchmark's long message is %d characters, screened %v", len(long), Default().Screen(long))
	}
}
