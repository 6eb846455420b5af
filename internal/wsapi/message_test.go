package wsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
)

// frame sends body as a text frame on connectionID, through the route API
// Gateway selects for it ($request.body.action), from aws-lambda-go's
// captured MESSAGE event with what the authorizer attached at connect.
func (s *stack) frame(t *testing.T, connectionID, body string) events.APIGatewayProxyResponse {
	t.Helper()
	var sel struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal([]byte(body), &sel) // an unreadable frame goes to $default
	ev := s.socketEvent(t, "apigw-websocket-request-send-message.json", connectionID)
	ev.RequestContext.RouteKey = routes.SelectWebSocket(sel.Action).Key
	ev.Body = body
	return invoke(t, s.App.WebSocket.Frame, ev)
}

// disconnect is the $disconnect of connectionID.
func (s *stack) disconnect(t *testing.T, connectionID string) events.APIGatewayProxyResponse {
	t.Helper()
	return invoke(t, s.App.WebSocket.Disconnect, s.socketEvent(t, "apigw-websocket-request-disconnect.json", connectionID))
}

// socketEvent is an event of connectionID from a captured sample, with
// what the authorizer attached to the connection (nothing for one that
// never connected).
func (s *stack) socketEvent(t *testing.T, sample, connectionID string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	ev := event(t, sample)
	ev.RequestContext.ConnectionID = connectionID
	ev.RequestContext.ConnectedAt = s.Clock.Now().UnixMilli()
	ev.RequestContext.Authorizer = nil
	if attached, ok := s.attached.Load(connectionID); ok {
		ev.RequestContext.Authorizer = attached
	}
	return ev
}

func sendFrame(conversationID, clientMessageID, body string) string {
	b, _ := json.Marshal(map[string]string{"action": "sendMessage", "conversationId": conversationID,
		"clientMessageId": clientMessageID, "body": body})
	return string(b)
}

// wantErrorFrame checks that res is a route response holding exactly the
// protocol's error frame with code, and clientMessageId when cmid is set.
func wantErrorFrame(t *testing.T, res events.APIGatewayProxyResponse, code, cmid string) {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200 with an error frame", res.StatusCode)
	}
	var f map[string]any
	if err := json.Unmarshal([]byte(res.Body), &f); err != nil {
		t.Fatalf("route response %q is not JSON: %v", res.Body, err)
	}
	msg, _ := f["message"].(string)
	want := map[string]any{"type": "error", "code": code, "message": msg}
	if cmid != "" {
		want["clientMessageId"] = cmid
	}
	if msg == "" || !reflect.DeepEqual(f, want) {
		t.Errorf("frame = %s, want %v", res.Body, want)
	}
}

func TestFramesAnsweredToTheSender(t *testing.T) {
	s := newStack(t)
	alice, bob := client("alice-sub"), client("bob-sub")
	conv, bobConv := s.open(t, alice), s.open(t, bob)
	conn := s.connected(t, alice, conv)

	tests := []struct {
		name      string
		conn      string
		body      string
		wantCode  string
		wantCMID  string
		wantFrame string
	}{
		{name: "PingIsAnsweredWithPong", body: `{"action":"ping"}`, wantFrame: `{"type":"pong"}`},
		{name: "UnknownActionOnDefaultRoute", body: `{"action":"dance"}`, wantCode: "unknown_action"},
		{name: "DollarActionOnDefaultRoute", body: `{"action":"$connect"}`, wantCode: "unknown_action"},
		{name: "NoActionOnDefaultRoute", body: `{"conversationId":"` + conv + `"}`, wantCode: "unknown_action"},
		{name: "UnknownActionKeepsClientMessageID", body: `{"action":"dance","clientMessageId":"c-3"}`, wantCode: "unknown_action", wantCMID: "c-3"},
		{name: "MalformedJSONIsBadRequest", body: `{"action":"ping"`, wantCode: "bad_request"},
		{name: "TextFrameIsBadRequest", body: `ping`, wantCode: "bad_request"},
		{name: "ActionANumberIsBadRequest", body: `{"action":1}`, wantCode: "bad_request"},
		{name: "TwoValuesAreBadRequest", body: `{"action":"ping"}{"action":"ping"}`, wantCode: "bad_request"},
		{name: "BodyANumberIsBadRequest", body: `{"action":"sendMessage","conversationId":"` + conv + `","clientMessageId":"c-4","body":4}`,
			wantCode: "bad_request", wantCMID: "c-4"},
		{name: "EmptyMessageKeepsClientMessageID", body: sendFrame(conv, "c-5", " \n "), wantCode: "empty_message", wantCMID: "c-5"},
		{name: "TooLongMessageKeepsClientMessageID", body: sendFrame(conv, "c-6", strings.Repeat("a", 4001)), wantCode: "message_too_long", wantCMID: "c-6"},
		{name: "MissingClientMessageIDIsBadRequest", body: `{"action":"sendMessage","conversationId":"` + conv + `","body":"hi"}`, wantCode: "bad_request"},
		{name: "MissingConversationIsBadRequest", body: `{"action":"sendMessage","clientMessageId":"c-7","body":"hi"}`, wantCode: "bad_request", wantCMID: "c-7"},
		{name: "AnotherConversationIsNotFound", body: sendFrame(bobConv, "c-8", "hi"), wantCode: "not_found", wantCMID: "c-8"},
		{name: "FrameWithoutAuthorizedIdentityIsUnauthorized", conn: "NeverConnected0=", body: sendFrame(conv, "c-9", "hi"), wantCode: "unauthorized", wantCMID: "c-9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := conn
			if tt.conn != "" {
				from = tt.conn
			}
			mark := s.Posts.Count()
			res := s.frame(t, from, tt.body)
			if tt.wantFrame != "" {
				if res.StatusCode != http.StatusOK {
					t.Errorf("status = %d, want 200", res.StatusCode)
				}
				apptest.JSONEqual(t, res.Body, tt.wantFrame)
			} else {
				wantErrorFrame(t, res, tt.wantCode, tt.wantCMID)
			}
			if posts := s.Posts.Since(mark); len(posts) != 0 {
				t.Errorf("posted %v, want nothing", posts)
			}
		})
	}
	msgs, err := s.App.Service.ListMessages(context.Background(), alice, conv, chat.MessageQuery{})
	if err != nil || len(msgs.Messages) != 0 {
		t.Errorf("stored messages = %d (err %v), want none", len(msgs.Messages), err)
	}
}

func TestSendMessageFansOut(t *testing.T) {
	s := newStack(t)
	alice, bob, staff := client("alice-sub"), client("bob-sub"), counsellor("staff-sub")
	conv, bobConv := s.open(t, alice), s.open(t, bob)
	sender := s.connected(t, alice, conv)
	otherTab := s.connected(t, alice, conv)
	counsellorConn := s.connected(t, staff, conv)
	feed := s.connected(t, staff, "")
	s.connected(t, bob, bobConv)
	s.connected(t, staff, bobConv)

	mark := s.Posts.Count()
	res := s.frame(t, sender, sendFrame(conv, "c-1", "hello"))
	if res.StatusCode != http.StatusOK || res.Body != "" {
		t.Errorf("route response = %d %q, want 200 and no frame (the fan-out is the acknowledgement)", res.StatusCode, res.Body)
	}
	list, err := s.App.Service.ListMessages(context.Background(), alice, conv, chat.MessageQuery{})
	if err != nil || len(list.Messages) != 1 {
		t.Fatalf("stored messages = %+v (err %v), want one", list.Messages, err)
	}
	m, _ := json.Marshal(list.Messages[0])
	want := fmt.Sprintf(`{"type":"message.created","conversationId":%q,"message":%s}`, conv, m)
	if got := list.Messages[0]; got.Body != "hello" || got.ClientMessageID != "c-1" || got.SenderID != alice.UserID {
		t.Errorf("stored message = %+v", got)
	}

	posts := s.Posts.Since(mark)
	wantTo := []string{counsellorConn, feed, otherTab, sender}
	sort.Strings(wantTo)
	if got := keys(posts); fmt.Sprint(got) != fmt.Sprint(wantTo) {
		t.Errorf("posted to %v, want %v (the conversation's connections and the feed)", got, wantTo)
	}
	for id, frames := range posts {
		if len(frames) != 1 {
			t.Errorf("%s got %d frames, want 1", id, len(frames))
			continue
		}
		apptest.JSONEqual(t, frames[0], want)
	}

	t.Run("SameClientMessageIDIsDeliveredAgainToTheSameAudience", func(t *testing.T) {
		mark := s.Posts.Count()
		res := s.frame(t, sender, sendFrame(conv, "c-1", "hello again"))
		if res.StatusCode != http.StatusOK || res.Body != "" {
			t.Errorf("route response = %d %q, want 200 and no frame", res.StatusCode, res.Body)
		}
		posts := s.Posts.Since(mark)
		if got := keys(posts); fmt.Sprint(got) != fmt.Sprint(wantTo) {
			t.Fatalf("posted to %v, want the first message again to %v (a resend may follow a fan-out that never ran)", got, wantTo)
		}
		for _, frames := range posts {
			apptest.JSONEqual(t, frames[0], want)
		}
	})
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestGoneConnectionIsForgottenAfterFanOut(t *testing.T) {
	s := newStack(t)
	alice, staff := client("alice-sub"), counsellor("staff-sub")
	conv := s.open(t, alice)
	sender := s.connected(t, alice, conv)
	gone := s.connected(t, staff, conv)
	feed := s.connected(t, staff, "")
	s.Posts.MarkGone(gone)

	mark := s.Posts.Count()
	s.frame(t, sender, sendFrame(conv, "c-1", "are you there?"))
	if got := keys(s.Posts.Since(mark)); len(got) != 3 {
		t.Errorf("posted to %v, want the sender, the gone connection and the feed", got)
	}
	if _, stored := s.connection(t, gone); stored {
		t.Error("the gone connection is still stored")
	}
	for _, id := range []string{sender, feed} {
		if _, stored := s.connection(t, id); !stored {
			t.Errorf("connection %s was forgotten with the gone one", id)
		}
	}

	mark = s.Posts.Count()
	s.frame(t, sender, sendFrame(conv, "c-2", "hello?"))
	if posts := s.Posts.Since(mark); posts[gone] != nil {
		t.Errorf("posted to the forgotten connection again: %v", posts[gone])
	}
}

func TestDisconnectForgetsTheConnection(t *testing.T) {
	s := newStack(t)
	alice := client("alice-sub")
	conv := s.open(t, alice)
	closing := s.connected(t, alice, conv)
	staying := s.connected(t, alice, conv)

	if res := s.disconnect(t, closing); res.StatusCode != http.StatusOK {
		t.Fatalf("disconnect: status %d", res.StatusCode)
	}
	if _, stored := s.connection(t, closing); stored {
		t.Error("connection still stored after $disconnect")
	}
	mark := s.Posts.Count()
	s.frame(t, staying, sendFrame(conv, "c-1", "still here"))
	if posts := s.Posts.Since(mark); posts[closing] != nil || len(posts[staying]) != 1 {
		t.Errorf("posts after disconnect = %v, want only the staying connection", posts)
	}
	if res := s.disconnect(t, closing); res.StatusCode != http.StatusOK {
		t.Errorf("second disconnect: status %d, want 200", res.StatusCode)
	}
}
