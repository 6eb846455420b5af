package wsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
)

func supervisor(sub string) chat.Identity {
	return chat.Identity{UserID: sub, Username: "supervisor-" + sub, Role: chat.RoleStaff, Supervisor: true}
}

// TestPostsPerMessageDoNotGrowWithCounsellorsOnline counts the
// PostToConnection calls of one message (the SDK middleware of apptest sees
// every call): in a conversation assigned to a counsellor they are the
// conversation's own connection, the assignee's feed and the supervisor's
// feed, whether 10 or 100 counsellors are online; while it waits for a
// counsellor every feed gets it, since every counsellor may read it to
// choose.
func TestPostsPerMessageDoNotGrowWithCounsellorsOnline(t *testing.T) {
	for _, n := range []int{10, 100} {
		t.Run(fmt.Sprintf("%dCounsellors", n), func(t *testing.T) {
			s := newStack(t, apptest.WithCalls(0))
			alice := client("alice")
			conv := s.open(t, alice)
			sender := s.connected(t, alice, conv)
			for i := range n {
				s.connected(t, counsellor(fmt.Sprintf("c%03d", i)), "")
			}
			s.connected(t, supervisor("sup"), "")

			posts := func(cmid string) int {
				t.Helper()
				s.Calls.Reset()
				if res := s.frame(t, sender, sendFrame(conv, cmid, "hello")); res.StatusCode != http.StatusOK || res.Body != "" {
					t.Fatalf("send: %d %q", res.StatusCode, res.Body)
				}
				count := 0
				for _, c := range s.Calls.All() {
					if c.Operation == "PostToConnection" {
						count++
					}
				}
				return count
			}
			if got, want := posts("waiting"), 1+n+1; got != want {
				t.Errorf("posts of a message while it waits = %d, want %d (the sender, every feed)", got, want)
			}
			if _, err := s.App.Service.Claim(context.Background(), counsellor("c007"), conv); err != nil {
				t.Fatal(err)
			}
			if got, want := posts("assigned"), 3; got != want {
				t.Errorf("posts of a message once assigned = %d, want %d (the sender, the assignee's feed, the supervisor's feed)", got, want)
			}
		})
	}
}

// TestFeedCarriesWordsOnlyToThoseWhoMayReadThem: once a conversation is
// assigned, another counsellor's feed gets its queue events but not its
// messages, typing or read markers; the assignee's and a supervisor's get
// all of them.
func TestFeedCarriesWordsOnlyToThoseWhoMayReadThem(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	alice, assignee, other, sup := client("alice"), counsellor("assignee"), counsellor("other"), supervisor("sup")
	conv := s.open(t, alice)
	aliceConn := s.connected(t, alice, conv)
	feeds := map[string]string{
		"assignee":   s.connected(t, assignee, ""),
		"other":      s.connected(t, other, ""),
		"supervisor": s.connected(t, sup, ""),
	}
	if _, err := s.App.Service.Claim(ctx, assignee, conv); err != nil {
		t.Fatal(err)
	}
	mark := s.Posts.Count()
	s.frame(t, aliceConn, sendFrame(conv, "w-1", "the words"))
	s.frame(t, aliceConn, fmt.Sprintf(`{"action":"typing","conversationId":%q,"typing":true}`, conv))
	list, err := s.App.Service.ListMessages(ctx, alice, conv, chat.MessageQuery{})
	if err != nil || len(list.Messages) != 1 {
		t.Fatalf("messages = %+v, %v", list.Messages, err)
	}
	s.frame(t, aliceConn, fmt.Sprintf(`{"action":"markRead","conversationId":%q,"messageId":%q}`, conv, list.Messages[0].ID))
	if _, err := s.App.Service.Close(ctx, assignee, conv); err != nil {
		t.Fatal(err)
	}
	posts := s.Posts.Since(mark)

	tests := []struct {
		feed string
		want []string
	}{
		{"assignee", []string{chat.EventMessageCreated, chat.EventTyping, chat.EventRead, chat.EventConversationClosed}},
		{"supervisor", []string{chat.EventMessageCreated, chat.EventTyping, chat.EventRead, chat.EventConversationClosed}},
		{"other", []string{chat.EventConversationClosed}},
	}
	for _, tt := range tests {
		t.Run(tt.feed, func(t *testing.T) {
			var got []string
			for _, f := range posts[feeds[tt.feed]] {
				got = append(got, frameType(t, f))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("the %s's feed got %v, want %v", tt.feed, got, tt.want)
			}
		})
	}
}

// frameType is the "type" of a pushed frame.
func frameType(t *testing.T, frame string) string {
	t.Helper()
	var f struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(frame), &f); err != nil {
		t.Fatalf("decode %s: %v", frame, err)
	}
	return f.Type
}
