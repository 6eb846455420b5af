package triage

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// shipped holds the rule files that ship with the package, one per
// language.
//
//go:embed rules/*.txt
var shipped embed.FS

// RuleFileExt is the extension of a rule file: Load reads every file with
// it at the root of its file system.
const RuleFileExt = ".txt"

var defaultScreener = sync.OnceValues(func() (*Screener, error) { return Load(nil) })

// Default returns the Screener of the shipped rules (rules/*.txt, English
// first). It is built once and shared; it is safe for concurrent use. The
// shipped rules are checked by the package's tests, so Default panics only
// if the package was built with a broken rule file.
func Default() *Screener {
	s, err := defaultScreener()
	if err != nil {
		panic(err)
	}
	return s
}

// Load returns a Screener of the shipped rules merged with every rule file
// (*.txt) at the root of fsys, read in name order: a service adds its own
// phrases, spellings, groups and languages without code, for example with
// Load(os.DirFS("/etc/confide/triage")). A nil fsys adds nothing. The first
// mistake in any file is returned as a *RuleError naming the file and the
// line.
func Load(fsys fs.FS) (*Screener, error) {
	files, err := readDir(shipped, "rules", "rules/")
	if err != nil {
		return nil, err
	}
	if fsys != nil {
		more, err := readDir(fsys, ".", "")
		if err != nil {
			return nil, err
		}
		files = append(files, more...)
	}
	return compile(files)
}

// Parse returns a Screener of the rules of r alone, without the shipped
// ones. A mistake is returned as a *RuleError naming the line.
func Parse(r io.Reader) (*Screener, error) {
	f, err := parseFile("", r)
	if err != nil {
		return nil, err
	}
	return compile([]*ruleFile{f})
}

// readDir parses the rule files of dir in fsys; prefix is put before their
// names in errors.
func readDir(fsys fs.FS, dir, prefix string) ([]*ruleFile, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("triage: reading the rule files: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), RuleFileExt) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if prefix == "rules/" { // the shipped English rules come first
		if i := slices.Index(names, "en"+RuleFileExt); i > 0 {
			names = append(append([]string{names[i]}, names[:i]...), names[i+1:]...)
		}
	}
	files := make([]*ruleFile, 0, len(names))
	for _, name := range names {
		f, err := readFile(fsys, path.Join(dir, name), prefix+name)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func readFile(fsys fs.FS, name, shown string) (*ruleFile, error) {
	r, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	defer r.Close()
	return parseFile(shown, r)
}
