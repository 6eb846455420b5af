package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
)

// messages lists a conversation's messages through the API, oldest first.
func (s *stack) messages(t *testing.T, token, conversationID string) []chat.Message {
	t.Helper()
	c := call{route: "GET /conversations/{id}/messages", params: idParam(conversationID), token: token}
	ev := c.event(t)
	ev.QueryStringParameters = map[string]string{"limit": "100"}
	ev.RawQueryString = "limit=100"
	res := s.invoke(t, ev)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("list messages: status %d, body %s", res.StatusCode, res.Body)
	}
	var list chat.MessageList
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil {
		t.Fatal(err)
	}
	return list.Messages
}

func sendBody(clientMessageID, body string) string {
	b, _ := json.Marshal(map[string]string{"clientMessageId": clientMessageID, "body": body})
	return string(b)
}

func TestSendMessage(t *testing.T) {
	s := newStack(t)
	const sub = "sender-client"
	token := s.clientToken(sub)
	id := s.openConversation(t, token)
	const text = "I would like to talk to someone"

	res := s.do(t, call{route: "POST /conversations/{id}/messages", params: idParam(id), token: token, body: sendBody("c-1", text)})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201 (body %s)", res.StatusCode, res.Body)
	}
	var got struct {
		Message chat.Message `json:"message"`
	}
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatal(err)
	}
	if !ulid.MatchString(got.Message.ID) {
		t.Errorf("message id = %q, want a ULID", got.Message.ID)
	}
	want := fmt.Sprintf(`{"message":{"id":%q,"conversationId":%q,"senderId":%q,"senderRole":"client",
		"body":%q,"clientMessageId":"c-1","createdAt":%q,"editedAt":null,"deleted":false}}`,
		got.Message.ID, id, sub, text, s.Clock.Now().UTC().Format(chat.TimeFormat))
	apptest.JSONEqual(t, res.Body, want)

	t.Run("SameClientMessageIDReturnsTheFirstMessage", func(t *testing.T) {
		again := s.do(t, call{route: "POST /conversations/{id}/messages", params: idParam(id), token: token, body: sendBody("c-1", "something else")})
		if again.StatusCode != http.StatusOK {
			t.Errorf("status = %d, want 200", again.StatusCode)
		}
		apptest.JSONEqual(t, again.Body, want)
		if n := len(s.messages(t, token, id)); n != 1 {
			t.Errorf("%d messages stored, want 1", n)
		}
	})
	t.Run("LogsHoldNeitherTextNorToken", func(t *testing.T) {
		logs := s.Logs.String()
		if logs == "" {
			t.Fatal("no logs written")
		}
		for _, secret := range []string{text, "something else", token} {
			if strings.Contains(logs, secret) {
				t.Errorf("logs contain %.20q…", secret)
			}
		}
	})
}

func TestMessageLength(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantBody   string
	}{
		{"WhiteSpaceOnlyIsEmpty", " \n\t\u00a0 ", 400, "empty_message", ""},
		{"EmptyIsEmpty", "", 400, "empty_message", ""},
		{"4001CharactersAreTooLong", strings.Repeat("a", 4001), 413, "message_too_long", ""},
		{"4001EmojiAreTooLong", strings.Repeat("😀", 4001), 413, "message_too_long", ""},
		{"4000EmojiAreSent", strings.Repeat("😀", 4000), 201, "", strings.Repeat("😀", 4000)},
		{"4000CharactersInWhiteSpaceAreSentTrimmed", "  " + strings.Repeat("b", 4000) + "\n", 201, "", strings.Repeat("b", 4000)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := s.clientToken(fmt.Sprintf("length-client-%d", i))
			id := s.openConversation(t, token)
			res := s.do(t, call{route: "POST /conversations/{id}/messages", params: idParam(id), token: token, body: sendBody("c-1", tt.body)})
			stored := s.messages(t, token, id)
			if tt.wantCode != "" {
				wantError(t, res, tt.wantStatus, tt.wantCode)
				if len(stored) != 0 {
					t.Errorf("%d messages stored, want none", len(stored))
				}
				return
			}
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %.200s)", res.StatusCode, tt.wantStatus, res.Body)
			}
			if len(stored) != 1 || stored[0].Body != tt.wantBody {
				t.Errorf("stored %d messages, want one with the %d-character body", len(stored), len([]rune(tt.wantBody)))
			}
		})
	}
}

func TestSendingIsRateLimited(t *testing.T) {
	s := newStack(t)
	token := s.clientToken("rate-client")
	id := s.openConversation(t, token)
	send := func(n int) (status int, retryAfter string, body string) {
		res := s.do(t, call{route: "POST /conversations/{id}/messages", params: idParam(id), token: token,
			body: sendBody(fmt.Sprintf("c-%d", n), fmt.Sprintf("message %d", n))})
		return res.StatusCode, res.Headers["Retry-After"], res.Body
	}
	// The service clock stands still: every message falls in one 10 s window.
	for n := 1; n <= 20; n++ {
		if status, _, body := send(n); status != http.StatusCreated {
			t.Fatalf("message %d: status %d, want 201 (body %s)", n, status, body)
		}
	}
	status, retryAfter, body := send(21)
	if status != http.StatusTooManyRequests || !strings.Contains(body, `"rate_limited"`) {
		t.Errorf("21st message: status %d body %s, want 429 rate_limited", status, body)
	}
	if secs, err := strconv.Atoi(retryAfter); err != nil || secs < 1 || secs > 11 {
		t.Errorf("Retry-After = %q, want whole seconds within the 10 s window", retryAfter)
	}
	// The body says it too: a page of another origin cannot read the header.
	if want := `"retryAfterSeconds":` + retryAfter + `}`; !strings.Contains(body, want) {
		t.Errorf("21st message: body %s, want %s in its error", body, want)
	}
	if n := len(s.messages(t, token, id)); n != 20 {
		t.Errorf("%d messages stored, want exactly 20", n)
	}
}

func TestConcurrentSendingIsRateLimitedExactly(t *testing.T) {
	s := newStack(t)
	token := s.clientToken("burst-client")
	id := s.openConversation(t, token)
	calls := make([]call, 26)
	for i := range calls {
		calls[i] = call{route: "POST /conversations/{id}/messages", params: idParam(id), token: token,
			body: sendBody(fmt.Sprintf("c-%d", i), fmt.Sprintf("message %d", i))}
	}
	statuses := map[int]int{}
	for _, res := range s.doAll(t, calls) {
		statuses[res.StatusCode]++
	}
	if statuses[http.StatusCreated] != 20 || statuses[http.StatusTooManyRequests] != 6 {
		t.Errorf("statuses = %v, want 20 × 201 and 6 × 429", statuses)
	}
	if n := len(s.messages(t, token, id)); n != 20 {
		t.Errorf("%d messages stored, want exactly 20", n)
	}
}

func TestSendingFansOutToTheStaffFeed(t *testing.T) {
	s := newStack(t)
	token := s.clientToken("fanout-client")
	id := s.openConversation(t, token)
	ctx := context.Background()
	staff := chat.Identity{UserID: "feed-staff", Username: "staff-feed-staff", Role: chat.RoleStaff}
	exp := chat.At(time.Now().Add(time.Minute))
	if _, err := s.App.Service.Connect(ctx, chat.TicketClaims{Identity: staff, ExpiresAt: exp},
		chat.ConnectRequest{ConnectionID: "feedConn0001", SourceIP: "203.0.113.7"}); err != nil {
		t.Fatalf("connect the staff feed: %v", err)
	}
	res := s.do(t, call{route: "POST /conversations/{id}/messages", params: idParam(id), token: token, body: sendBody("c-1", "hello")})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201 (body %s)", res.StatusCode, res.Body)
	}
	var sent struct {
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal([]byte(res.Body), &sent); err != nil {
		t.Fatal(err)
	}
	posts := s.Posts.All()
	if len(posts) != 1 || posts[0].ConnectionID != "feedConn0001" {
		t.Fatalf("posts = %+v, want one to the feed", posts)
	}
	apptest.JSONEqual(t, posts[0].Data, fmt.Sprintf(`{"type":"message.created","conversationId":%q,"message":%s}`, id, sent.Message))
}
