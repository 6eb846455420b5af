package triage

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var devOnly = flag.Bool("devonly", false, "TestEvaluation reads eval_dev.tsv alone (for tuning the rules without seeing the holdout)")

var showMisses = flag.Bool("misses", false, "TestEvaluation logs every phrase screened at the wrong level, and the rule that raised it")

// The thresholds TestEvaluation holds the combined set to.
const (
	minUrgentRecall = 0.95
	maxFalseAlarm   = 0.03
)

// example is one labelled phrase of an evaluation file.
type example struct {
	line  int
	want  Level
	text  string
	file  string
	found Result
	rule  int32
}

// readExamples reads a level<TAB>phrase file; # lines are notes.
func readExamples(t *testing.T, name string) []example {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		level, phrase, ok := strings.Cut(text, "\t")
		want, err := ParseLevel(level)
		if !ok || err != nil || strings.TrimSpace(phrase) == "" {
			t.Fatalf("%s:%d: want level<TAB>phrase, got %q", name, n, text)
		}
		out = append(out, example{line: n, want: want, text: phrase, file: name})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scores are the figures of one evaluation set.
type scores struct {
	n         int
	confusion [3][3]int // [want][got]
}

func (s *scores) add(want, got Level) {
	s.n++
	s.confusion[want][got]++
}

// precision is the share of phrases screened at l that are labelled l.
func (s *scores) precision(l Level) float64 {
	got := 0
	for w := range 3 {
		got += s.confusion[w][l]
	}
	return ratio(s.confusion[l][l], got)
}

// recall is the share of phrases labelled l that are screened at l.
func (s *scores) recall(l Level) float64 {
	want := 0
	for g := range 3 {
		want += s.confusion[l][g]
	}
	return ratio(s.confusion[l][l], want)
}

// falseAlarm is the share of none phrases screened concern or urgent.
func (s *scores) falseAlarm() float64 {
	c := s.confusion[None]
	return ratio(c[Concern]+c[Urgent], c[None]+c[Concern]+c[Urgent])
}

// urgentAsNone is the share of urgent phrases screened none.
func (s *scores) urgentAsNone() float64 {
	c := s.confusion[Urgent]
	return ratio(c[None], c[None]+c[Concern]+c[Urgent])
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *scores) report(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d phrases\n", name, s.n)
	for _, l := range []Level{Urgent, Concern, None} {
		fmt.Fprintf(&b, "  %-8s precision %.3f  recall %.3f  (labelled %d)\n", l, s.precision(l), s.recall(l),
			s.confusion[l][None]+s.confusion[l][Concern]+s.confusion[l][Urgent])
	}
	fmt.Fprintf(&b, "  false alarms on none (concern or urgent): %.3f; urgent screened none: %.3f\n", s.falseAlarm(), s.urgentAsNone())
	fmt.Fprintf(&b, "  confusion (rows labelled urgent/concern/none, columns screened urgent/concern/none):\n")
	for _, w := range []Level{Urgent, Concern, None} {
		c := s.confusion[w]
		fmt.Fprintf(&b, "    %-8s %4d %4d %4d\n", w, c[Urgent], c[Concern], c[None])
	}
	return b.String()
}

// TestEvaluation screens the labelled phrases of testdata/eval_dev.tsv
// (the rules are written against it) and testdata/eval_holdout.tsv (never
// tuned against), logs precision and recall per level for each and for
// both together, and fails when the combined urgent recall falls below
// minUrgentRecall or the false alarms on none rise above maxFalseAlarm.
// go test -v -run TestEvaluation ./internal/triage/ -args -misses lists
// every phrase screened at the wrong level.
func TestEvaluation(t *testing.T) {
	s := Default()
	var all scores
	names := []string{"eval_dev.tsv", "eval_holdout.tsv"}
	if *devOnly {
		names = names[:1]
	}
	for _, name := range names {
		var sc scores
		for _, ex := range readExamples(t, name) {
			ex.found, ex.rule = s.screen(ex.text)
			sc.add(ex.want, ex.found.Level)
			all.add(ex.want, ex.found.Level)
			if *showMisses && ex.found.Level != ex.want {
				src := "no rule"
				if ex.rule >= 0 {
					src = s.rules[ex.rule].src
				}
				t.Logf("%s:%d: want %s, got %s/%s (%s): %s", name, ex.line, ex.want, ex.found.Level, ex.found.Category, src, ex.text)
			}
		}
		t.Log("\n" + sc.report(name))
	}
	if *devOnly {
		return
	}
	t.Log("\n" + all.report("combined"))
	if all.n < 400 {
		t.Errorf("the evaluation sets hold %d phrases; want at least 400", all.n)
	}
	if r := all.recall(Urgent); r < minUrgentRecall {
		t.Errorf("combined urgent recall %.3f < %.2f", r, minUrgentRecall)
	}
	if fa := all.falseAlarm(); fa > maxFalseAlarm {
		t.Errorf("combined false-alarm rate on none %.3f > %.2f", fa, maxFalseAlarm)
	}
}
