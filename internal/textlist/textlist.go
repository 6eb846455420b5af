// Package textlist reads the comma-separated lists that settings are
// written as: environment variables, CDK context values, the local stack's
// fault flags.
package textlist

import "strings"

// Split returns the items of a comma-separated list, each trimmed of white
// space, leaving out empty ones: "a, b,,c " is [a b c], "" is nil.
func Split(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
