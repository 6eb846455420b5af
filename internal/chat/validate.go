package chat

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// NormalizeBody trims white space from a message body and checks it: valid
// UTF-8 without NUL characters, not empty, at most max characters.
func NormalizeBody(body string, max int) (string, error) {
	if !utf8.ValidString(body) || strings.ContainsRune(body, 0) {
		return "", BadRequest("The message contains characters that cannot be sent.")
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return "", Errorf(CodeEmptyMessage, "The message is empty.")
	}
	if n := utf8.RuneCountInString(body); n > max {
		return "", Errorf(CodeMessageTooLong, "The message is %d characters long; the most is %d.", n, max)
	}
	return body, nil
}

// maxClientMessageID is the longest clientMessageId accepted.
const maxClientMessageID = 128

var clientMessageIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:\-]+$`)

// ValidClientMessageID checks a client's idempotency key.
func ValidClientMessageID(id string) error {
	if id == "" || len(id) > maxClientMessageID || !clientMessageIDPattern.MatchString(id) {
		return BadRequest("clientMessageId must be 1 to %d letters, digits or ._:- characters.", maxClientMessageID)
	}
	return nil
}

var idPattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// ValidID reports whether id has the shape of a Confide id (a ULID).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// maxComment is the longest feedback comment, in characters.
const maxComment = 2000

func normalizeComment(c string) (string, error) {
	if !utf8.ValidString(c) || strings.ContainsRune(c, 0) {
		return "", BadRequest("The comment contains characters that cannot be sent.")
	}
	c = strings.TrimSpace(c)
	if utf8.RuneCountInString(c) > maxComment {
		return "", BadRequest("The comment is longer than %d characters.", maxComment)
	}
	return c, nil
}

// maxDisplayName is the longest display name, in characters.
const maxDisplayName = 40

// displayNamePattern is what a display name may hold: letters (with their
// accents), spaces, apostrophes, hyphens and full stops.
var displayNamePattern = regexp.MustCompile(`^[\p{L}\p{M}' .\-]+$`)

// NormalizeDisplayName trims a display name, folds runs of white space to
// one space, and checks it: 1 to 40 characters of letters, spaces, ' - and
// . (a first name or a chosen name, never a number to call).
func NormalizeDisplayName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n < 1 || n > maxDisplayName || !displayNamePattern.MatchString(name) {
		return "", BadRequest("displayName must be 1 to %d characters: letters, spaces, ' - and . only.", maxDisplayName)
	}
	return name, nil
}
