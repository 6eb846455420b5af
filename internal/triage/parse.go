package triage

import (
	"bufio"
	"io"
	"strings"
)

// ruleFile is one rule file, read but not yet compiled.
type ruleFile struct {
	spellings []keyed  // [spellings]   written = meant
	negations []line   // [negation]    one phrase a line
	writer    []line   // [writer]      words for the writer
	others    []line   // [others]      words for someone else
	forms     []keyed  // [other forms] myself = herself, himself
	groups    []keyed  // [groups]      @name = member, member
	phrases   []phrase // [LEVEL CATEGORY] and [none]
}

// line is one line of a section.
type line struct {
	pos  position
	text string
}

// keyed is a "key = value" line.
type keyed struct {
	pos        position
	key, value string
}

// phrase is one line of a level section.
type phrase struct {
	pos      position
	level    Level
	category string
	text     string
}

type section int

const (
	noSection section = iota
	spellingsSection
	negationSection
	writerSection
	othersSection
	formsSection
	groupsSection
	phraseSection
)

var sectionNames = map[string]section{
	"spellings":   spellingsSection,
	"negation":    negationSection,
	"writer":      writerSection,
	"others":      othersSection,
	"other forms": formsSection,
	"groups":      groupsSection,
}

// maxLine is the longest line of a rule file, in bytes.
const maxLine = 64 << 10

// parseFile reads a rule file; name is used in errors.
func parseFile(name string, r io.Reader) (*ruleFile, error) {
	f := new(ruleFile)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	var (
		sec      section
		level    Level
		category string
		n        int
	)
	for sc.Scan() {
		n++
		pos := position{name, n}
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\uFEFF") // a byte-order mark
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "[") {
			var err error
			if sec, level, category, err = parseHeader(pos, text); err != nil {
				return nil, err
			}
			continue
		}
		switch sec {
		case noSection:
			return nil, pos.errorf("%q comes before any [section]; start the file with a heading such as [urgent plan]", text)
		case spellingsSection, formsSection, groupsSection:
			k, err := parseKeyed(pos, text, sec)
			if err != nil {
				return nil, err
			}
			switch sec {
			case spellingsSection:
				f.spellings = append(f.spellings, k)
			case formsSection:
				f.forms = append(f.forms, k)
			default:
				f.groups = append(f.groups, k)
			}
		case negationSection:
			f.negations = append(f.negations, line{pos, text})
		case writerSection:
			f.writer = append(f.writer, line{pos, text})
		case othersSection:
			f.others = append(f.others, line{pos, text})
		case phraseSection:
			f.phrases = append(f.phrases, phrase{pos, level, category, text})
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, position{name, n + 1}.errorf("the line is longer than %d bytes", maxLine)
		}
		return nil, &RuleError{File: name, Line: n + 1, Msg: "cannot read the file: " + err.Error()}
	}
	return f, nil
}

// parseHeader reads a section heading: [spellings], [negation], [writer],
// [others], [other forms], [groups], [none] or [LEVEL CATEGORY].
func parseHeader(pos position, text string) (section, Level, string, error) {
	if !strings.HasSuffix(text, "]") {
		return 0, 0, "", pos.errorf("the heading %q has no closing ]", text)
	}
	fields := strings.Fields(strings.ToLower(text[1 : len(text)-1]))
	name := strings.Join(fields, " ")
	if sec, ok := sectionNames[name]; ok {
		return sec, 0, "", nil
	}
	if len(fields) == 0 {
		return 0, 0, "", pos.errorf("the heading [] is empty")
	}
	level, err := ParseLevel(fields[0])
	if err != nil {
		return 0, 0, "", pos.errorf("unknown heading %s: use [spellings], [negation], [writer], [others], [other forms], [groups], [none], or a level and a category such as [urgent plan] or [concern self-harm]", text)
	}
	switch {
	case level == None && len(fields) <= 2:
		return phraseSection, None, "", nil // [none] or [none idioms]
	case level == None:
		return 0, 0, "", pos.errorf("the heading %s has more than one word after none", text)
	case len(fields) != 2:
		return 0, 0, "", pos.errorf("the heading %s needs a level and one category word, such as [%s plan]", text, fields[0])
	case !validCategory(fields[1]):
		return 0, 0, "", pos.errorf("the category %q may use only letters a-z, digits and -", fields[1])
	}
	return phraseSection, level, fields[1], nil
}

func validCategory(c string) bool {
	if c == "" || c[0] == '-' {
		return false
	}
	for _, r := range c {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// parseKeyed reads a "key = value" line.
func parseKeyed(pos position, text string, sec section) (keyed, error) {
	key, value, ok := strings.Cut(text, "=")
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	example := map[section]string{
		spellingsSection: "kms = kill myself",
		formsSection:     "myself = herself, himself",
		groupsSection:    "@pills = pills, tablets, paracetamol",
	}[sec]
	switch {
	case !ok:
		return keyed{}, pos.errorf("%q has no =; write it as %q", text, example)
	case key == "" || value == "":
		return keyed{}, pos.errorf("%q needs words on both sides of =, as in %q", text, example)
	case strings.ContainsAny(key, " \t"):
		return keyed{}, pos.errorf("%q has more than one word before =, as in %q", key, example)
	}
	if sec == groupsSection {
		name, ok := strings.CutPrefix(strings.ToLower(key), "@")
		if !ok || !validCategory(name) {
			return keyed{}, pos.errorf("a group's name is @ and letters a-z, digits or -, such as @pills; not %q", key)
		}
		key = name
	}
	return keyed{pos, key, value}, nil
}
