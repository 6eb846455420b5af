package triage

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadMergesServiceFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"local.txt": {Data: []byte(`
# A service's own phrases, added to the shipped ones.
[spellings]
zzkms = kill myself
[groups]
@pills = zzpillbrand
[urgent plan]
booked a one way ticket to the cliffs
[none]
kill myself laughing
`)},
		"cy.txt": {Data: []byte(`
# Welsh, a second language beside English.
[spellings]
dwi = i am
[concern ideation]
isio marw
`)},
		"notes.md":  {Data: []byte("not a rule file")},
		"sub/x.txt": {Data: []byte("[broken")},
	}
	s, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want Level
	}{
		{"I booked a one way ticket to the cliffs", Urgent}, // a new phrase
		{"zzkms", Concern},                      // a new spelling
		{"I took all my zzpillbrand", Urgent},   // a shipped group, extended
		{"dwi isio marw", Concern},              // another language
		{"I nearly kill myself laughing", None}, // a new idiom hides a shipped phrase
		{"I've taken all my tablets", Urgent},   // the shipped rules are still there
		{"this homework is killing me", None},
	}
	for _, tt := range tests {
		if got := s.Screen(tt.text); got.Level != tt.want {
			t.Errorf("Screen(%q) = %v, want %s", tt.text, got, tt.want)
		}
	}
	if Default().Screen("zzkms").Level != None {
		t.Error("Load changed the Default screener")
	}
}

func TestLoadNil(t *testing.T) {
	s, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Screen("I have the rope"); got.Level != Urgent {
		t.Errorf("Load(nil): %v", got)
	}
}

func TestLoadUnreadable(t *testing.T) {
	if _, err := Load(fstest.MapFS{}); err != nil {
		t.Errorf("Load(empty folder) = %v", err)
	}
	if _, err := Load(brokenFS{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Load(unreadable folder) = %v, want the reason", err)
	}
}

// brokenFS is a file system whose folder cannot be read.
type brokenFS struct{}

func (brokenFS) Open(string) (fs.File, error) { return nil, errors.New("disk on fire") }

// TestRuleErrors: every mistake in a rule file is a *RuleError that names
// the file and the line, in words a safeguarding lead can act on.
func TestRuleErrors(t *testing.T) {
	tests := []struct {
		name, file string
		line       int
		want       string // part of the message
	}{
		{"line before a section", "kill myself", 1, "before any [section]"},
		{"unknown heading", "[urgnt plan]\nkill myself", 1, "unknown heading"},
		{"heading not closed", "[urgent plan\nkill myself", 1, "no closing ]"},
		{"empty heading", "[]", 1, "empty"},
		{"level without category", "[urgent]\nkill myself", 1, "one category word"},
		{"bad category", "[urgent Plan!]\nkill myself", 1, "may use only"},
		{"two words after none", "[none a b]", 1, "more than one word"},
		{"spelling without =", "[spellings]\nkms kill myself", 2, "has no ="},
		{"spelling empty side", "[spellings]\nkms =", 2, "both sides"},
		{"spelling two words left", "[spellings]\nk m s = kill myself", 2, "more than one word"},
		{"spelling conflict", "[spellings]\nzzz = kill myself\nzzz = keep moving", 3, "already spelled"},
		{"spelling chain", "[spellings]\nzzz = kill myslef", 2, "itself spelled"},
		{"group without @", "[groups]\npills = pills", 2, "group's name"},
		{"unknown group", "[urgent act]\ntook @nosuch", 2, "unknown group @nosuch"},
		{"group refers to itself", "[groups]\n@a = x @a\n[urgent act]\n@a", 2, "refers to itself"},
		{"gap first", "[urgent act]\n... pills", 2, "starts with"},
		{"gap last", "[urgent act]\npills ...", 2, "ends with"},
		{"gap too long", "[urgent act]\ntook ...12 pills", 2, "not a gap"},
		{"gap not a number", "[urgent act]\ntook ...x pills", 2, "not a gap"},
		{"open bracket", "[urgent act]\ntook (all/loads pills", 2, "without its )"},
		{"close bracket", "[urgent act]\ntook all/loads) pills", 2, "without its ("},
		{"nested brackets", "[urgent act]\ntook ((all)) pills", 2, "inside brackets"},
		{"empty choice", "[urgent act]\ntook (all/) pills", 2, "empty choice"},
		{"empty word choice", "[urgent act]\ntook all/ pills", 2, "empty choice"},
		{"no letters", "[urgent act]\ntook !!! pills", 2, "no letters"},
		{"glued bracket", "[urgent act]\ntook(all) pills", 2, "put spaces"},
		{"too many forms", "[groups]\n@a = a b, c d, e f, g h, i j, k l, m n, o p, q r, s t\n[urgent act]\n@a @a @a @a @a", 4, "more than 10000 ways"},
		{"writer not one word", "[writer]\nim", 2, "single word"},
		{"form not one word", "[other forms]\nmyself = her-self", 2, "single word"},
		{"end first", "[urgent act]\n<end> pills", 2, "starts with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"local.txt": {Data: []byte(tt.file)}})
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("Load = %v, want a *RuleError", err)
			}
			if re.File != "local.txt" || re.Line != tt.line || !strings.Contains(re.Msg, tt.want) {
				t.Errorf("Load = %q; want local.txt line %d with %q", err, tt.line, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "triage: local.txt:") {
				t.Errorf("Error() = %q, want it to start with triage: local.txt:LINE", err)
			}
		})
	}
}

func TestParseErrorWithoutFileName(t *testing.T) {
	_, err := Parse(strings.NewReader("[urgent plan]\n\ntook (all pills"))
	if err == nil || err.Error() != "triage: line 3: a ( without its ) in \"took (all pills\"" {
		t.Errorf("Parse = %v", err)
	}
}

func TestParseLongLine(t *testing.T) {
	_, err := Parse(strings.NewReader("[urgent plan]\n" + strings.Repeat("a", maxLine+1)))
	var re *RuleError
	if !errors.As(err, &re) || re.Line != 2 {
		t.Errorf("Parse(long line) = %v, want an error at line 2", err)
	}
}

func TestParseComments(t *testing.T) {
	s, err := Parse(strings.NewReader("\uFEFF# note\n\n  [ Urgent  Plan ]  # heading\n  have the rope   # a phrase\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Screen("I have the rope"); got != (Result{Urgent, "plan"}) {
		t.Errorf("Screen = %v", got)
	}
}
