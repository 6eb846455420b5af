package triage

import (
	"strings"
	"testing"
)

// normalised shows how s reads text: the words it knows, "?" for a word no
// rule mentions, "," for a clause break and "." for a sentence break.
func normalised(s *Screener, text string) string {
	var b strings.Builder
	var tmp lookupBuf
	for i, t := range s.tokens(text, nil, &tmp) {
		switch {
		case t.brk&hardBreak != 0 && i > 0:
			b.WriteString(" .")
		case t.brk&softBreak != 0 && i > 0:
			b.WriteString(" ,")
		}
		b.WriteByte(' ')
		if t.id == unknown {
			b.WriteByte('?')
		} else {
			b.WriteString(s.names[t.id])
		}
	}
	return strings.TrimSpace(b.String())
}

func TestNormalise(t *testing.T) {
	s := Default()
	tests := []struct {
		name, text, want string
	}{
		{"case", "I Want To DIE", "i want to die"},
		{"apostrophe", "I'm going", "i am going"},
		{"no apostrophe", "im going", "i am going"},
		{"curly apostrophe", "I’m going", "i am going"},
		{"backtick", "I`m going", "i am going"},
		{"negative contraction", "I can't, I won't, I don't", "i can not , i will not , i do not"},
		{"apostrophe only form", "I'll go, she'd", "i will go , she would"},
		{"word that only looks like a contraction", "the shed", "the ?"},
		{"repeated letters", "sooooo tireddd i wanna diiie", "so tired i want to die"},
		{"repeated letters keep two", "killlll myselfff", "kill myself"},
		{"two letters stay", "good feel", "good feel"},
		{"text-speak", "kms tn", "kill myself tonight"},
		{"text-speak right now", "ik i cant rn", "i know i can not right now"},
		{"wanna gonna", "wanna gonna", "want to going to"},
		{"unalive", "unalive", "kill myself"},
		{"od", "took an od", "took an overdose"},
		{"dotted od", "took an o.d.", "took an overdose"},
		{"dotted od mid sentence", "took an o.d. last night", "took an overdose last night"},
		{"dotted od then sentence", "took an o.d. Then slept", "took an overdose . ? ?"},
		{"od with apostrophe", "I OD'd", "i overdosed"},
		{"odd is not od", "that's odd", "that is ?"},
		{"misspelling", "sucide suicidle", "suicide suicidal"},
		{"big number", "took 30 pills", "took bignumber pills"},
		{"small number", "took 3 pills", "took ? pills"},
		{"zero padded", "took 05 pills", "took ? pills"},
		{"sentence breaks", "fine. i want to die! ok? yes; no", "? . i want to die . okay . ? . no"},
		{"clause breaks", "well, i: want (to) die", "? , i , want , to , die"},
		{"ellipsis is a clause break", "going to... kill myself", "going to , kill myself"},
		{"unicode ellipsis", "going to… kill myself", "going to , kill myself"},
		{"new line", "ok\nkill myself", "okay . kill myself"},
		{"hyphen joins nothing", "self-harm", "self harm"},
		{"emoji separate", "die😂now", "die now"},
		{"invalid utf-8", "die\xffnow", "die now"},
		{"empty", "", ""},
		{"only punctuation", "?!... ,", ""},
		{"long word", strings.Repeat("a", 200), "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalised(s, tt.text); got != tt.want {
				t.Errorf("normalised(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSqueeze(t *testing.T) {
	tests := []struct {
		in        string
		keep      int
		want      string
		wantFound bool
	}{
		{"diiie", 1, "die", true},
		{"diiie", 2, "diie", true},
		{"killll", 2, "kill", true},
		{"kill", 1, "kill", false},
		{"ééé", 1, "é", true},
		{"", 1, "", false},
	}
	for _, tt := range tests {
		got, found := squeeze(nil, []byte(tt.in), tt.keep)
		if found != tt.wantFound || (found && string(got) != tt.want) {
			t.Errorf("squeeze(%q, %d) = %q, %v; want %q, %v", tt.in, tt.keep, got, found, tt.want, tt.wantFound)
		}
	}
}
