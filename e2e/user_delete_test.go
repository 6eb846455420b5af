package e2e

import (
	"net/url"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestClientRatesThenHidesAClosedSession: after a session a client may rate
// it once, and may hide it from its own views; counsellors still see it,
// flagged as hidden by the client.
func TestClientRatesThenHidesAClosedSession(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	convID := startConversation(t, alice)
	send(t, alice, convID, "a-1", say("thank you for listening"))
	ctx := e2ekit.Context(t, 30*time.Second)

	wantCode(t, "hide an active session", alice.DeleteConversation(ctx, convID), 409, "conflict")
	wantCode(t, "rate an active session", alice.Feedback(ctx, convID, 5, ""), 409, "conflict")
	if _, err := sam.Claim(ctx, convID); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Close(ctx, convID); err != nil {
		t.Fatal(err)
	}

	t.Run("feedback", func(t *testing.T) {
		for _, bad := range []int{0, 6, -1} {
			wantCode(t, "rating out of range", alice.Feedback(ctx, convID, bad, ""), 400, "bad_request")
		}
		wantCode(t, "counsellor rates", sam.Feedback(ctx, convID, 5, ""), 403, "forbidden")
		res, err := alice.Do(ctx, "POST", "/conversations/"+convID+"/feedback", map[string]any{"rating": 4, "comment": say("it helped")})
		if err != nil || res.Status != 204 {
			t.Fatalf("first rating: status %d, %v; want 204", res.Status, err)
		}
		wantCode(t, "rating twice", alice.Feedback(ctx, convID, 5, ""), 409, "conflict")
	})

	t.Run("hide", func(t *testing.T) {
		res, err := alice.Do(ctx, "DELETE", "/conversations/"+convID, nil)
		if err != nil || res.Status != 204 {
			t.Fatalf("hide the closed session: status %d, %v; want 204", res.Status, err)
		}
		list, err := alice.Conversations(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list.Conversations {
			if c.ID == convID {
				t.Fatalf("the client's list still shows its hidden session: %+v", c)
			}
		}
		_, err = alice.Conversation(ctx, convID)
		wantCode(t, "client GET of its hidden session", err, 404, "not_found")
		_, err = alice.Messages(ctx, convID, nil)
		wantCode(t, "client reads messages of its hidden session", err, 404, "not_found")
		wantCode(t, "client hides it again", alice.DeleteConversation(ctx, convID), 404, "not_found")

		c, err := sam.Conversation(ctx, convID)
		if err != nil {
			t.Fatalf("counsellor GET: %v", err)
		}
		if c.UserDeleted == nil || !*c.UserDeleted {
			t.Fatalf("counsellor sees %+v, want userDeleted true", c)
		}
		if n := len(history(t, sam, convID)); n != 1 {
			t.Fatalf("counsellor sees %d messages, want the 1 sent", n)
		}
		listed := findInStaffList(t, sam, convID, url.Values{"status": {"closed"}})
		if listed.UserDeleted == nil || !*listed.UserDeleted {
			t.Fatalf("counsellor's list shows %+v, want userDeleted true", listed)
		}
	})
}

// findInStaffList pages through staff's list until it finds conversation id.
func findInStaffList(t *testing.T, staff *e2ekit.Person, id string, q url.Values) chat.Conversation {
	t.Helper()
	q.Set("limit", "100")
	for page := 0; page < 20; page++ {
		list, err := staff.Conversations(e2ekit.Context(t, 10*time.Second), q)
		if err != nil {
			t.Fatalf("staff list: %v", err)
		}
		for _, c := range list.Conversations {
			if c.ID == id {
				return c
			}
		}
		if list.NextCursor == nil {
			break
		}
		q.Set("cursor", *list.NextCursor)
	}
	t.Fatalf("conversation %s is not in the staff list", id)
	return chat.Conversation{}
}
