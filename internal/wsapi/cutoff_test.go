package wsapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/chat"
)

// revokedFrame is the frame a cut-off connection gets before it is closed.
func revokedFrame(cmid string) map[string]any {
	f := map[string]any{"type": "error", "code": "unauthorized", "message": "Your access has ended. Please sign in again."}
	if cmid != "" {
		f["clientMessageId"] = cmid
	}
	return f
}

// wantCutOff checks that conn got exactly frame and was then closed through
// the management API and forgotten, and that the route answered nothing.
func (s *stack) wantCutOff(t *testing.T, res events.APIGatewayProxyResponse, conn string, mark int, frame map[string]any) {
	t.Helper()
	if res.StatusCode != http.StatusOK || res.Body != "" {
		t.Errorf("route response %d %q, want 200 and none (the connection is closed)", res.StatusCode, res.Body)
	}
	posts := s.Posts.Since(mark)
	if len(posts) != 1 || len(posts[conn]) != 1 {
		t.Fatalf("posted %v, want one frame to %s only", posts, conn)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(posts[conn][0]), &got); err != nil {
		t.Fatalf("posted %q: %v", posts[conn][0], err)
	}
	if !reflect.DeepEqual(got, frame) {
		t.Errorf("posted frame %s, want %v", posts[conn][0], frame)
	}
	if !slices.Contains(s.Posts.Deletes(), conn) {
		t.Errorf("connection %s was not closed through the management API (deletes %v)", conn, s.Posts.Deletes())
	}
	if _, stored := s.connection(t, conn); stored {
		t.Errorf("connection %s is still stored", conn)
	}
}

func TestRevokedConnectionIsClosedOnItsNextFrame(t *testing.T) {
	tests := []struct {
		name  string
		frame func(conv string) string
		cmid  string
	}{
		{name: "SendMessage", frame: func(conv string) string { return sendFrame(conv, "c-1", "still there?") }, cmid: "c-1"},
		{name: "SendMessageToAnotherConversation", frame: func(string) string { return sendFrame("01JDQ0000000000000000000ZZ", "c-2", "hi") }, cmid: "c-2"},
		{name: "Typing", frame: func(conv string) string { return `{"action":"typing","conversationId":"` + conv + `","typing":true}` }},
		{name: "MarkRead", frame: func(conv string) string {
			return `{"action":"markRead","conversationId":"` + conv + `","messageId":"01JDQ0000000000000000000ZZ"}`
		}},
		{name: "Ping", frame: func(string) string { return `{"action":"ping"}` }},
		{name: "UnknownAction", frame: func(string) string { return `{"action":"dance"}` }},
		{name: "MalformedFrame", frame: func(string) string { return `{"action":` }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			alice, staff := client("alice-sub"), counsellor("staff-sub")
			conv := s.open(t, alice)
			conn := s.connected(t, alice, conv)
			watching := s.connected(t, staff, conv)
			// As confidectl's users disable/signout/erase record it; the
			// socket itself is left open, as when closing it failed.
			if err := s.App.Store.Revoke(context.Background(), alice.UserID, s.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			mark := s.Posts.Count()
			res := s.frame(t, conn, tt.frame(conv))
			s.wantCutOff(t, res, conn, mark, revokedFrame(tt.cmid))
			if _, stored := s.connection(t, watching); !stored {
				t.Error("another person's connection was closed too")
			}
			msgs, err := s.App.Service.ListMessages(context.Background(), staff, conv, chat.MessageQuery{})
			if err != nil || len(msgs.Messages) != 0 {
				t.Errorf("messages stored = %d (err %v), want none", len(msgs.Messages), err)
			}
		})
	}
}

func TestFramesOfOthersGoOnAfterARevocation(t *testing.T) {
	s := newStack(t)
	alice, staff := client("alice-sub"), counsellor("staff-sub")
	conv := s.open(t, alice)
	conn := s.connected(t, alice, conv)
	counsellorConn := s.connected(t, staff, conv)
	if err := s.App.Store.Revoke(context.Background(), "someone-else", s.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	mark := s.Posts.Count()
	if res := s.frame(t, conn, sendFrame(conv, "c-1", "hello")); res.Body != "" {
		t.Fatalf("route response %q, want none", res.Body)
	}
	if posts := s.Posts.Since(mark); len(posts[conn]) != 1 || len(posts[counsellorConn]) != 1 {
		t.Errorf("posted %v, want the message to both connections", posts)
	}
	if len(s.Posts.Deletes()) != 0 {
		t.Errorf("closed %v, want nothing closed", s.Posts.Deletes())
	}
}

func TestCredentialIssuedAfterARevocationConnectsAgain(t *testing.T) {
	s := newStack(t)
	alice := client("alice-sub")
	conv := s.open(t, alice)
	revokedAt := s.Clock.Now()
	if err := s.App.Store.Revoke(context.Background(), alice.UserID, revokedAt); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		issuedAt   time.Time
		wantStatus int
	}{
		{"IssuedBeforeIsUnauthorized", revokedAt.Add(-time.Minute), http.StatusUnauthorized},
		{"IssuedInTheSameSecondIsUnauthorized", revokedAt.Truncate(time.Second), http.StatusUnauthorized},
		{"IssuedAfterConnects", revokedAt.Add(2 * time.Second).Truncate(time.Second), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := alice
			id.IssuedAt = tt.issuedAt
			h := handshake{connectionID: newConnectionID(), origin: allowedOrigin,
				query: map[string]string{"ticket": s.ticket(t, id), "conversationId": conv}}
			if res := s.connect(t, h); res.StatusCode != tt.wantStatus {
				t.Errorf("connect: status %d, want %d (body %q)", res.StatusCode, tt.wantStatus, res.Body)
			}
		})
	}
}

func TestExpiredSignInGetsAReconnectFrameAndIsClosed(t *testing.T) {
	for _, frame := range []string{sendFrame("", "c-1", "late"), `{"action":"ping"}`} {
		t.Run(frame, func(t *testing.T) {
			s := newStack(t)
			alice := client("alice-sub")
			conv := s.open(t, alice)
			conn := s.connected(t, alice, conv) // its ticket was traded for a token valid an hour
			var f map[string]any
			_ = json.Unmarshal([]byte(frame), &f)
			if _, ok := f["conversationId"]; ok {
				f["conversationId"] = conv
			}
			body, _ := json.Marshal(f)

			s.Clock.Advance(59 * time.Minute)
			if res := s.frame(t, conn, `{"action":"ping"}`); res.Body != `{"type":"pong"}` {
				t.Fatalf("ping before expiry = %q, want a pong", res.Body)
			}
			s.Clock.Advance(2 * time.Minute)
			mark := s.Posts.Count()
			res := s.frame(t, conn, string(body))
			s.wantCutOff(t, res, conn, mark, map[string]any{"type": "reconnect", "reason": "token_expired"})
			msgs, err := s.App.Service.ListMessages(context.Background(), alice, conv, chat.MessageQuery{})
			if err != nil || len(msgs.Messages) != 0 {
				t.Errorf("messages stored = %d (err %v), want none", len(msgs.Messages), err)
			}
		})
	}
}

func TestSweepClosesIdleConnectionsOfRevokedPeople(t *testing.T) {
	s := newStack(t)
	alice, bob, staff := client("alice-sub"), client("bob-sub"), counsellor("staff-sub")
	aliceConv, bobConv := s.open(t, alice), s.open(t, bob)
	aliceTabs := []string{s.connected(t, alice, aliceConv), s.connected(t, alice, aliceConv)}
	bobConn := s.connected(t, bob, bobConv)
	feed := s.connected(t, staff, "")
	if err := s.App.Store.Revoke(context.Background(), alice.UserID, s.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	mark := s.Posts.Count()
	rep, err := s.App.Service.Sweep(context.Background())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if rep.CutOff != 2 {
		t.Errorf("report cut off %d connections, want alice's 2", rep.CutOff)
	}
	if rep.Connections != 2 {
		t.Errorf("report counts %d connections open after the sweep, want bob's and the feed", rep.Connections)
	}
	for _, tab := range aliceTabs {
		posts := s.Posts.Since(mark)
		if len(posts[tab]) != 1 {
			t.Errorf("%s got %v, want the unauthorized frame", tab, posts[tab])
		}
		if !slices.Contains(s.Posts.Deletes(), tab) {
			t.Errorf("%s was not closed", tab)
		}
		if _, stored := s.connection(t, tab); stored {
			t.Errorf("%s is still stored", tab)
		}
	}
	for _, kept := range []string{bobConn, feed} {
		if _, stored := s.connection(t, kept); !stored || slices.Contains(s.Posts.Deletes(), kept) {
			t.Errorf("%s of someone not revoked was closed", kept)
		}
	}
}
