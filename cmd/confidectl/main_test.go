package main

import (
	"flag"
	"slices"
	"testing"
)

func TestParseInterspersedTakesFlagsAfterArguments(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		wantPos   []string
		wantPass  string
		wantStaff bool
	}{
		{"flags after", []string{"sam", "--password", "p", "--staff"}, []string{"sam"}, "p", true},
		{"flags before", []string{"--staff", "--password=p", "sam"}, []string{"sam"}, "p", true},
		{"no flags", []string{"sam"}, []string{"sam"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			pass := fs.String("password", "", "")
			staff := fs.Bool("staff", false, "")
			pos, err := parseInterspersed(fs, tc.args)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !slices.Equal(pos, tc.wantPos) || *pass != tc.wantPass || *staff != tc.wantStaff {
				t.Errorf("got %v %q %t, want %v %q %t", pos, *pass, *staff, tc.wantPos, tc.wantPass, tc.wantStaff)
			}
		})
	}
}

func TestRunRefusesAWSWithoutTable(t *testing.T) {
	if err := run(t.Context(), []string{"--user-pool-id", "p", "staff", "list"}); err == nil {
		t.Error("run with --user-pool-id and no --table: got no error")
	}
}
