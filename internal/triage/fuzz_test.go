package triage

import (
	"strings"
	"testing"
)

// FuzzScreen: whatever a client sends, Screen does not panic, returns a
// valid level, and its category is one of the rule categories (so no word
// of the message can leave in it), empty exactly when the level is none.
func FuzzScreen(f *testing.F) {
	for _, seed := range []string{
		"", "I'm going to end it tonight", "i wrote my goodbye letters", "kms tn",
		"o.d.", "o.d", "..", "…", "I OD'd", "diiiiiiiiie", "30 pills", "0000000000000000000010",
		"\xff\xfe", "’’’", "a.b.c.d.e.f", "I'm not going to kill myself", "she took all her pills",
		strings.Repeat("kill myself ", 400), strings.Repeat("a", 5000), "\u0301\u0301x",
	} {
		f.Add(seed)
	}
	s := Default()
	categories := map[string]bool{"": true, CategoryThirdParty: true}
	for _, r := range s.rules {
		categories[r.category] = true
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := s.Screen(text)
		if !got.Level.Valid() {
			t.Fatalf("Screen(%q) = invalid level %d", text, got.Level)
		}
		if !categories[got.Category] {
			t.Fatalf("Screen(%q) = category %q, not a rule category", text, got.Category)
		}
		if (got.Level == None) != (got.Category == "") {
			t.Fatalf("Screen(%q) = %v: level and category disagree", text, got)
		}
		if again := s.Screen(text); again != got {
			t.Fatalf("Screen(%q) = %v, then %v", text, got, again)
		}
	})
}
