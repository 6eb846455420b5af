package e2e

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// nested returns a JSON value depth levels deep: arrays, or objects when
// objects is true.
func nested(depth int, objects bool) string {
	if objects {
		return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
	}
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// TestHostileInputIsRefusedAndChangesNothing sends what an attacker would:
// invalid UTF-8, NUL bytes, a megabyte, JSON nested thousands deep, numbers
// where strings belong, over HTTP and over the WebSocket. Each is refused
// with bad_request or payload_too_large, never with a 500 (on the
// WebSocket, a frame over 32 KB closes the connection with 1009 and one
// that is not UTF-8 with 1007), and the conversation holds exactly what it
// held before.
func TestHostileInputIsRefusedAndChangesNothing(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	convID := startConversation(t, alice)
	mine := send(t, alice, convID, "h-a-1", say("what I said before"))
	send(t, sam, convID, "h-s-1", say("what the counsellor said before"))
	before := rawMessages(t, sam, convID)
	ctx := e2ekit.Context(t, 60*time.Second)
	convBefore, err := sam.Conversation(ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	megabyte := strings.Repeat("a", 1<<20)
	messages := "/conversations/" + convID + "/messages"

	httpCases := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 chat.Code
	}{
		{"InvalidUTF8InABody", "POST", messages, `{"clientMessageId":"h-1","body":"hi ` + "\xff\xfe" + ` there"}`, 400, chat.CodeBadRequest},
		{"InvalidUTF8InAClientMessageID", "POST", messages, `{"clientMessageId":"h-` + "\xc3\x28" + `","body":"hi"}`, 400, chat.CodeBadRequest},
		{"ARawNULByte", "POST", messages, "{\"clientMessageId\":\"h-2\",\"body\":\"hi\x00there\"}", 400, chat.CodeBadRequest},
		{"AnEscapedNUL", "POST", messages, `{"clientMessageId":"h-3","body":"hi\u0000there"}`, 400, chat.CodeBadRequest},
		{"AMegabyteBody", "POST", messages, `{"clientMessageId":"h-4","body":"` + megabyte + `"}`, 413, chat.CodePayloadTooLarge},
		{"ArraysNestedTwentyThousandDeep", "POST", messages, `{"clientMessageId":"h-5","body":` + nested(20000, false) + `}`, 400, chat.CodeBadRequest},
		{"ObjectsNestedFiveThousandDeep", "POST", messages, `{"clientMessageId":"h-6","body":` + nested(5000, true) + `}`, 400, chat.CodeBadRequest},
		{"NumbersForStrings", "POST", messages, `{"clientMessageId":6,"body":7}`, 400, chat.CodeBadRequest},
		{"NullBody", "POST", messages, `{"clientMessageId":"h-7","body":null}`, 400, chat.CodeBadRequest},
		{"AStrayBracketAfterTheObject", "POST", messages, `{"clientMessageId":"h-8","body":"x"}]`, 400, chat.CodeBadRequest},
		{"EditWithInvalidUTF8", "PATCH", messages + "/" + mine.ID, `{"body":"` + "\xff" + `"}`, 400, chat.CodeBadRequest},
		{"EditWithANumber", "PATCH", messages + "/" + mine.ID, `{"body":42}`, 400, chat.CodeBadRequest},
		{"EditWithAMegabyte", "PATCH", messages + "/" + mine.ID, `{"body":"` + megabyte + `"}`, 413, chat.CodePayloadTooLarge},
		{"ReadMarkerANumber", "POST", "/conversations/" + convID + "/read", `{"messageId":1}`, 400, chat.CodeBadRequest},
		{"RetentionANumber", "PUT", "/conversations/" + convID + "/retention", `{"retention":24}`, 400, chat.CodeBadRequest},
		{"RetentionInvalidUTF8", "PUT", "/conversations/" + convID + "/retention", `{"retention":"24h` + "\xff" + `"}`, 400, chat.CodeBadRequest},
		{"RatingAString", "POST", "/conversations/" + convID + "/feedback", `{"rating":"5"}`, 400, chat.CodeBadRequest},
		{"RatingOutOfRange", "POST", "/conversations/" + convID + "/feedback", `{"rating":1e400}`, 400, chat.CodeBadRequest},
		{"CommentInvalidUTF8", "POST", "/conversations/" + convID + "/feedback", `{"rating":5,"comment":"` + "\xff" + `"}`, 400, chat.CodeBadRequest},
		{"OpenWithRetentionANumber", "POST", "/conversations", `{"retention":0}`, 400, chat.CodeBadRequest},
		{"ACursorOfGarbage", "GET", messages + "?cursor=%FF%00%FE", "", 400, chat.CodeBadRequest},
		{"ALimitOfABillion", "GET", messages + "?limit=1000000000", "", 400, chat.CodeBadRequest},
		{"ANegativeLimit", "GET", "/conversations?limit=-1", "", 400, chat.CodeBadRequest},
	}
	for _, tt := range httpCases {
		t.Run("HTTP/"+tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			res, err := alice.Do(e2ekit.Context(t, 20*time.Second), tt.method, tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if st, code := errorOf(res); st != tt.wantStatus || chat.Code(code) != tt.wantCode {
				t.Errorf("got %d %q, want %d %s", st, code, tt.wantStatus, tt.wantCode)
			}
		})
	}

	ws := connect(t, alice, convID)
	frameCases := []struct {
		name, frame string
	}{
		{"ARawNULByte", "{\"action\":\"sendMessage\",\"conversationId\":\"" + convID + "\",\"clientMessageId\":\"w-1\",\"body\":\"a\x00b\"}"},
		{"AnEscapedNUL", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-2","body":"a\u0000b"}`},
		{"ArraysNestedFifteenThousandDeep", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-3","body":` + nested(15000, false) + `}`},
		{"ObjectsNestedFiveThousandDeep", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-4","body":` + nested(5000, true) + `}`},
		{"NumbersForStrings", `{"action":"sendMessage","conversationId":1,"clientMessageId":2,"body":3}`},
		{"AStrayBracketAfterTheObject", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-6","body":"x"}]`},
		{"AnActionThatIsANumber", `{"action":7,"conversationId":"` + convID + `"}`},
		{"ReadMarkerANumber", `{"action":"markRead","conversationId":"` + convID + `","messageId":1}`},
		{"NotJSONAtAll", "hello, is anyone there"},
	}
	for i, tt := range frameCases {
		t.Run("WebSocket/"+tt.name, func(t *testing.T) {
			// Every frame that names a clientMessageId names w-<n>: an
			// acknowledgement of one would show as such.
			got := exchange(t, ws, tt.frame, "w-"+strconv.Itoa(i+1), true)
			if got != errorFrame(chat.CodeBadRequest) {
				t.Errorf("got %s, want %s", got, errorFrame(chat.CodeBadRequest))
			}
		})
	}
	// Frames the gateway must refuse before any function sees them: text
	// that is not UTF-8 (RFC 6455 8.1: fail the connection, 1007; the
	// function's event is JSON and could not carry it unaltered) and frames
	// over API Gateway's 32 KB (1009).
	closing := []struct {
		name, frame string
		want        websocket.StatusCode
	}{
		{"InvalidUTF8InABody", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-utf8","body":"hi ` + "\xff" + `"}`,
			websocket.StatusInvalidFramePayloadData},
		{"InvalidUTF8NotJSON", "\xff\xfe\x00", websocket.StatusInvalidFramePayloadData},
		{"A33KBFrame", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-big","body":"` + strings.Repeat("a", 33<<10) + `"}`,
			websocket.StatusMessageTooBig},
		{"AMegabyteFrame", `{"action":"sendMessage","conversationId":"` + convID + `","clientMessageId":"w-huge","body":"` + megabyte + `"}`,
			websocket.StatusMessageTooBig},
	}
	for _, tt := range closing {
		t.Run("WebSocket/"+tt.name, func(t *testing.T) {
			s := connect(t, alice, convID)
			// The gateway may hang up before the whole frame is written, so
			// a failed write is expected; the close status is what counts.
			_ = s.Send(e2ekit.Context(t, e2ekit.Patience), tt.frame)
			status, err := s.Closed(e2ekit.Context(t, e2ekit.Patience))
			if err != nil || status != tt.want {
				for _, f := range s.Frames() {
					t.Logf("answered: %.200s", f.Raw)
				}
				t.Errorf("closed with %d (%v), want %d", status, err, tt.want)
			}
		})
	}

	if after := rawMessages(t, sam, convID); !reflect.DeepEqual(after, before) {
		t.Errorf("the messages changed:\nbefore %v\nafter  %v", before, after)
	}
	convAfter, err := sam.Conversation(ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(convAfter, convBefore) {
		t.Errorf("the conversation changed:\nbefore %+v\nafter  %+v", convBefore, convAfter)
	}
	// The socket that took every refusal still works.
	settle(t, alice, ws, convID)
}

// TestSenderComesFromTheTokenNeverFromTheRequest: a client that names
// someone else as the sender, a role, an id, a time or a deleted flag in
// its message (as AWS's WebSocket samples trust the client's sender field)
// still sends as itself: the stored message says who really sent it.
func TestSenderComesFromTheTokenNeverFromTheRequest(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	convID := startConversation(t, alice)
	ws := connect(t, alice, convID)
	ctx := e2ekit.Context(t, 20*time.Second)
	spoof := map[string]any{
		"senderId": sam.UserID, "senderRole": "staff", "id": unknownID(), "conversationId": convID,
		"createdAt": "2020-01-01T00:00:00.000Z", "deleted": true, "editedAt": "2020-01-01T00:00:00.000Z",
	}
	httpBody := map[string]any{"clientMessageId": "spoof-http", "body": say("I am the counsellor")}
	frame := map[string]any{"action": "sendMessage", "clientMessageId": "spoof-ws", "body": say("I am the counsellor too")}
	for k, v := range spoof {
		httpBody[k] = v
		if k != "conversationId" {
			frame[k] = v
		}
	}
	frame["conversationId"] = convID
	res, err := alice.Do(ctx, "POST", "/conversations/"+convID+"/messages", httpBody)
	if err != nil || res.Status != 201 {
		t.Fatalf("send with spoofed fields: %d %s %v", res.Status, res.Body, err)
	}
	if got := exchange(t, ws, frame, "spoof-ws", true); got != ack {
		t.Fatalf("frame with spoofed fields: %s, want ack", got)
	}
	msgs := history(t, sam, convID)
	if len(msgs) != 2 {
		t.Fatalf("%d messages stored, want 2", len(msgs))
	}
	for _, m := range msgs {
		if m.SenderID != alice.UserID || m.SenderRole != "client" || m.Deleted || m.EditedAt != nil ||
			m.ID == spoof["id"] || m.CreatedAt.Year() == 2020 {
			t.Errorf("stored %+v: the request chose what only the server may", m)
		}
	}
}
