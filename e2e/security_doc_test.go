package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// checklistDoc maps every item of the seed checklist to what proves it.
const checklistDoc = "../docs/checklist.md"

// seedChecklist is the customer's checklist, kept verbatim in the repository.
const seedChecklist = "../docs/seed-checklist.md"

// testFunc matches the declaration of a test or fuzz function.
var testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Z0-9]\w*)\(`)

// citedTest matches a test or fuzz function named in backticks, with or
// without a /case after it.
var citedTest = regexp.MustCompile("`((?:Test|Fuzz)[A-Z0-9]\\w*)(?:/([^`]*))?`")

// TestSecurityDocCitesOnlyTestsThatExist: every test docs/security.md and
// docs/checklist.md name as the proof of a protection or of a seed item is
// a test or fuzz function of this repository, and every case they name
// after a slash is a quoted name in the test files (a contract suite's
// included), so neither document can go on citing a test that was renamed
// or removed.
func TestSecurityDocCitesOnlyTestsThatExist(t *testing.T) {
	defined, sources := testSources(t)
	for _, doc := range []string{securityDoc, checklistDoc} {
		t.Run(filepath.Base(doc), func(t *testing.T) {
			text, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			cited := citedTest.FindAllStringSubmatch(string(text), -1)
			if len(cited) == 0 {
				t.Fatalf("%s cites no test", doc)
			}
			for _, m := range cited {
				if !defined[m[1]] {
					t.Errorf("%s cites %s, which no _test.go file defines", doc, m[1])
				}
				// A case of a case (HTTP/AMegabyteBody) is named by its last part.
				c := m[2][strings.LastIndex(m[2], "/")+1:]
				if c != "" && !strings.Contains(sources, `"`+c+`"`) {
					t.Errorf("%s cites the case %s/%s, which no _test.go file names", doc, m[1], c)
				}
			}
		})
	}
}

// suites are the packages of test code that other packages' tests run (a
// contract suite), which therefore lives outside _test.go files: their
// cases count as named in the test files.
var suites = []string{"../internal/chat/storetest"}

// testSources reads every _test.go file of the repository's Go code, and
// every Go file of the suites: the test and fuzz functions they define, and
// their text.
func testSources(t *testing.T) (defined map[string]bool, sources string) {
	t.Helper()
	defined = map[string]bool{}
	var all strings.Builder
	for _, dir := range []string{"../internal", "../e2e", "../infra", "../functions", "../cmd"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "cdk.out" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			suite := slices.Contains(suites, filepath.ToSlash(filepath.Dir(path))) && strings.HasSuffix(path, ".go")
			if d.IsDir() || !(strings.HasSuffix(path, "_test.go") || suite) {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			all.Write(src)
			for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
				defined[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", dir, err)
		}
	}
	return defined, all.String()
}

// seedItem is one checklist item of the seed.
type seedItem struct {
	line    int
	text    string // as written, without its list mark
	norm    string // normalized for matching
	section string // its nearest heading, normalized
	rows    []int  // the lines of docs/checklist.md that map it
}

var (
	heading    = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
	topItem    = regexp.MustCompile(`^(?:-|\d+\.)\s+(.*)$`)
	nestedItem = regexp.MustCompile(`^\s+-\s+(.*)$`)
	listMark   = regexp.MustCompile(`^(?:✅|\[ \])\s*`)
	quoted     = regexp.MustCompile(`^"([^"]+)"`)
	noTest     = regexp.MustCompile(`no test: \S`)
)

// normalize is how seed items, the fragments quoting them and headings are
// compared: without markdown emphasis, backticks and the status marks,
// white space collapsed, lower case.
func normalize(s string) string {
	s = listMark.ReplaceAllString(strings.TrimSpace(s), "")
	s = strings.NewReplacer("**", "", "`", "").Replace(s)
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// normalizeHeading is normalize without anything outside ASCII, so the
// seed's emoji headings (garbled or not) match plain ones.
func normalizeHeading(s string) string {
	return normalize(strings.Map(func(r rune) rune {
		if r > 127 {
			return -1
		}
		return r
	}, s))
}

// seedItems reads the checklist items of the seed: every list line (a
// "- ", "- ✅ ", "- [ ] " or "1. " line) that has no sub-items, and every
// sub-item (an indented "- " line). A group line such as "1. **Principle of
// Least Privilege**" is not an item, its sub-items are; a sub-item that
// starts with bold ("- **Reason**: …") annotates its parent and is no item.
func seedItems(t *testing.T, text string) []*seedItem {
	t.Helper()
	var items []*seedItem
	var parent *seedItem
	section := ""
	for i, line := range strings.Split(text, "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			section, parent = normalizeHeading(m[2]), nil
			continue
		}
		if m := nestedItem.FindStringSubmatch(line); m != nil && parent != nil {
			if strings.HasPrefix(m[1], "**") {
				continue
			}
			if len(items) > 0 && items[len(items)-1] == parent {
				items = items[:len(items)-1] // a group, not an item
			}
			items = append(items, &seedItem{line: i + 1, text: m[1], norm: normalize(m[1]), section: section})
			continue
		}
		if m := topItem.FindStringSubmatch(line); m != nil {
			parent = &seedItem{line: i + 1, text: m[1], norm: normalize(m[1]), section: section}
			items = append(items, parent)
		}
	}
	return items
}

// TestChecklistMapsEverySeedItem: docs/checklist.md has one row for every
// checklist item of docs/seed-checklist.md (seedItems says what an item
// is), and every row says what proves it.
//
// The rule that ties a row to its item: the row's first cell begins with a
// fragment of the item in double quotes ("Empty messages rejected"). After
// normalizing both (no list mark, no ** or backticks, white space collapsed,
// lower case), the fragment must occur in exactly one item, and the row
// must sit under a heading of docs/checklist.md equal to the item's nearest
// heading in the seed (compared without emoji and markup, at any level
// above the row). Each item must have exactly one row. The last cell must
// cite a test in backticks (`TestName`, which
// TestSecurityDocCitesOnlyTestsThatExist checks exists) or say
// "no test: " and why.
func TestChecklistMapsEverySeedItem(t *testing.T) {
	seed, err := os.ReadFile(seedChecklist)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(checklistDoc)
	if err != nil {
		t.Fatal(err)
	}
	items := seedItems(t, string(seed))
	if len(items) == 0 {
		t.Fatalf("%s holds no checklist item", seedChecklist)
	}

	var headings [6]string // the headings above the current line, by level
	inTable := false
	for i, line := range strings.Split(string(doc), "\n") {
		at := fmt.Sprintf("%s:%d", filepath.Base(checklistDoc), i+1)
		if m := heading.FindStringSubmatch(line); m != nil {
			level := len(m[1]) - 1
			headings[level] = normalizeHeading(m[2])
			for l := level + 1; l < len(headings); l++ {
				headings[l] = ""
			}
			continue
		}
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if strings.TrimSpace(cells[0]) == "Seed item" {
			inTable = true
			continue
		}
		if !inTable || strings.HasPrefix(line, "|---") {
			continue
		}
		if len(cells) != 3 {
			t.Errorf("%s: a row of %d cells, want 3 (seed item, in Confide, proven by)", at, len(cells))
			continue
		}
		if proof := cells[2]; !citedTest.MatchString(proof) && !noTest.MatchString(proof) {
			t.Errorf("%s: the row cites no test and says no \"no test: <reason>\"", at)
		}
		q := quoted.FindStringSubmatch(strings.TrimSpace(cells[0]))
		if q == nil {
			t.Errorf("%s: the first cell does not begin with a quoted fragment of a seed item: %s", at, strings.TrimSpace(cells[0]))
			continue
		}
		fragment := normalize(q[1])
		var matched []*seedItem
		for _, it := range items {
			if strings.Contains(it.norm, fragment) {
				matched = append(matched, it)
			}
		}
		switch len(matched) {
		case 0:
			t.Errorf("%s: %q quotes no item of the seed", at, q[1])
			continue
		case 1:
		default:
			var lines []string
			for _, it := range matched {
				lines = append(lines, fmt.Sprint(it.line))
			}
			t.Errorf("%s: %q quotes %d items of the seed (lines %s): quote more of the one meant", at, q[1], len(matched), strings.Join(lines, ", "))
			continue
		}
		it := matched[0]
		if !slices.Contains(headings[:], it.section) {
			t.Errorf("%s: %q is under %q in the seed, but this row is not under that heading", at, q[1], it.section)
		}
		it.rows = append(it.rows, i+1)
	}

	for _, it := range items {
		switch len(it.rows) {
		case 1:
		case 0:
			t.Errorf("seed item %q (%s:%d, under %q) has no row in %s", it.text, filepath.Base(seedChecklist), it.line, it.section, checklistDoc)
		default:
			t.Errorf("seed item %q (%s:%d) has %d rows (lines %v), want one", it.text, filepath.Base(seedChecklist), it.line, len(it.rows), it.rows)
		}
	}
	t.Logf("%d seed items in %s", len(items), seedChecklist)
}
