package textlist_test

import (
	"slices"
	"testing"

	"github.com/confidechat/confide/internal/textlist"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"a", []string{"a"}},
		{"a, b,,c ", []string{"a", "b", "c"}},
		{" https://x.example ,https://y.example", []string{"https://x.example", "https://y.example"}},
	}
	for _, tt := range tests {
		if got := textlist.Split(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
