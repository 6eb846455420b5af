package e2e

// Tests of items of the seed checklist (docs/seed-checklist.md) that no
// other test proved; docs/checklist.md names them.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestWidgetAnswerHoldsOnlyWhatTheWidgetShows is the seed's "Widget API
// returns minimal necessary data": GET /widget/messages answers with the
// client's active conversation, its visible messages and the unread count,
// and nothing else: no field of the conversation that only staff see
// (userDeleted), no message the client took back (not even as a
// tombstone), nothing of the client's earlier conversation, and no field
// beyond docs/protocol.md's Message.
func TestWidgetAnswerHoldsOnlyWhatTheWidgetShows(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	ctx := e2ekit.Context(t, 30*time.Second)

	earlier := startConversation(t, alice)
	old := send(t, alice, earlier, "old-1", say("from an earlier session"))
	if _, err := sam.Close(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	if err := alice.DeleteConversation(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	convID := startConversation(t, alice)
	kept := send(t, alice, convID, "a-1", say("I would like to talk"))
	takenBack := send(t, alice, convID, "a-2", say("something I take back"))
	reply := send(t, sam, convID, "s-1", say("I'm listening"))
	if err := alice.DeleteMessage(ctx, convID, takenBack.ID); err != nil {
		t.Fatal(err)
	}

	res, err := alice.Do(ctx, "GET", "/widget/messages", nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("GET /widget/messages: status %d, %v; want 200", res.Status, err)
	}
	var answer struct {
		Conversation map[string]json.RawMessage   `json:"conversation"`
		Messages     []map[string]json.RawMessage `json:"messages"`
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(res.Body, &top); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(res.Body, &answer); err != nil {
		t.Fatal(err)
	}

	type shape struct {
		name string
		got  map[string]json.RawMessage
		want []string
	}
	shapes := []shape{
		{"the answer", top, []string{"conversation", "messages", "unread"}},
		{"the conversation", answer.Conversation, []string{"assignee", "assigneeName", "closedAt", "closedBy", "createdAt", "id", "lastMessageAt", "retention", "status", "unread", "userId"}},
	}
	for i, m := range answer.Messages {
		shapes = append(shapes, shape{fmt.Sprintf("message %d", i+1), m,
			[]string{"body", "clientMessageId", "conversationId", "createdAt", "deleted", "editedAt", "id", "senderId", "senderRole"}})
	}
	for _, s := range shapes {
		if got := slices.Sorted(maps.Keys(s.got)); !slices.Equal(got, s.want) {
			t.Errorf("%s has the fields %v, want exactly %v", s.name, got, s.want)
		}
	}

	var gotIDs []string
	for _, m := range answer.Messages {
		var id, conv string
		var deleted bool
		_ = json.Unmarshal(m["id"], &id)
		_ = json.Unmarshal(m["conversationId"], &conv)
		_ = json.Unmarshal(m["deleted"], &deleted)
		if conv != convID || deleted {
			t.Errorf("message %s of conversation %s (deleted %v) in the answer, want only visible messages of %s", id, conv, deleted, convID)
		}
		gotIDs = append(gotIDs, id)
	}
	if want := []string{kept.ID, reply.ID}; !slices.Equal(gotIDs, want) {
		t.Errorf("the answer holds the messages %v, want %v (not %s, taken back, nor %s, of the earlier session)", gotIDs, want, takenBack.ID, old.ID)
	}
}

// TestInjectionLookingInputIsJustText is the seed's "SQL injection attempts
// fail safely" on Confide's DynamoDB: text shaped as SQL, as a DynamoDB
// expression or as a NoSQL operator is, as a message body, stored and read
// back exactly as written; as a conversation id it finds nothing
// (not_found), and as a cursor or a clientMessageId it is refused
// (bad_request). Nothing of another client's conversation comes back, and
// that conversation is untouched.
func TestInjectionLookingInputIsJustText(t *testing.T) {
	alice := newPerson(t, false)
	bob := newPerson(t, false)
	sam := newPerson(t, true)
	ctx := e2ekit.Context(t, 60*time.Second)
	convID := startConversation(t, alice)
	bobsConv := startConversation(t, bob)
	bobsWords := send(t, bob, bobsConv, "b-1", say("bob's own words"))

	payloads := []struct{ name, text string }{
		{"SQLTautology", `' OR '1'='1' --`},
		{"SQLStackedQuery", `'; DROP TABLE conversations; --`},
		{"SQLUnion", `1 UNION SELECT userId, body FROM messages`},
		{"DynamoDBExpression", `#pk = :pk OR attribute_exists(body)`},
		{"NoSQLOperator", `{"$ne": null}`},
	}
	var bodies []string
	for i, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			body := say(p.text)
			bodies = append(bodies, body)
			m := send(t, alice, convID, fmt.Sprintf("inj-%d", i), body)
			if m.Body != body {
				t.Errorf("stored body %q, want %q exactly", m.Body, body)
			}
			asked := []struct {
				what, method, path string
				send               any
				status             int
				code               string
			}{
				{"as a conversation id", "GET", "/conversations/" + url.PathEscape(p.text) + "/messages", nil, 404, "not_found"},
				{"as a cursor", "GET", "/conversations/" + convID + "/messages?" + url.Values{"cursor": {p.text}}.Encode(), nil, 400, "bad_request"},
				{"as a clientMessageId", "POST", "/conversations/" + convID + "/messages", map[string]string{"clientMessageId": p.text, "body": "hello"}, 400, "bad_request"},
			}
			for _, a := range asked {
				res, err := alice.Do(ctx, a.method, a.path, a.send)
				if err != nil {
					t.Fatal(err)
				}
				if status, code := errorOf(res); status != a.status || code != a.code {
					t.Errorf("%s: got %d %s (%.200s), want %d %s", a.what, status, code, res.Body, a.status, a.code)
				}
			}
		})
	}

	var got []string
	for _, m := range history(t, sam, convID) {
		got = append(got, m.Body)
	}
	if !slices.Equal(got, bodies) {
		t.Errorf("the counsellor reads %q, want exactly the bodies sent %q", got, bodies)
	}
	if theirs := history(t, sam, bobsConv); len(theirs) != 1 || theirs[0].ID != bobsWords.ID || theirs[0].Body != bobsWords.Body {
		t.Errorf("the other client's conversation holds %+v, want only its own message", theirs)
	}
}
