package chat

import (
	"strings"
	"testing"
)

func TestNormalizeBody(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		code Code
	}{
		{"TrimsWhiteSpace", "  hello \n", "hello", ""},
		{"KeepsInnerText", " a  <b>x</b> ", "a  <b>x</b>", ""},
		{"EmptyIsRejected", "", "", CodeEmptyMessage},
		{"WhiteSpaceOnlyIsEmpty", " \t\n\u00a0 ", "", CodeEmptyMessage},
		{"AtTheLimitIsAccepted", strings.Repeat("é", 4000), strings.Repeat("é", 4000), ""},
		{"CountsCharactersNotBytes", strings.Repeat("😀", 4000), strings.Repeat("😀", 4000), ""},
		{"OverTheLimitIsTooLong", strings.Repeat("a", 4001), "", CodeMessageTooLong},
		{"LimitCountsAfterTrimming", "  " + strings.Repeat("a", 4000) + "  ", strings.Repeat("a", 4000), ""},
		{"InvalidUTF8IsBadRequest", "hi \xff", "", CodeBadRequest},
		{"NULIsBadRequest", "hi\x00there", "", CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeBody(tt.in, 4000)
			if tt.code != "" {
				if CodeOf(err) != tt.code {
					t.Fatalf("NormalizeBody() error code = %q, want %q", CodeOf(err), tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeBody() = %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

func TestValidClientMessageID(t *testing.T) {
	for _, id := range []string{"c1", "0b0e1a3c-7d2f-4a8e-9f1b-3c4d5e6f7a8b", "tab:1.42_x"} {
		if err := ValidClientMessageID(id); err != nil {
			t.Errorf("ValidClientMessageID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{"", strings.Repeat("a", 129), "has space", "<script>", "a\x00b"} {
		if CodeOf(ValidClientMessageID(id)) != CodeBadRequest {
			t.Errorf("ValidClientMessageID(%q) accepted, want bad_request", id)
		}
	}
}

func TestCursorIsBoundToCallerAndListing(t *testing.T) {
	valid := func(string) bool { return true }
	c := encodeCursor("alice", "messages:A", "01J0000000000000000000000A")
	if c == nil {
		t.Fatal("encodeCursor returned nil for a position")
	}
	if pos, err := decodeCursor(*c, "alice", "messages:A", valid); err != nil || pos != "01J0000000000000000000000A" {
		t.Fatalf("decode own cursor = %q, %v", pos, err)
	}
	tests := []struct {
		name, cursor, owner, listing string
	}{
		{"AnotherCallerIsRefused", *c, "mallory", "messages:A"},
		{"AnotherListingIsRefused", *c, "alice", "messages:B"},
		{"GarbageIsRefused", "!!!", "alice", "messages:A"},
		{"NotJSONIsRefused", "bm90IGpzb24", "alice", "messages:A"},
		{"OversizedIsRefused", strings.Repeat("A", 600), "alice", "messages:A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeCursor(tt.cursor, tt.owner, tt.listing, valid); CodeOf(err) != CodeBadRequest {
				t.Fatalf("decodeCursor() error = %v, want bad_request", err)
			}
		})
	}
	if encodeCursor("alice", "x", "") != nil {
		t.Error("encodeCursor with no position should be nil (no next page)")
	}
}

func TestPublicHidesInternals(t *testing.T) {
	err := Public(errorString("dynamodb: ResourceNotFoundException: table confide-prod"))
	if err.Code != CodeInternal || strings.Contains(err.Message, "dynamodb") {
		t.Fatalf("Public() = %+v, want a bare internal error", err)
	}
	nf := Public(NotFound())
	if nf.Code != CodeNotFound {
		t.Fatalf("Public(NotFound()) code = %s", nf.Code)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestMedian(t *testing.T) {
	if median(nil) != nil {
		t.Error("median of nothing should be nil")
	}
	if m := median([]float64{3, 1, 2}); *m != 2 {
		t.Errorf("median odd = %v, want 2", *m)
	}
	if m := median([]float64{4, 1, 2, 3}); *m != 2.5 {
		t.Errorf("median even = %v, want 2.5", *m)
	}
}
