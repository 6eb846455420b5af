package webpolicy

import (
	"strings"
	"testing"
)

func TestContentSecurityPolicy(t *testing.T) {
	csp := ContentSecurityPolicy([]string{"https://api.example", "wss://ws.example"})
	for _, want := range []string{
		"connect-src 'self' https://api.example wss://ws.example",
		"script-src 'self'",
		"frame-ancestors 'none'",
		"object-src 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("policy %q allows %q", csp, bad)
		}
	}
}
