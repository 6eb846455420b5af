// Package webpolicy is the Content-Security-Policy of Confide's pages (the
// widget's files, its demo host page and the staff dashboard), written once
// for the stack's CloudFront distribution and the local stack's web server,
// so the browser tests run under the policy production serves.
package webpolicy

import "strings"

// ContentSecurityPolicy allows the pages their own scripts, styles and
// images, and connections to connectSources only (the HTTP API, the
// WebSocket API and Cognito); nothing may frame the pages.
func ContentSecurityPolicy(connectSources []string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"connect-src " + strings.Join(append([]string{"'self'"}, connectSources...), " "),
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"object-src 'none'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"form-action 'self'",
	}, "; ")
}

// PermissionsPolicy turns off the browser features Confide never uses.
const PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=()"
