package triage

import "fmt"

// RuleError reports a mistake in a rule file: which file, which line and
// what is wrong, so that whoever edits the file can find and mend it.
type RuleError struct {
	File string // the file's name; empty for Parse
	Line int    // the line, counted from 1
	Msg  string // what is wrong, in plain words
}

// Error returns "triage: FILE:LINE: MSG" (or "triage: line LINE: MSG" when
// the file has no name).
func (e *RuleError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("triage: line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("triage: %s:%d: %s", e.File, e.Line, e.Msg)
}

// position is where a line of a rule file is.
type position struct {
	file string
	line int
}

func (p position) String() string { return fmt.Sprintf("%s:%d", p.file, p.line) }

func (p position) errorf(format string, args ...any) error {
	return &RuleError{File: p.file, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}
