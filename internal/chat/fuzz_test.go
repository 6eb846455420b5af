package chat

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalizeBody: whatever a client sends as a message body, the answer
// is the trimmed text within the limit, or exactly the error the reason
// calls for.
func FuzzNormalizeBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body string, limit uint16) {
		max := int(limit%4000) + 1
		got, err := NormalizeBody(body, max)
		trimmed := strings.TrimSpace(body)
		unsendable := !utf8.ValidString(body) || strings.ContainsRune(body, 0)
		code := Code("")
		if err != nil {
			code = CodeOf(err)
		}
		switch code {
		case "":
			if unsendable || got != trimmed || got == "" || utf8.RuneCountInString(got) > max {
				t.Fatalf("NormalizeBody(%q, %d) = %q, accepted", body, max, got)
			}
		case CodeBadRequest:
			if !unsendable {
				t.Fatalf("NormalizeBody(%q, %d) refused as bad_request a sendable body", body, max)
			}
		case CodeEmptyMessage:
			if unsendable || trimmed != "" {
				t.Fatalf("NormalizeBody(%q, %d) called a body empty", body, max)
			}
		case CodeMessageTooLong:
			if unsendable || utf8.RuneCountInString(trimmed) <= max {
				t.Fatalf("NormalizeBody(%q, %d) called a body too long", body, max)
			}
		default:
			t.Fatalf("NormalizeBody(%q, %d) error %v: not a code of this validation", body, max, err)
		}
	})
}

// FuzzValidClientMessageID: an idempotency key is accepted exactly when it
// is 1 to 128 bytes of letters, digits and ._:-; a refusal is bad_request.
func FuzzValidClientMessageID(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		err := ValidClientMessageID(id)
		want := id != "" && len(id) <= maxClientMessageID && strings.Trim(id, idAlphabet) == ""
		if want && err != nil {
			t.Fatalf("ValidClientMessageID(%q) = %v, want it accepted", id, err)
		}
		if !want && CodeOf(err) != CodeBadRequest {
			t.Fatalf("ValidClientMessageID(%q) = %v, want bad_request", id, err)
		}
	})
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

// FuzzDecodeCursor: a cursor, genuine or forged, opens at most the one
// listing of the one caller it was made for, and anything else is
// bad_request. The callers and listings are shaped as the service makes
// them: a Cognito sub, "messages:<conversation id>" and the like.
func FuzzDecodeCursor(f *testing.F) {
	f.Fuzz(func(t *testing.T, cursor, owner, listing, pos string) {
		callers := distinct(owner, "mallory-"+owner, "3f1c2a9e-0000-4000-8000-00000000c001")
		listings := distinct(listing, "messages:01J0000000000000000000000A", "conversations:", "audit")
		opened := 0
		for _, o := range callers {
			for _, l := range listings {
				got, err := decodeCursor(cursor, o, l, ValidID)
				if err != nil {
					if CodeOf(err) != CodeBadRequest {
						t.Fatalf("decodeCursor(%q) as %q on %q: %v, want bad_request", cursor, o, l, err)
					}
					continue
				}
				if cursor != "" && !ValidID(got) {
					t.Fatalf("decodeCursor(%q) as %q on %q = %q, not a valid position", cursor, o, l, got)
				}
				if cursor != "" {
					opened++
				}
			}
		}
		if opened > 1 {
			t.Fatalf("cursor %q opens %d (caller, listing) pairs, want at most 1", cursor, opened)
		}

		// What the service hands out comes back as it went, for its caller
		// and listing only.
		if !utf8.ValidString(owner) || !utf8.ValidString(listing) || !ValidID(pos) {
			return
		}
		enc := encodeCursor(owner, listing, pos)
		if len(*enc) > maxCursor {
			return
		}
		if got, err := decodeCursor(*enc, owner, listing, ValidID); err != nil || got != pos {
			t.Fatalf("a cursor of %q for %q on %q decodes to %q, %v", pos, owner, listing, got, err)
		}
		if _, err := decodeCursor(*enc, "mallory-"+owner, listing, ValidID); err == nil {
			t.Fatalf("a cursor of %q opens %q's listing %q for another caller", owner, listing, pos)
		}
		if _, err := decodeCursor(*enc, owner, listing+"x", ValidID); err == nil {
			t.Fatalf("a cursor of %q's listing %q opens another listing", owner, listing)
		}
	})
}

// distinct returns ss without repeats, in order.
func distinct(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
