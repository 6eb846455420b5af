package webconfig_test

import (
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/webconfig"
)

func TestThemeValidate(t *testing.T) {
	tests := []struct {
		name    string
		theme   webconfig.Theme
		wantErr string
	}{
		{name: "empty", theme: webconfig.Theme{}},
		{name: "full", theme: webconfig.Theme{Name: "N", Logo: "https://x.example/l.svg", Accent: "#0f766e", Welcome: "W", Hours: "H",
			Crisis: []webconfig.CrisisLine{{Label: "Emergency", Number: "999"}, {Label: "Web", URL: "https://x.example/help"}}}},
		{name: "short colour", theme: webconfig.Theme{Accent: "#abc"}, wantErr: "accent"},
		{name: "named colour", theme: webconfig.Theme{Accent: "teal"}, wantErr: "accent"},
		{name: "http logo", theme: webconfig.Theme{Logo: "http://x.example/l.svg"}, wantErr: "logo"},
		{name: "no label", theme: webconfig.Theme{Crisis: []webconfig.CrisisLine{{Number: "999"}}}, wantErr: "label"},
		{name: "no number or url", theme: webconfig.Theme{Crisis: []webconfig.CrisisLine{{Label: "L"}}}, wantErr: "neither"},
		{name: "javascript url", theme: webconfig.Theme{Crisis: []webconfig.CrisisLine{{Label: "L", URL: "javascript:alert(1)"}}}, wantErr: "https"},
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
