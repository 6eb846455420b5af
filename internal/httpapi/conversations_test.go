package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
)

// protocolTime is docs/protocol.md's timestamp: RFC 3339 UTC with milliseconds.
var protocolTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// ulid is the shape of Confide's ids.
var ulid = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// openConversation opens a conversation for the client with token and
// returns its id.
func (s *stack) openConversation(t *testing.T, token string) string {
	t.Helper()
	res := s.do(t, call{route: "POST /conversations", token: token})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("open conversation: status %d, body %s", res.StatusCode, res.Body)
	}
	var body struct {
		Conversation chat.Conversation `json:"conversation"`
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatal(err)
	}
	return body.Conversation.ID
}

func TestOpenConversation(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		name          string
		body          string
		wantRetention string
	}{
		{"NoBodyIsPrivateByDefault", "", "24h"},
		{"EmptyObjectIsPrivateByDefault", `{}`, "24h"},
		{"RetentionNullIsPrivateByDefault", `{"retention":null}`, "24h"},
		{"RetentionPermanentIsKept", `{"retention":"permanent"}`, "permanent"},
		{"Retention24hIsKept", `{"retention":"24h"}`, "24h"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := fmt.Sprintf("open-client-%d", i)
			res := s.do(t, call{route: "POST /conversations", token: s.clientToken(sub), body: tt.body})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("status = %d, want 201 (body %s)", res.StatusCode, res.Body)
			}
			var got struct {
				Conversation map[string]any `json:"conversation"`
			}
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatal(err)
			}
			id, _ := got.Conversation["id"].(string)
			if !ulid.MatchString(id) {
				t.Errorf("id = %q, want a ULID", id)
			}
			created, _ := got.Conversation["createdAt"].(string)
			if !protocolTime.MatchString(created) {
				t.Errorf("createdAt = %q, want 2006-01-02T15:04:05.000Z", created)
			}
			// Every field of docs/protocol.md's Conversation, userDeleted only
			// in staff views.
			apptest.JSONEqual(t, res.Body, fmt.Sprintf(`{"conversation":{
				"id":%q,"userId":%q,"status":"active","retention":%q,
				"createdAt":%q,"lastMessageAt":null,"closedAt":null,"closedBy":null,
				"assignee":null,"assigneeName":null,"unread":0}}`,
				id, sub, tt.wantRetention, s.Clock.Now().UTC().Format(chat.TimeFormat)))
		})
	}
}

func TestSecondConversationIsAConflictNamingTheActiveOne(t *testing.T) {
	s := newStack(t)
	token := s.clientToken("conflict-client")
	first := s.openConversation(t, token)

	res := s.do(t, call{route: "POST /conversations", token: token, body: `{"retention":"permanent"}`})
	wantError(t, res, http.StatusConflict, "conflict")
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 2 || body["error"] == nil {
		t.Errorf("body = %s, want exactly error and conversationId", res.Body)
	}
	if got := string(body["conversationId"]); got != `"`+first+`"` {
		t.Errorf("conversationId = %s, want %q", got, first)
	}
}

func TestConcurrentOpeningsMakeOneConversation(t *testing.T) {
	s := newStack(t)
	token := s.clientToken("racing-client")
	calls := make([]call, 8)
	for i := range calls {
		calls[i] = call{route: "POST /conversations", token: token}
	}
	var created []string
	conflicts := map[string]int{}
	for _, res := range s.doAll(t, calls) {
		var body struct {
			Conversation   struct{ ID string } `json:"conversation"`
			ConversationID string              `json:"conversationId"`
		}
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
			t.Fatalf("body %q: %v", res.Body, err)
		}
		switch res.StatusCode {
		case http.StatusCreated:
			created = append(created, body.Conversation.ID)
		case http.StatusConflict:
			conflicts[body.ConversationID]++
		default:
			t.Errorf("status = %d, want 201 or 409 (body %s)", res.StatusCode, res.Body)
		}
	}
	if len(created) != 1 {
		t.Fatalf("%d conversations created, want exactly 1", len(created))
	}
	if conflicts[created[0]] != len(calls)-1 {
		t.Errorf("conflicts name %v, want %d naming %s", conflicts, len(calls)-1, created[0])
	}
}

func TestStaffCannotOpenAConversation(t *testing.T) {
	s := newStack(t)
	res := s.do(t, call{route: "POST /conversations", token: s.staffToken("staff-opener")})
	wantError(t, res, http.StatusForbidden, "forbidden")
}

// TestMalformedBodiesAreRefusedAndStoreNothing sends bodies that are not
// what a route expects; each is refused and leaves no trace.
func TestMalformedBodiesAreRefusedAndStoreNothing(t *testing.T) {
	s := newStack(t)
	huge := strings.Repeat("a", 64<<10)
	tests := []struct {
		name       string
		route      string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"OpenWithMalformedJSON", "POST /conversations", `{"retention":`, 400, "bad_request"},
		{"OpenWithRetentionANumber", "POST /conversations", `{"retention":24}`, 400, "bad_request"},
		{"OpenWithUnknownRetention", "POST /conversations", `{"retention":"forever"}`, 400, "bad_request"},
		{"OpenWithAnArray", "POST /conversations", `["24h"]`, 400, "bad_request"},
		{"OpenWithTwoValues", "POST /conversations", `{"retention":"24h"}{"retention":"24h"}`, 400, "bad_request"},
		{"OpenWithBodyOver64KiB", "POST /conversations", `{"retention":"24h","pad":"` + huge + `"}`, 413, "payload_too_large"},
		{"SendMalformedJSON", "POST /conversations/{id}/messages", `{"clientMessageId":"c1","body":"hi"`, 400, "bad_request"},
		{"SendClientMessageIDANumber", "POST /conversations/{id}/messages", `{"clientMessageId":1,"body":"hi"}`, 400, "bad_request"},
		{"SendBodyANumber", "POST /conversations/{id}/messages", `{"clientMessageId":"c1","body":42}`, 400, "bad_request"},
		{"SendWithoutBody", "POST /conversations/{id}/messages", `{"clientMessageId":"c1"}`, 400, "bad_request"},
		{"SendNothing", "POST /conversations/{id}/messages", ``, 400, "bad_request"},
		{"SendBodyOver64KiB", "POST /conversations/{id}/messages", `{"clientMessageId":"c1","body":"` + huge + `"}`, 413, "payload_too_large"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := fmt.Sprintf("malformed-client-%d", i)
			token := s.clientToken(sub)
			var id string
			if strings.Contains(tt.route, "{id}") {
				id = s.openConversation(t, token)
			}
			res := s.do(t, call{route: tt.route, params: idParam(id), token: token, body: tt.body})
			wantError(t, res, tt.wantStatus, tt.wantCode)

			if id == "" {
				me := s.do(t, call{route: "GET /me", token: token})
				apptest.JSONEqual(t, me.Body, fmt.Sprintf(`{"userId":%q,"username":%q,"role":"client","activeConversationId":null}`, sub, "client-"+sub))
				return
			}
			if n := len(s.messages(t, token, id)); n != 0 {
				t.Errorf("%d messages stored, want none", n)
			}
		})
	}
}

func idParam(id string) map[string]string {
	if id == "" {
		return nil
	}
	return map[string]string{"id": id}
}
