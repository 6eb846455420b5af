// Package triage screens a client's message for risk, so that a crisis
// service can answer by risk rather than by arrival.
//
// Screen reads one message and returns a Level (none, concern, urgent) and
// the Category of the rule that raised it. It never returns or records the
// words of the message: only the level and the category leave it, and the
// package does no logging.
//
// The rules are phrases in plain-text files (rules/en.txt is shipped and
// embedded; rules/README.md describes the format). A message is normalised
// first (case, punctuation, apostrophes, repeated letters, misspellings and
// text-speak, from the tables in the same files), then every phrase is
// looked for in one pass over its words. A phrase said in the negative or
// about someone else is lowered to concern; a phrase of the [none] section
// (an idiom such as "killing time") hides any risk phrase it overlaps.
//
// Phrase rules catch what they were written for. They miss risk said in
// other words, and docs/triage.md lists what they cannot catch: the result
// is a hint for ordering a queue, never a reason to leave a message unread.
package triage

import "sync"

// Result is what Screen finds in a message: the level and the category of
// the rule that raised it. It never holds words of the message.
type Result struct {
	// Level is the highest level raised by any phrase of the message.
	Level Level `json:"level"`
	// Category names the kind of rule that raised Level, such as "plan",
	// "means", "act", "intent", "ideation", "self-harm", "hopelessness",
	// "abuse" or "third-party" (a risk phrase about someone else). It is
	// empty when Level is None.
	Category string `json:"category,omitempty"`
}

// CategoryThirdParty is the category of a risk phrase said about someone
// other than the writer ("my friend says she wants to kill herself"). Such
// a phrase is always raised as Concern.
const CategoryThirdParty = "third-party"

// Screener screens messages against a set of compiled rules. Build one with
// Default, Load or Parse; it is immutable and safe for concurrent use. The
// zero Screener has no rules and screens every message as None.
type Screener struct {
	vocab    map[string][]int32 // written word → the word ids it stands for
	rules    []rule             // risk phrases and [none] phrases
	index    [][]int32          // word id → rules whose first word it can be
	neg      []rule             // negation phrases
	negIndex [][]int32          // word id → negation phrases starting with it
	writer   []bool             // word id → a word for the writer ("i", "me")
	others   []bool             // word id → a word for someone else ("she", "friend")
	names    []string           // word id → the word, for tests
	scratch  sync.Pool          // *scratch
}

// Screen returns the level of text and the category of the rule that raised
// it. It reads the whole message and keeps the highest level found; of
// several phrases at that level, the first in the message gives the
// category. Screen never panics, whatever the input (invalid UTF-8
// included), and takes well under a millisecond for a 4,000-character
// message.
func (s *Screener) Screen(text string) Result {
	res, _ := s.screen(text)
	return res
}

// screen is Screen that also tells which rule raised the level (-1 for
// none), for the tests.
func (s *Screener) screen(text string) (Result, int32) {
	if s == nil || s.index == nil {
		return Result{}, -1
	}
	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	sc.toks = s.tokens(text, sc.toks[:0], &sc.buf)
	res, rule := s.scan(sc)
	sc.reset()
	s.scratch.Put(sc)
	return res, rule
}
