package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// testFunc matches the declaration of a test or fuzz function.
var testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Z0-9]\w*)\(`)

// citedTest matches a test or fuzz function named in backticks, with or
// without a /case after it.
var citedTest = regexp.MustCompile("`((?:Test|Fuzz)[A-Z0-9]\\w*)(?:/([^`]*))?`")

// TestSecurityDocCitesOnlyTestsThatExist: every test docs/security.md
// names as the proof of a protection is a test or fuzz function of this
// repository, and every case it names after a slash is a quoted name in
// the test files, so the document cannot go on citing a test that was
// renamed or removed.
func TestSecurityDocCitesOnlyTestsThatExist(t *testing.T) {
	doc, err := os.ReadFile(securityDoc)
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	var sources strings.Builder
	for _, dir := range []string{"../internal", "../e2e", "../infra", "../functions", "../cmd"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "cdk.out" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources.Write(src)
			for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
				defined[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", dir, err)
		}
	}
	cited := citedTest.FindAllStringSubmatch(string(doc), -1)
	if len(cited) == 0 {
		t.Fatalf("%s cites no test", securityDoc)
	}
	for _, m := range cited {
		if !defined[m[1]] {
			t.Errorf("%s cites %s, which no _test.go file defines", securityDoc, m[1])
		}
		// A case of a case (HTTP/AMegabyteBody) is named by its last part.
		c := m[2][strings.LastIndex(m[2], "/")+1:]
		if c != "" && !strings.Contains(sources.String(), `"`+c+`"`) {
			t.Errorf("%s cites the case %s/%s, which no _test.go file names", securityDoc, m[1], c)
		}
	}
}
