package webconfig_test

import (
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/webconfig"
)

// TestParseCannedReplies: a service's canned replies are read from JSON,
// trimmed, and refused with a reason when they would not fit.
func TestParseCannedReplies(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []webconfig.CannedReply
		wantErr string
	}{
		{"Two", `[{"label":" Hello ","text":"Hi, I'm here."},{"label":"Bye","text":"Take care."}]`,
			[]webconfig.CannedReply{{Label: "Hello", Text: "Hi, I'm here."}, {Label: "Bye", Text: "Take care."}}, ""},
		{"None", `[]`, []webconfig.CannedReply{}, ""},
		{"NotAnArray", `{"label":"x"}`, nil, "JSON array"},
		{"AnUnknownField", `[{"label":"x","text":"y","colour":"red"}]`, nil, "JSON array"},
		{"NoLabel", `[{"label":" ","text":"y"}]`, nil, "label"},
		{"LongLabel", `[{"label":"` + strings.Repeat("x", 61) + `","text":"y"}]`, nil, "label"},
		{"NoText", `[{"label":"x","text":""}]`, nil, "text"},
		{"TextOverTheMessageLimit", `[{"label":"x","text":"` + strings.Repeat("y", 21) + `"}]`, nil, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webconfig.ParseCannedReplies(tt.in, 20)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("reply %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestDefaultCannedRepliesMarkTheirExamples: the local stack's crisis
// lines are placeholders, and say so in the label and the text.
func TestDefaultCannedRepliesMarkTheirExamples(t *testing.T) {
	found := false
	for _, r := range webconfig.DefaultCannedReplies() {
		if r.Label == "" || r.Text == "" {
			t.Errorf("reply %+v is incomplete", r)
		}
		if strings.Contains(strings.ToLower(r.Label), "crisis") {
			found = true
			if !strings.Contains(r.Label, "EXAMPLE") || !strings.Contains(r.Text, "EXAMPLE") {
				t.Errorf("crisis reply %+v does not mark its numbers as examples", r)
			}
		}
	}
	if !found {
		t.Error("no crisis lines among the defaults")
	}
}
