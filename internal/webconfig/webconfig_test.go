package webconfig

import (
	"strings"
	"testing"
)

func TestThemeValidate(t *testing.T) {
	tests := []struct {
		name    string
		theme   Theme
		wantErr string
	}{
		{name: "empty", theme: Theme{}},
		{name: "full", theme: Theme{Name: "N", Logo: "https://x.example/l.svg", Accent: "#0f766e", Welcome: "W", Hours: "H",
			Crisis: []CrisisLine{{Label: "Emergency", Number: "999"}, {Label: "Web", URL: "https://x.example/help"}}}},
		{name: "short colour", theme: Theme{Accent: "#abc"}, wantErr: "accent"},
		{name: "named colour", theme: Theme{Accent: "teal"}, wantErr: "accent"},
		{name: "http logo", theme: Theme{Logo: "http://x.example/l.svg"}, wantErr: "logo"},
		{name: "no label", theme: Theme{Crisis: []CrisisLine{{Number: "999"}}}, wantErr: "label"},
		{name: "no number or url", theme: Theme{Crisis: []CrisisLine{{Label: "L"}}}, wantErr: "neither"},
		{name: "javascript url", theme: Theme{Crisis: []CrisisLine{{Label: "L", URL: "javascript:alert(1)"}}}, wantErr: "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.theme.Validate()
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate() = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}
