package admin_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/admin"

	"github.com/confidechat/confide/internal/chat"
)

func TestExportPermanentConversation(t *testing.T) {
	ctx := testContext(t)
	a := newAdmin(&bytes.Buffer{})
	c, _, _ := signedIn(t, ctx, a, "exp", false)
	conv, err := c.CreateConversation(ctx, chat.RetentionPermanent)
	if err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	bodies := []string{"one", "two", "three (to delete)", "four", "five"}
	var ids []string
	for i, b := range bodies {
		m, _, err := c.Send(ctx, conv.ID, "x"+string(rune('a'+i)), b)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		ids = append(ids, m.ID)
	}
	if err := c.DeleteMessage(ctx, conv.ID, ids[2]); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}

	for _, tc := range []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{admin.FormatJSON, func(t *testing.T, out string) {
			var got admin.Transcript
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("decode JSON transcript: %v\n%s", err, out)
			}
			if got.Conversation.ID != conv.ID {
				t.Errorf("conversation id = %s, want %s", got.Conversation.ID, conv.ID)
			}
			if len(got.Messages) != len(ids) {
				t.Fatalf("%d messages, want %d", len(got.Messages), len(ids))
			}
			for i, m := range got.Messages {
				wantBody := bodies[i]
				if i == 2 {
					wantBody = ""
				}
				if m.ID != ids[i] || m.Body != wantBody || m.Deleted != (i == 2) {
					t.Errorf("message %d = {id %s body %q deleted %t}, want {id %s body %q deleted %t}", i, m.ID, m.Body, m.Deleted, ids[i], wantBody, i == 2)
				}
			}
		}},
		{admin.FormatText, func(t *testing.T, out string) {
			last := -1
			for i, b := range bodies {
				if i == 2 {
					b = admin.DeletedPlaceholder
				}
				at := strings.Index(out, b)
				if at <= last {
					t.Errorf("text transcript: %q at %d, not after the previous message (%d):\n%s", b, at, last, out)
				}
				last = at
			}
			if strings.Contains(out, "to delete") {
				t.Errorf("text transcript shows the deleted message's text:\n%s", out)
			}
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var out bytes.Buffer
			a := newAdmin(&out)
			if _, err := a.Export(ctx, conv.ID, tc.format); err != nil {
				t.Fatalf("Export: %v", err)
			}
			tc.check(t, out.String())
		})
	}
}

func TestExportRefuses(t *testing.T) {
	ctx := testContext(t)
	a := newAdmin(&bytes.Buffer{})
	c, _, _ := signedIn(t, ctx, a, "exp24", false)
	conv, err := c.CreateConversation(ctx, chat.Retention24h)
	if err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	for _, tc := range []struct {
		name, id, format, want string
	}{
		{"a 24h conversation", conv.ID, admin.FormatJSON, "only permanent conversations can be exported"},
		{"an unknown format", conv.ID, "csv", "--format"},
		{"an unknown conversation", "01HZZZZZZZZZZZZZZZZZZZZZZZ", admin.FormatText, "conversation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			a := newAdmin(&out)
			_, err := a.Export(ctx, tc.id, tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Export: err = %v, want one containing %q", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("Export printed %q on refusal", out.String())
			}
		})
	}
}
