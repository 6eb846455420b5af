package wsapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
)

// frameCodes are the error codes a frame may be answered with: docs/protocol.md's
// and unknown_action, but internal: no frame may cause that one.
var frameCodes = []chat.Code{chat.CodeBadRequest, chat.CodePayloadTooLarge, chat.CodeEmptyMessage, chat.CodeMessageTooLong,
	chat.CodeUnauthorized, chat.CodeForbidden, chat.CodeNotFound, chat.CodeConflict, chat.CodeRateLimited, chat.CodeUnknownAction}

// FuzzFrame: whatever text arrives on a client's or a counsellor's
// connection, the answer is nothing, a pong or one of the protocol's error
// frames (never internal, never a failed invocation); a frame that is not
// one JSON object is bad_request and one over 32 KB payload_too_large. In a
// frame, $CONV stands for the client's conversation and $MSG for a message
// in it. (A frame that is not UTF-8 never reaches the function as such: the
// event is JSON, which cannot carry it; the gateway closes the connection
// with 1007, see e2e's TestHostileInputIsRefusedAndChangesNothing.)
func FuzzFrame(f *testing.F) {
	s := &stack{Stack: apptest.NewStack(f, apptest.WithStaffCIDRs("203.0.113.0/24"))}
	s.tickets = &auth.Tickets{Store: s.App.Store}
	alice, sam := client("fuzz-alice"), counsellor("fuzz-sam")
	var conv, msg, aliceConn, samConn string
	inputs := 0
	f.Fuzz(func(t *testing.T, frame string, staff bool) {
		if conv == "" {
			conv = s.open(t, alice)
			m, _, err := s.App.Service.SendMessage(t.Context(), alice, chat.SendInput{ConversationID: conv, ClientMessageID: "f-1", Body: "hello"})
			if err != nil {
				t.Fatalf("send the scene's message: %v", err)
			}
			msg = m.ID
		}
		// Time moves on between inputs so the sending limit does not answer
		// everything once reached, and the connections are made afresh
		// long before they would reach their two hours.
		s.Clock.Advance(time.Second)
		if inputs%1000 == 0 {
			if aliceConn != "" {
				s.disconnect(t, aliceConn)
				s.disconnect(t, samConn)
			}
			aliceConn, samConn = s.connected(t, alice, conv), s.connected(t, sam, "")
		}
		inputs++
		conn := aliceConn
		if staff {
			conn = samConn
		}
		body := strings.NewReplacer("$CONV", conv, "$MSG", msg).Replace(frame)
		res := s.frame(t, conn, body)
		code := checkFrameAnswer(t, res)
		switch {
		case len(body) > routes.MaxFrameBytes && code != chat.CodePayloadTooLarge:
			t.Fatalf("a frame of %d bytes: answer %q, want payload_too_large", len(body), res.Body)
		case len(body) <= routes.MaxFrameBytes && json.Unmarshal([]byte(body), new(map[string]any)) != nil && code != chat.CodeBadRequest:
			t.Fatalf("a frame that is not one JSON object: answer %q, want bad_request", res.Body)
		}
	})
}

// checkFrameAnswer fails unless res is the answer of a handled frame:
// nothing, a pong, or a protocol error frame with a message for people. It
// returns the error code ("" when there is none).
func checkFrameAnswer(t *testing.T, res events.APIGatewayProxyResponse) chat.Code {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the invocation answered %d %q, want 200", res.StatusCode, res.Body)
	}
	if res.Body == "" {
		return ""
	}
	var f struct {
		Type    string    `json:"type"`
		Code    chat.Code `json:"code"`
		Message string    `json:"message"`
	}
	if err := json.Unmarshal([]byte(res.Body), &f); err != nil {
		t.Fatalf("the answer %q is not a JSON frame: %v", res.Body, err)
	}
	switch {
	case f.Type == "pong":
		return ""
	case f.Type != "error":
		t.Fatalf("the answer %q is neither a pong nor an error frame", res.Body)
	case !slices.Contains(frameCodes, f.Code) || f.Message == "":
		t.Fatalf("the error frame %q is not one of the protocol's", res.Body)
	}
	return f.Code
}
