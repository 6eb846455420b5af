package triage

import (
	"unicode"
	"unicode/utf8"
)

// token is one word of a normalised message: the id of the word and the
// breaks that come before it.
type token struct {
	id  int32
	brk uint8
}

// Breaks between words. A phrase never spans a sentence break; negation and
// the subject of a phrase are looked for only within its clause.
const (
	softBreak uint8 = 1 << iota // a comma, colon, bracket, dash or "...": ends a clause
	hardBreak                   // ". ! ? ;" or a new line: ends a sentence
)

// unknown is the id of every word that no rule mentions.
const unknown int32 = 0

// bigNumber is the word a number of 10 or more is read as, so that a phrase
// can say "took 10 pills" and match "took 32 pills".
const bigNumber = "bignumber"

// maxWord is the longest word, in bytes, that is looked up; longer ones are
// unknown.
const maxWord = 64

// isApostrophe reports whether r is written for an apostrophe.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', '`', '´', 'ʼ', '′':
		return true
	}
	return false
}

// breakOf returns the break that the non-word rune r makes.
func breakOf(r rune) uint8 {
	switch r {
	case '.', '!', '?', ';', '\n', '\r', '¡', '¿', '。', '！', '？':
		return hardBreak
	case ',', ':', '(', ')', '[', ']', '{', '}', '"', '“', '”', '«', '»', '–', '—', '…', '|', '/', '\\':
		return softBreak
	}
	return 0
}

// words splits text into lower-case words and calls fn with each, and with
// the breaks seen since the word before. Apostrophes inside a word are kept
// as '\” (lookups try the word with and without them); dotted
// abbreviations ("o.d.", "k.m.s") are joined into one word; a run of dots
// is a soft break, one full stop a hard break. buf is reused for the word
// and returned.
func words(text string, buf []byte, fn func(w []byte, brk uint8)) []byte {
	var (
		brk   uint8 // breaks since the last word
		runes int   // letters in the current word
		abbr  bool  // the current word is joined from dotted letters
	)
	flush := func() {
		if len(buf) > 0 {
			fn(buf, brk)
			brk = 0
		}
		buf, runes, abbr = buf[:0], 0, false
	}
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			if c <= 'Z' && c >= 'A' {
				c += 'a' - 'A'
			}
			buf = append(buf, c) // the common case: an ASCII letter or digit
			runes++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			flush()
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && len(buf) > 0):
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			runes++
		case isApostrophe(r):
			if len(buf) > 0 {
				buf = append(buf, '\'')
			}
		case r == '.':
			if i < len(text) && text[i] == '.' { // an ellipsis
				for i < len(text) && text[i] == '.' {
					i++
				}
				flush()
				brk |= softBreak
				continue
			}
			next, n := utf8.DecodeRuneInString(text[i:])
			after, _ := utf8.DecodeRuneInString(text[i+n:])
			if (runes == 1 || abbr) && unicode.IsLetter(next) && !unicode.IsLetter(after) && !unicode.IsDigit(after) {
				abbr = true // "o.d" goes on as one word
				continue
			}
			wasAbbr := abbr
			flush()
			if !wasAbbr || !lowerFollows(text[i:]) {
				brk |= hardBreak // "o.d. last night" goes on; "o.d. Then" ends
			}
		default:
			flush()
			brk |= breakOf(r)
		}
	}
	flush()
	return buf
}

// lowerFollows reports whether the first letter after spaces in s is a
// lower-case letter.
func lowerFollows(s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\t' {
			continue
		}
		return unicode.IsLower(r)
	}
	return false
}

// stripApostrophes returns w without its apostrophes, in dst.
func stripApostrophes(dst, w []byte) []byte {
	dst = dst[:0]
	for _, b := range w {
		if b != '\'' {
			dst = append(dst, b)
		}
	}
	return dst
}

// squeeze writes w into dst with every run of three or more of the same
// letter cut to keep letters ("sooooo" → "soo" with keep 2, "so" with keep
// 1). It reports false, with dst unchanged, when w has no such run.
func squeeze(dst, w []byte, keep int) ([]byte, bool) {
	dst = dst[:0]
	found := false
	for i := 0; i < len(w); {
		r, n := utf8.DecodeRune(w[i:])
		run := 1
		for j := i + n; j < len(w); {
			r2, n2 := utf8.DecodeRune(w[j:])
			if r2 != r {
				break
			}
			run++
			j += n2
		}
		if run >= 3 {
			found = true
		}
		k := run
		if run >= 3 {
			k = keep
		}
		for range k {
			dst = append(dst, w[i:i+n]...)
		}
		i += run * n
	}
	return dst, found
}

// isBigNumber reports whether w is a whole number of 10 or more.
func isBigNumber(w []byte) bool {
	if len(w) == 0 {
		return false
	}
	for _, b := range w {
		if b < '0' || b > '9' {
			return false
		}
	}
	for len(w) > 1 && w[0] == '0' {
		w = w[1:]
	}
	return len(w) >= 2
}

// lookup returns the word ids that the written word w stands for: its own
// id, or the words of its spelling ("kms" → kill myself), trying w as
// written, then without apostrophes, then with repeated letters cut
// ("diiie" → die). A word no rule mentions is unknown.
func (s *Screener) lookup(w []byte, tmp *lookupBuf) []int32 {
	if len(w) > maxWord {
		return unknownWord
	}
	if ids, ok := s.vocab[string(w)]; ok {
		return ids
	}
	tmp.a = stripApostrophes(tmp.a, w)
	if len(tmp.a) != len(w) {
		if ids, ok := s.vocab[string(tmp.a)]; ok {
			return ids
		}
	}
	var found bool
	for keep := 2; keep >= 1; keep-- {
		if tmp.b, found = squeeze(tmp.b, tmp.a, keep); !found {
			break
		}
		if ids, ok := s.vocab[string(tmp.b)]; ok {
			return ids
		}
	}
	if isBigNumber(tmp.a) {
		return s.bigWord()
	}
	return unknownWord
}

var unknownWord = []int32{unknown}

// bigWord returns the ids of a number of 10 or more.
func (s *Screener) bigWord() []int32 {
	if ids, ok := s.vocab[bigNumber]; ok {
		return ids
	}
	return unknownWord
}

// lookupBuf holds the scratch space of lookup.
type lookupBuf struct{ word, a, b []byte }

// tokens appends the normalised words of text to toks.
func (s *Screener) tokens(text string, toks []token, tmp *lookupBuf) []token {
	tmp.word = words(text, tmp.word, func(w []byte, brk uint8) {
		for i, id := range s.lookup(w, tmp) {
			if i > 0 {
				brk = 0
			}
			toks = append(toks, token{id: id, brk: brk})
		}
	})
	return toks
}
