package triage

import (
	"strings"
	"testing"
)

// small is a rule file that shows each feature of the format on its own.
const small = `
[spellings]
kms = kill myself
dont = do not
[negation]
not
never
[writer]
i, me, my, myself
[others]
she, he, friend
[other forms]
myself = herself, himself
me = her, him
[groups]
@pills = pills, tablets
@pills = paracetamol
@lots = all, loads, whole packet
[urgent intent]
going to ...2 kill myself
[urgent act]
took @lots ...2 @pills
[urgent plan]
have the rope
tonight is the night?
[concern ideation]
kill myself
(want/wanted) to die
[concern abuse]
hits me
[concern hopelessness]
can not go on <end>
[none]
rope swing
`

func TestRuleFeatures(t *testing.T) {
	s, err := Parse(strings.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       Result
	}{
		{"phrase", "I have the rope", Result{Urgent, "plan"}},
		{"nothing", "I have a cat", Result{}},
		{"choice of words", "I wanted to die", Result{Concern, "ideation"}},
		{"group over two lines", "I took all the paracetamol", Result{Urgent, "act"}},
		{"multi-word group member", "I took whole packet of pills", Result{Urgent, "act"}},
		{"gap", "I'm going to really truly kill myself", Result{Urgent, "intent"}},
		{"gap too long", "going to one two three kill myself", Result{Concern, "ideation"}},
		{"no phrase across a sentence", "I took all. Pills are bad", Result{}},
		{"a phrase across a comma", "I took all, pills", Result{Urgent, "act"}},
		{"optional word present", "tonight is the night", Result{Urgent, "plan"}},
		{"optional word absent", "tonight is the", Result{Urgent, "plan"}},
		{"end of sentence", "I can not go on.", Result{Concern, "hopelessness"}},
		{"end of message", "I can not go on", Result{Concern, "hopelessness"}},
		{"not the end", "I can not go on the trip", Result{}},
		{"spelling", "kms", Result{Concern, "ideation"}},
		{"spelling in a longer phrase", "going to kms", Result{Urgent, "intent"}},
		{"negation before", "I'm not going to kill myself", Result{Concern, "intent"}},
		{"negation contraction", "I dont going to kill myself", Result{Concern, "intent"}},
		{"negation in a gap", "going to never kill myself", Result{Concern, "intent"}},
		{"negation too far", "not one two three four going to kill myself", Result{Urgent, "intent"}},
		{"negation in another clause", "not sure, going to kill myself", Result{Urgent, "intent"}},
		{"negation leaves concern", "I never want to die", Result{Concern, "ideation"}},
		{"other form", "she is going to kill herself", Result{Concern, CategoryThirdParty}},
		{"other form in abuse", "he hits her", Result{Concern, CategoryThirdParty}},
		{"writer in abuse", "he hits me", Result{Concern, "abuse"}},
		{"subject someone else", "my friend took all the pills", Result{Concern, CategoryThirdParty}},
		{"subject the writer", "I took all the pills", Result{Urgent, "act"}},
		{"nearest subject wins", "she said I took all the pills", Result{Urgent, "act"}},
		{"subject in another sentence", "she is fine. took all the pills", Result{Urgent, "act"}},
		{"no subject is the writer", "took all the pills", Result{Urgent, "act"}},
		{"exclusion", "I have the rope swing", Result{}},
		{"exclusion hides only what it overlaps", "rope swing. I have the rope", Result{Urgent, "plan"}},
		{"highest level kept", "I want to die. I have the rope", Result{Urgent, "plan"}},
		{"first of the highest", "I have the rope and I took all my pills", Result{Urgent, "plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Screen(tt.text); got != tt.want {
				t.Errorf("Screen(%q) = %v, want %v (read as %q)", tt.text, got, tt.want, normalised(s, tt.text))
			}
		})
	}
}

// TestShippedRules checks the behaviours the levels are defined by, with
// the shipped English rules.
func TestShippedRules(t *testing.T) {
	s := Default()
	tests := []struct {
		text     string
		level    Level
		category string // "" for any
	}{
		// urgent: intent, plan, means, act
		{"I'm going to end it tonight", Urgent, "intent"},
		{"I've taken all my tablets", Urgent, "act"},
		{"I have the rope", Urgent, "means"},
		{"i wrote my goodbye letters", Urgent, "plan"},
		{"KMS TONIGHT!!!", Urgent, "intent"},
		{"im gonna unalive tn", Urgent, "intent"},
		{"just took an o.d.", Urgent, "act"},
		{"i'm goingggg to kiiiill myselfff", Urgent, "intent"},
		// concern: ideation, self-harm, hopelessness, abuse
		{"I don't want to die but I can't keep living like this", Concern, ""},
		{"my friend says she wants to kill herself", Concern, CategoryThirdParty},
		{"he hits me when he's drunk", Concern, "abuse"},
		{"I cut myself again", Concern, "self-harm"},
		{"i want to kms", Concern, "ideation"},
		{"I'm not going to kill myself", Concern, "intent"},
		{"I would never kill myself", Concern, "ideation"},
		{"my brother took an overdose", Concern, CategoryThirdParty},
		{"he said he's going to end it tonight", Concern, CategoryThirdParty},
		{"I can't go on.", Concern, "hopelessness"},
		// none: the words, not the risk
		{"this homework is killing me", None, ""},
		{"I'm dying to see the film", None, ""},
		{"we killed it at the gig", None, ""},
		{"Suicide Squad", None, ""},
		{"my phone died", None, ""},
		{"kill the lights", None, ""},
		{"I'm not killing time", None, ""},
		{"I can't go on the trip", None, ""},
		{"I'm going to overdose on chocolate", None, ""},
		{"I take my tablets every morning", None, ""},
		{"I'm going to jump in the pool", None, ""},
	}
	for _, tt := range tests {
		got := s.Screen(tt.text)
		if got.Level != tt.level || (tt.category != "" && got.Category != tt.category) {
			t.Errorf("Screen(%q) = %v, want %s %s", tt.text, got, tt.level, tt.category)
		}
		if got.Level == None && got.Category != "" {
			t.Errorf("Screen(%q) = %v: a category without a level", tt.text, got)
		}
	}
}

// TestBuriedSentence: a risky sentence among ordinary ones raises the
// message, wherever it is in a 4,000-character message.
func TestBuriedSentence(t *testing.T) {
	s := Default()
	filler := strings.Repeat("Work was fine and we had pasta for tea. ", 50)
	for _, text := range []string{
		filler + "I've taken all my tablets.",
		"I've taken all my tablets. " + filler,
		filler[:1000] + "I've taken all my tablets. " + filler[1000:],
	} {
		if got := s.Screen(text); got.Level != Urgent {
			t.Errorf("Screen(%d characters with the sentence buried) = %v, want urgent", len(text), got)
		}
	}
	if got := s.Screen(filler); got.Level != None {
		t.Errorf("Screen(filler) = %v, want none", got)
	}
}

func TestZeroScreener(t *testing.T) {
	var s Screener
	if got := s.Screen("I'm going to kill myself"); got != (Result{}) {
		t.Errorf("zero Screener: %v", got)
	}
	var nilS *Screener
	if got := nilS.Screen("I'm going to kill myself"); got != (Result{}) {
		t.Errorf("nil Screener: %v", got)
	}
}

// TestConcurrent screens from many goroutines at once (run with -race).
func TestConcurrent(t *testing.T) {
	s := Default()
	texts := []string{"I have the rope", "I want to die", "killing time", strings.Repeat("so tired ", 300)}
	want := make([]Result, len(texts))
	for i, text := range texts {
		want[i] = s.Screen(text)
	}
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				k := (g + i) % len(texts)
				if got := s.Screen(texts[k]); got != want[k] {
					t.Errorf("Screen(%q) = %v, want %v", texts[k], got, want[k])
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}
