package triage

import (
	"slices"
	"strconv"
	"strings"
)

// seq is one way of writing a phrase or part of one: words and gaps.
type seq []elem

// maxForms is the most ways one phrase may be written once its groups and
// choices are spelled out.
const maxForms = 10000

// Gaps: "..." skips up to defaultGap words, "...N" up to N (at most maxGap).
const (
	defaultGap = 3
	maxGap     = 9
)

// endMarker in a phrase stands for the end of a sentence or clause.
const endMarker = "<end>"

// compiler turns rule files into a Screener.
type compiler struct {
	vocab  map[string][]int32 // written word → ids, as Screener.vocab
	ids    map[string]int32   // normalised word → its id
	words  []string           // id → normalised word
	forms  map[int32][]int32
	groups map[string]*groupDef
	writer map[int32]bool
	others map[int32]bool
}

// groupDef is a group of phrases that rules name with @.
type groupDef struct {
	members []keyed
	state   int // 0 not compiled, 1 compiling, 2 compiled
	seqs    []seq
}

// compile builds a Screener from rule files, in order.
func compile(files []*ruleFile) (*Screener, error) {
	c := &compiler{
		vocab:  map[string][]int32{},
		ids:    map[string]int32{},
		words:  []string{""}, // id 0 is every unknown word
		forms:  map[int32][]int32{},
		groups: map[string]*groupDef{},
		writer: map[int32]bool{},
		others: map[int32]bool{},
	}
	c.intern(bigNumber)
	s := new(Screener)
	if err := c.spellings(files); err != nil {
		return nil, err
	}
	for _, f := range files {
		for _, l := range f.writer {
			if err := c.people(l, c.writer); err != nil {
				return nil, err
			}
		}
		for _, l := range f.others {
			if err := c.people(l, c.others); err != nil {
				return nil, err
			}
		}
		for _, k := range f.forms {
			if err := c.form(k); err != nil {
				return nil, err
			}
		}
		for _, k := range f.groups {
			g := c.groups[k.key]
			if g == nil {
				g = new(groupDef)
				c.groups[k.key] = g
			}
			g.members = append(g.members, k)
		}
	}
	for _, f := range files {
		for _, l := range f.negations {
			seqs, err := c.phrase(l.pos, l.text)
			if err != nil {
				return nil, err
			}
			for _, q := range seqs {
				s.neg = append(s.neg, rule{elems: q, src: l.pos.String()})
			}
		}
		for _, p := range f.phrases {
			seqs, err := c.phrase(p.pos, p.text)
			if err != nil {
				return nil, err
			}
			for _, q := range seqs {
				s.rules = append(s.rules, c.rule(q, p))
			}
		}
	}
	for i := range s.rules {
		s.rules[i].need = needed(s.rules[i].elems)
	}
	s.vocab = c.vocab
	s.names = c.words
	s.index = indexRules(s.rules, len(c.words))
	s.negIndex = indexRules(s.neg, len(c.words))
	s.writer = make([]bool, len(c.words))
	s.others = make([]bool, len(c.words))
	for id := range c.writer {
		s.writer[id] = true
	}
	for id := range c.others {
		s.others[id] = true
	}
	return s, nil
}

// intern returns the id of a normalised word, giving it one if it is new.
func (c *compiler) intern(w string) int32 {
	if id, ok := c.ids[w]; ok {
		return id
	}
	id := int32(len(c.words))
	c.words = append(c.words, w)
	c.ids[w] = id
	if _, ok := c.vocab[w]; !ok {
		c.vocab[w] = []int32{id}
	}
	return id
}

// spellings reads every [spellings] line: the word on the left stands for
// the words on the right wherever it is written, in messages and in rules.
func (c *compiler) spellings(files []*ruleFile) error {
	type spelling struct {
		pos  position
		to   []string
		text string
	}
	seen := map[string]spelling{}
	var order []string
	for _, f := range files {
		for _, k := range f.spellings {
			from := splitWords(k.key)
			if len(from) != 1 {
				return k.pos.errorf("%q is not one word; the left of = is one word as people write it", k.key)
			}
			to := splitWords(k.value)
			if len(to) == 0 {
				return k.pos.errorf("%q has no letters or digits", k.value)
			}
			for i, w := range to {
				to[i] = strings.ReplaceAll(w, "'", "")
			}
			key := from[0]
			if old, ok := seen[key]; ok {
				if !slices.Equal(old.to, to) {
					return k.pos.errorf("%q is already spelled as %q at %s", k.key, strings.Join(old.to, " "), old.pos)
				}
				continue
			}
			seen[key] = spelling{k.pos, to, k.value}
			order = append(order, key)
		}
	}
	for _, key := range order {
		sp := seen[key]
		for _, w := range sp.to {
			if next, ok := seen[w]; ok && w != key {
				return sp.pos.errorf("%q is itself spelled as %q (at %s); write the final words on the right of =", w, strings.Join(next.to, " "), next.pos)
			}
		}
	}
	for _, key := range order {
		sp := seen[key]
		ids := make([]int32, 0, len(sp.to))
		for _, w := range sp.to {
			ids = append(ids, c.intern(w))
		}
		c.vocab[key] = ids
	}
	return nil
}

// splitWords returns the lower-case words of s as messages are split, with
// apostrophes kept.
func splitWords(s string) []string {
	var out []string
	words(s, nil, func(w []byte, _ uint8) { out = append(out, string(w)) })
	return out
}

// wordIDs returns the ids of the words written w, as a message would be
// read: through [spellings], without apostrophes, numbers of 10 or more as
// one word.
func (c *compiler) wordIDs(w string) []int32 {
	var ids []int32
	for _, raw := range splitWords(w) {
		if v, ok := c.vocab[raw]; ok {
			ids = append(ids, v...)
			continue
		}
		stripped := strings.ReplaceAll(raw, "'", "")
		if stripped == "" {
			continue
		}
		if v, ok := c.vocab[stripped]; ok {
			ids = append(ids, v...)
			continue
		}
		if isBigNumber([]byte(stripped)) {
			stripped = bigNumber
		}
		ids = append(ids, c.intern(stripped))
	}
	return ids
}

// oneWord returns the id of w, which must be a single word once read.
func (c *compiler) oneWord(pos position, w string) (int32, error) {
	ids := c.wordIDs(w)
	if len(ids) != 1 {
		return 0, pos.errorf("%q must be a single word (it reads as %d words)", w, len(ids))
	}
	return ids[0], nil
}

// people reads a line of [writer] or [others]: words separated by commas
// or spaces.
func (c *compiler) people(l line, set map[int32]bool) error {
	for _, w := range strings.FieldsFunc(l.text, isListSep) {
		id, err := c.oneWord(l.pos, w)
		if err != nil {
			return err
		}
		set[id] = true
	}
	return nil
}

func isListSep(r rune) bool { return r == ',' || r == ' ' || r == '\t' }

// form reads a line of [other forms]: "myself = herself, himself".
func (c *compiler) form(k keyed) error {
	id, err := c.oneWord(k.pos, k.key)
	if err != nil {
		return err
	}
	for _, w := range strings.FieldsFunc(k.value, isListSep) {
		o, err := c.oneWord(k.pos, w)
		if err != nil {
			return err
		}
		if !slices.Contains(c.forms[id], o) {
			c.forms[id] = append(c.forms[id], o)
		}
	}
	return nil
}

// rule makes a compiled rule of one way of writing a phrase.
func (c *compiler) rule(q seq, p phrase) rule {
	r := rule{elems: q, level: p.level, category: p.category, src: p.pos.String()}
	for i := range r.elems {
		e := &r.elems[i]
		for _, id := range e.ids {
			for _, o := range c.forms[id] {
				if !slices.Contains(e.ids, o) && !slices.Contains(e.others, o) {
					e.others = append(e.others, o)
				}
			}
		}
	}
	return r
}

// phrase compiles a whole phrase (a rule or a negation): every way of
// writing it, each starting and ending with a word.
func (c *compiler) phrase(pos position, text string) ([]seq, error) {
	seqs, err := c.sequence(pos, text)
	if err != nil {
		return nil, err
	}
	for _, q := range seqs {
		if len(q) == 0 {
			return nil, pos.errorf("%q has no words to look for", text)
		}
		if q[0].ids == nil {
			return nil, pos.errorf("%q starts with ... or <end>; a phrase starts with a word", text)
		}
		if last := q[len(q)-1]; last.ids == nil && !last.end {
			return nil, pos.errorf("%q ends with ...; a gap goes between words", text)
		}
	}
	return seqs, nil
}

// sequence compiles text: items separated by spaces, each a word, a/b
// choice of words, (choice/of phrases), @group or ... gap.
func (c *compiler) sequence(pos position, text string) ([]seq, error) {
	items, err := splitItems(pos, text)
	if err != nil {
		return nil, err
	}
	out := []seq{{}}
	for _, it := range items {
		alts, err := c.item(pos, it)
		if err != nil {
			return nil, err
		}
		out = product(out, alts)
		if len(out) > maxForms {
			return nil, pos.errorf("%q can be written in more than %d ways; split it into several lines or use ... gaps", text, maxForms)
		}
	}
	return out, nil
}

// splitItems splits a phrase at spaces outside brackets.
func splitItems(pos position, text string) ([]string, error) {
	var items []string
	depth, start := 0, -1
	for i, r := range text {
		switch {
		case r == '(':
			if depth > 0 {
				return nil, pos.errorf("brackets inside brackets in %q; use a @group instead", text)
			}
			depth++
		case r == ')':
			if depth == 0 {
				return nil, pos.errorf("a ) without its ( in %q", text)
			}
			depth--
		}
		space := r == ' ' || r == '\t'
		if space && depth == 0 {
			if start >= 0 {
				items = append(items, text[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if depth != 0 {
		return nil, pos.errorf("a ( without its ) in %q", text)
	}
	if start >= 0 {
		items = append(items, text[start:])
	}
	return items, nil
}

// item compiles one item of a phrase into the ways it can be written.
func (c *compiler) item(pos position, it string) ([]seq, error) {
	if base, ok := strings.CutSuffix(it, "?"); ok && base != "" && !strings.HasPrefix(base, ".") {
		alts, err := c.item(pos, base)
		if err != nil {
			return nil, err
		}
		return append(alts, seq{}), nil // or nothing at all
	}
	switch {
	case strings.EqualFold(it, endMarker):
		return []seq{{{end: true}}}, nil
	case strings.HasPrefix(it, "...") || strings.HasPrefix(it, "…"):
		n := strings.TrimLeft(strings.TrimPrefix(it, "…"), ".")
		gap := defaultGap
		if n != "" {
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 || v > maxGap {
				return nil, pos.errorf("%q is not a gap: write ... (up to %d words) or ...N with N from 1 to %d", it, defaultGap, maxGap)
			}
			gap = v
		}
		return []seq{{{gap: gap}}}, nil
	case strings.HasPrefix(it, "("):
		if !strings.HasSuffix(it, ")") {
			return nil, pos.errorf("%q: put a space after the closing )", it)
		}
		var alts []seq
		for _, a := range strings.Split(it[1:len(it)-1], "/") {
			if strings.TrimSpace(a) == "" {
				return nil, pos.errorf("%q has an empty choice", it)
			}
			seqs, err := c.sequence(pos, a)
			if err != nil {
				return nil, err
			}
			alts = append(alts, seqs...)
		}
		return mergeAlts(alts), nil
	case strings.HasPrefix(it, "@"):
		return c.group(pos, strings.ToLower(it[1:]))
	case strings.ContainsAny(it, "()@<>"):
		return nil, pos.errorf("%q mixes brackets, @ or <end> into a word; put spaces around them", it)
	}
	var alts []seq
	for _, w := range strings.Split(it, "/") {
		if w == "" {
			return nil, pos.errorf("%q has an empty choice around /", it)
		}
		ids := c.wordIDs(w)
		if len(ids) == 0 {
			return nil, pos.errorf("%q has no letters or digits to look for", w)
		}
		q := make(seq, len(ids))
		for i, id := range ids {
			q[i] = elem{ids: []int32{id}}
		}
		alts = append(alts, q)
	}
	return mergeAlts(alts), nil
}

// group returns the ways of writing the members of @name.
func (c *compiler) group(pos position, name string) ([]seq, error) {
	g := c.groups[name]
	switch {
	case g == nil:
		return nil, pos.errorf("unknown group @%s; define it in [groups] as @%s = ...", name, name)
	case g.state == 1:
		return nil, pos.errorf("the group @%s refers to itself", name)
	case g.state == 2:
		return g.seqs, nil
	}
	g.state = 1
	var alts []seq
	for _, m := range g.members {
		for _, text := range strings.Split(m.value, ",") {
			if text = strings.TrimSpace(text); text == "" {
				continue
			}
			seqs, err := c.sequence(m.pos, text)
			if err != nil {
				return nil, err
			}
			alts = append(alts, seqs...)
		}
	}
	g.seqs, g.state = mergeAlts(alts), 2
	return g.seqs, nil
}

// mergeAlts folds the one-word choices into a single position, keeping the
// longer ones apart.
func mergeAlts(alts []seq) []seq {
	var single elem
	var out []seq
	for _, q := range alts {
		if len(q) == 1 && q[0].ids != nil && q[0].others == nil {
			for _, id := range q[0].ids {
				if !slices.Contains(single.ids, id) {
					single.ids = append(single.ids, id)
				}
			}
			continue
		}
		out = append(out, q)
	}
	if single.ids != nil {
		out = append([]seq{{single}}, out...)
	}
	return out
}

// product returns every a followed by every b.
func product(a, b []seq) []seq {
	out := make([]seq, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			q := make(seq, 0, len(x)+len(y))
			q = append(q, x...)
			q = append(q, y...)
			out = append(out, q)
		}
	}
	return out
}

// needed returns the words of the last word position of a phrase after its
// first (any one of which the message must hold for the phrase to match),
// or nil when the phrase has one word position.
func needed(elems []elem) []int32 {
	for i := len(elems) - 1; i > 0; i-- {
		if e := elems[i]; e.ids != nil {
			return append(slices.Clone(e.ids), e.others...)
		}
	}
	return nil
}

// indexRules lists, for each word id, the rules whose first word it can be.
func indexRules(rules []rule, n int) [][]int32 {
	index := make([][]int32, n)
	for i, r := range rules {
		first := r.elems[0]
		for _, id := range first.ids {
			index[id] = append(index[id], int32(i))
		}
		for _, id := range first.others {
			if !slices.Contains(first.ids, id) {
				index[id] = append(index[id], int32(i))
			}
		}
	}
	return index
}
