package triage

// rule is one compiled phrase: a sequence of word positions and gaps.
type rule struct {
	elems    []elem
	need     []int32 // the words of its last word position: one must be in the message
	level    Level   // None for a [none] phrase, which hides what it overlaps
	category string  // the category of its section
	src      string  // "file:line", for tests
}

// elem is one position of a phrase: a word among alternatives, or a gap.
type elem struct {
	ids    []int32 // the words accepted here; nil for a gap or <end>
	others []int32 // the same words for someone else ("herself" for "myself")
	gap    int     // for a gap, the most words skipped
	end    bool    // <end>: the sentence or clause ends here
}

// matched is what one phrase found in a message.
type matched struct {
	end     int  // the token after the phrase
	named   bool // a word for the writer, or one standing in for it, was matched
	other   bool // a word for someone else stood in for the writer
	negated bool // a gap skipped a negation ("will never kill myself")
}

// hit is a risk phrase found at tokens [start, end).
type hit struct {
	rule              int32
	start, end        int32
	named, other, neg bool
}

// span is a [none] phrase found at tokens [start, end).
type span struct{ start, end int32 }

// scratch is the working space of one Screen call, pooled.
type scratch struct {
	buf   lookupBuf
	toks  []token
	seen  []uint32 // word id → gen when the word is in the message
	gen   uint32
	hits  []hit
	spans []span
}

// maxScratch is the capacity past which a scratch is not kept for reuse, so
// one huge message does not pin its memory.
const maxScratch = 1 << 16

func (sc *scratch) reset() {
	if cap(sc.toks) > maxScratch || cap(sc.hits) > maxScratch || cap(sc.spans) > maxScratch {
		*sc = scratch{}
		return
	}
	sc.toks, sc.hits, sc.spans = sc.toks[:0], sc.hits[:0], sc.spans[:0]
}

// How far back from a phrase negation and its subject are looked for, in
// words.
const (
	negationReach = 4
	subjectReach  = 8
)

// scan finds every phrase in sc.toks in one pass, drops the risk phrases
// that a [none] phrase overlaps, and returns the highest level left and the
// rule that raised it (-1 for none).
func (s *Screener) scan(sc *scratch) (Result, int32) {
	toks := sc.toks
	sc.markSeen(toks, len(s.index))
	for i, t := range toks {
		if int(t.id) >= len(s.index) {
			continue
		}
		for _, ri := range s.index[t.id] {
			r := &s.rules[ri]
			if !sc.anySeen(r.need) {
				continue
			}
			m, ok := s.match(r, toks, 0, i, i)
			if !ok {
				continue
			}
			if r.level == None {
				sc.spans = append(sc.spans, span{int32(i), int32(m.end)})
				continue
			}
			sc.hits = append(sc.hits, hit{rule: ri, start: int32(i), end: int32(m.end), named: m.named, other: m.other, neg: m.negated})
		}
	}
	var best Result
	bestRule := int32(-1)
	for _, h := range sc.hits {
		if overlaps(sc.spans, h.start, h.end) {
			continue
		}
		r := &s.rules[h.rule]
		level, category := r.level, r.category
		third := h.other
		if !h.named {
			third = s.aboutOthers(toks, int(h.start))
		}
		switch {
		case third:
			level, category = Concern, CategoryThirdParty
		case level == Urgent && (h.neg || s.negatedBefore(toks, int(h.start))):
			level = Concern
		}
		if level > best.Level {
			best, bestRule = Result{Level: level, Category: category}, h.rule
			if level == Urgent {
				break
			}
		}
	}
	return best, bestRule
}

// markSeen notes which words are in the message, for anySeen.
func (sc *scratch) markSeen(toks []token, words int) {
	if len(sc.seen) != words || sc.gen == ^uint32(0) {
		sc.seen, sc.gen = make([]uint32, words), 0
	}
	sc.gen++
	for _, t := range toks {
		if int(t.id) < len(sc.seen) {
			sc.seen[t.id] = sc.gen
		}
	}
}

// anySeen reports whether any of ids is in the message (true when ids is
// empty).
func (sc *scratch) anySeen(ids []int32) bool {
	if len(ids) == 0 {
		return true
	}
	for _, id := range ids {
		if sc.seen[id] == sc.gen {
			return true
		}
	}
	return false
}

// overlaps reports whether any span shares a token with [start, end).
func overlaps(spans []span, start, end int32) bool {
	for _, sp := range spans {
		if sp.start < end && start < sp.end {
			return true
		}
	}
	return false
}

// match tries the elements of r from k on at token pos; start is where the
// phrase began. It reports the first way the rest of the phrase matches.
func (s *Screener) match(r *rule, toks []token, k, pos, start int) (matched, bool) {
	if k == len(r.elems) {
		return matched{end: pos}, true
	}
	e := &r.elems[k]
	if e.end {
		if pos < len(toks) && toks[pos].brk == 0 {
			return matched{}, false
		}
		return s.match(r, toks, k+1, pos, start)
	}
	if e.ids == nil { // a gap: skip 0 to e.gap words of the same sentence
		negated := false
		for n := 0; n <= e.gap; n++ {
			p := pos + n
			if n > 0 {
				q := p - 1 // the word just skipped
				if q >= len(toks) || toks[q].brk&hardBreak != 0 {
					break
				}
				if s.negationAt(toks, q) {
					negated = true
				}
			}
			if m, ok := s.match(r, toks, k+1, p, start); ok {
				m.negated = m.negated || negated
				return m, true
			}
		}
		return matched{}, false
	}
	if pos >= len(toks) || (pos > start && toks[pos].brk&hardBreak != 0) {
		return matched{}, false
	}
	id := toks[pos].id
	other := false
	if !contains(e.ids, id) {
		if !contains(e.others, id) {
			return matched{}, false
		}
		other = true
	}
	m, ok := s.match(r, toks, k+1, pos+1, start)
	m.other = m.other || other
	m.named = m.named || other || (int(id) < len(s.writer) && s.writer[id])
	return m, ok
}

func contains(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// negationAt reports whether a negation phrase ("not", "never", "no
// intention of") starts at token q.
func (s *Screener) negationAt(toks []token, q int) bool {
	id := toks[q].id
	if int(id) >= len(s.negIndex) {
		return false
	}
	for _, ni := range s.negIndex[id] {
		if _, ok := s.match(&s.neg[ni], toks, 0, q, q); ok {
			return true
		}
	}
	return false
}

// negatedBefore reports whether a negation starts within negationReach
// words before token start, in the same clause.
func (s *Screener) negatedBefore(toks []token, start int) bool {
	for q := start - 1; q >= 0 && q >= start-negationReach; q-- {
		if toks[q+1].brk != 0 {
			return false
		}
		if s.negationAt(toks, q) {
			return true
		}
	}
	return false
}

// aboutOthers reports whether the nearest person named before token start,
// in the same sentence and within subjectReach words, is someone other than
// the writer ("she says she wants to die", "my brother took an overdose").
func (s *Screener) aboutOthers(toks []token, start int) bool {
	for q := start - 1; q >= 0 && q >= start-subjectReach; q-- {
		if toks[q+1].brk&hardBreak != 0 {
			return false
		}
		id := toks[q].id
		if int(id) >= len(s.writer) {
			continue
		}
		if s.writer[id] {
			return false
		}
		if s.others[id] {
			return true
		}
	}
	return false
}
