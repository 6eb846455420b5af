package triage_test

import (
	"testing"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/triage"
)

// TestForChat: the domain gets the engine's level by its protocol name and
// the rule's category, for each level.
func TestForChat(t *testing.T) {
	s := triage.DefaultForChat()
	tests := []struct {
		text string
		want chat.RiskLevel
	}{
		{"I've taken all my tablets", chat.RiskUrgent},
		{"I cut myself again last night", chat.RiskConcern},
		{"this homework is killing me", chat.RiskNone},
	}
	for _, tt := range tests {
		t.Run(string(tt.want), func(t *testing.T) {
			got := s.Screen(tt.text)
			if got.Level != tt.want || !got.Level.Valid() {
				t.Errorf("Screen(%q) = %+v, want level %s", tt.text, got, tt.want)
			}
			if tt.want != chat.RiskNone && got.Category == "" {
				t.Errorf("Screen(%q) has no category", tt.text)
			}
		})
	}
}
