package chat_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// TestOneActiveConversation: a client has at most one active conversation;
// a second is a conflict naming the first, until it is closed.
func TestOneActiveConversation(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, w *world)
	}{
		{"ASecondIsAConflictNamingTheFirst", func(t *testing.T, w *world) {
			first := w.open(t, alice, chat.Retention24h)
			_, err := w.svc.CreateConversation(t.Context(), alice, chat.RetentionPermanent)
			wantError(t, err, chat.CodeConflict, "You already have an active conversation.")
			if e := new(chat.Error); !errors.As(err, &e) || e.ConversationID != first.ID {
				t.Errorf("conflict %v does not name %s", err, first.ID)
			}
			me, err := w.svc.Me(t.Context(), alice)
			if err != nil || me.ActiveConversationID == nil || *me.ActiveConversationID != first.ID {
				t.Errorf("Me = %+v, %v; want the first active", me, err)
			}
		}},
		{"AfterTheCloseANewOneStarts", func(t *testing.T, w *world) {
			first := w.open(t, alice, chat.Retention24h)
			w.close(t, first.ID)
			if me, _ := w.svc.Me(t.Context(), alice); me.ActiveConversationID != nil {
				t.Errorf("active after the close: %v", *me.ActiveConversationID)
			}
			second := w.open(t, alice, chat.Retention24h)
			if second.ID == first.ID || second.Status != chat.StatusActive {
				t.Errorf("second = %+v", second)
			}
		}},
		{"OtherClientsAreIndependent", func(t *testing.T, w *world) {
			w.open(t, alice, chat.Retention24h)
			w.open(t, bob, chat.Retention24h)
		}},
		{"PrivateByDefault", func(t *testing.T, w *world) {
			c := w.open(t, alice, "")
			if c.Retention != chat.Retention24h || c.UserDeleted != nil || c.UserID != alice.UserID {
				t.Errorf("conversation = %+v, want 24h, the client's view", c)
			}
		}},
		{"UnknownRetentionIsABadRequest", func(t *testing.T, w *world) {
			_, err := w.svc.CreateConversation(t.Context(), alice, "forever")
			wantError(t, err, chat.CodeBadRequest, `retention must be "24h" or "permanent".`)
		}},
		{"CounsellorsCannotStartOne", func(t *testing.T, w *world) {
			_, err := w.svc.CreateConversation(t.Context(), sam, chat.Retention24h)
			wantError(t, err, chat.CodeForbidden, "Counsellors cannot start a conversation.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newWorld(t, chat.Limits{})) })
	}
}

// scene is the world of TestRefusals: alice's active conversation a, with
// her message mine and sam's message theirs; bob's conversation b, with
// his message, closed by sam, rated by bob.
type scene struct {
	a, b         chat.Conversation
	mine, theirs chat.Message
	bobs         chat.Message
}

func newScene(t *testing.T, w *world) scene {
	t.Helper()
	s := scene{a: w.open(t, alice, chat.Retention24h), b: w.open(t, bob, chat.Retention24h)}
	s.mine = w.send(t, alice, s.a.ID, "mine")
	s.theirs = w.send(t, sam, s.a.ID, "theirs")
	s.bobs = w.send(t, bob, s.b.ID, "bob's")
	w.close(t, s.b.ID)
	if err := w.svc.Feedback(t.Context(), bob, s.b.ID, 4, "thank you"); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRefusals: what each caller may not do, with the exact answer; a
// refusal changes nothing, tells no one and audits nothing.
func TestRefusals(t *testing.T) {
	unknown := chat.NewID(t0)
	tests := []struct {
		name    string
		do      func(t *testing.T, w *world, s scene) error
		code    chat.Code
		message string
	}{
		{"ClientClosesTheirOwn", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Close(t.Context(), alice, s.a.ID)
			return err
		}, chat.CodeForbidden, "Only a counsellor can close this conversation."},
		{"ClientClosesAnothers", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Close(t.Context(), alice, s.b.ID)
			return err
		}, chat.CodeNotFound, "Not found."},
		{"CloseAClosedOne", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Close(t.Context(), kai, s.b.ID)
			return err
		}, chat.CodeConflict, "This conversation is closed."},
		{"CounsellorClosesOneAColleagueClosed", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Close(t.Context(), kim, s.b.ID)
			return err
		}, chat.CodeForbidden, "This conversation is assigned to a colleague; only they and a supervisor can read it."},
		{"CloseAnUnknownOne", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Close(t.Context(), sam, unknown)
			return err
		}, chat.CodeNotFound, "Not found."},
		{"CloseAMalformedID", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Close(t.Context(), sam, "../b")
			return err
		}, chat.CodeNotFound, "Not found."},
		{"ClientClaims", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Claim(t.Context(), alice, s.a.ID)
			return err
		}, chat.CodeForbidden, "Only counsellors can claim a conversation."},
		{"ClientClaimsAnothers", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Claim(t.Context(), alice, s.b.ID)
			return err
		}, chat.CodeNotFound, "Not found."},
		{"ClaimAClosedOne", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Claim(t.Context(), sam, s.b.ID)
			return err
		}, chat.CodeConflict, "This conversation is closed."},
		{"ClaimAnUnknownOne", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.Claim(t.Context(), sam, unknown)
			return err
		}, chat.CodeNotFound, "Not found."},
		{"StaffChangeRetention", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.SetRetention(t.Context(), sam, s.a.ID, chat.RetentionPermanent)
			return err
		}, chat.CodeForbidden, "Only the client of this conversation can do this."},
		{"ClientChangesAnothersRetention", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.SetRetention(t.Context(), alice, s.b.ID, chat.RetentionPermanent)
			return err
		}, chat.CodeNotFound, "Not found."},
		{"UnknownRetention", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.SetRetention(t.Context(), alice, s.a.ID, "forever")
			return err
		}, chat.CodeBadRequest, `retention must be "24h" or "permanent".`},
		{"HideWhileActive", func(t *testing.T, w *world, s scene) error {
			return w.svc.DeleteConversation(t.Context(), alice, s.a.ID)
		}, chat.CodeConflict, "Close the conversation before deleting it."},
		{"StaffHide", func(t *testing.T, w *world, s scene) error {
			return w.svc.DeleteConversation(t.Context(), kai, s.b.ID)
		}, chat.CodeForbidden, "Only the client of this conversation can do this."},
		{"ClientHidesAnothers", func(t *testing.T, w *world, s scene) error {
			return w.svc.DeleteConversation(t.Context(), alice, s.b.ID)
		}, chat.CodeNotFound, "Not found."},
		{"FeedbackWhileActive", func(t *testing.T, w *world, s scene) error {
			return w.svc.Feedback(t.Context(), alice, s.a.ID, 5, "")
		}, chat.CodeConflict, "Feedback can be given once the conversation is closed."},
		{"FeedbackTwice", func(t *testing.T, w *world, s scene) error {
			return w.svc.Feedback(t.Context(), bob, s.b.ID, 5, "again")
		}, chat.CodeConflict, "Feedback was already given for this conversation."},
		{"RatingZero", func(t *testing.T, w *world, s scene) error {
			return w.svc.Feedback(t.Context(), bob, s.b.ID, 0, "")
		}, chat.CodeBadRequest, "rating must be a whole number from 1 to 5."},
		{"RatingSix", func(t *testing.T, w *world, s scene) error {
			return w.svc.Feedback(t.Context(), bob, s.b.ID, 6, "")
		}, chat.CodeBadRequest, "rating must be a whole number from 1 to 5."},
		{"StaffFeedback", func(t *testing.T, w *world, s scene) error {
			return w.svc.Feedback(t.Context(), kai, s.b.ID, 4, "")
		}, chat.CodeForbidden, "Only the client of this conversation can do this."},
		{"FeedbackOnAnothers", func(t *testing.T, w *world, s scene) error {
			return w.svc.Feedback(t.Context(), alice, s.b.ID, 4, "")
		}, chat.CodeNotFound, "Not found."},
		{"SendToAClosedOne", func(t *testing.T, w *world, s scene) error {
			_, _, err := w.svc.SendMessage(t.Context(), bob, chat.SendInput{ConversationID: s.b.ID, ClientMessageID: "late", Body: "still there?"})
			return err
		}, chat.CodeConflict, "This conversation is closed."},
		{"StaffSendToAClosedOne", func(t *testing.T, w *world, s scene) error {
			_, _, err := w.svc.SendMessage(t.Context(), kai, chat.SendInput{ConversationID: s.b.ID, ClientMessageID: "late", Body: "one more thing"})
			return err
		}, chat.CodeConflict, "This conversation is closed."},
		{"SendToAnothers", func(t *testing.T, w *world, s scene) error {
			_, _, err := w.svc.SendMessage(t.Context(), bob, chat.SendInput{ConversationID: s.a.ID, ClientMessageID: "in", Body: "hi"})
			return err
		}, chat.CodeNotFound, "Not found."},
		{"EditAnothersMessage", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.EditMessage(t.Context(), sam, s.a.ID, s.mine.ID, "put words in her mouth")
			return err
		}, chat.CodeNotFound, "Not found."},
		{"EditInAClosedOne", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.EditMessage(t.Context(), bob, s.b.ID, s.bobs.ID, "changed my mind")
			return err
		}, chat.CodeConflict, "This conversation is closed."},
		{"DeleteAnothersMessage", func(t *testing.T, w *world, s scene) error {
			return w.svc.DeleteMessage(t.Context(), alice, s.a.ID, s.theirs.ID)
		}, chat.CodeNotFound, "Not found."},
		{"DeleteInAnothers", func(t *testing.T, w *world, s scene) error {
			return w.svc.DeleteMessage(t.Context(), alice, s.b.ID, s.bobs.ID)
		}, chat.CodeNotFound, "Not found."},
		{"ReadAnothers", func(t *testing.T, w *world, s scene) error {
			_, err := w.svc.ListMessages(t.Context(), alice, s.b.ID, chat.MessageQuery{})
			return err
		}, chat.CodeNotFound, "Not found."},
		{"MarkReadInAnothers", func(t *testing.T, w *world, s scene) error {
			return w.svc.MarkRead(t.Context(), alice, s.b.ID, s.bobs.ID)
		}, chat.CodeNotFound, "Not found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, chat.Limits{})
			s := newScene(t, w)
			w.pusher.take()
			before := snapshot(t, w, s)
			audits := w.auditCount(t)
			wantError(t, tt.do(t, w, s), tt.code, tt.message)
			if after := snapshot(t, w, s); !reflect.DeepEqual(after, before) {
				t.Errorf("the refusal changed the conversations:\nbefore %+v\nafter  %+v", before, after)
			}
			if got := w.pusher.take(); len(got) != 0 {
				t.Errorf("the refusal was sent to %v", audience(got))
			}
			if n := w.auditCount(t); n != audits {
				t.Errorf("the refusal was audited: %d entries, were %d", n, audits)
			}
		})
	}
}

// snapshot is what the scene's conversations hold, as staff see them.
func snapshot(t *testing.T, w *world, s scene) []any {
	t.Helper()
	var out []any
	for _, c := range []chat.Conversation{s.a, s.b} {
		got, err := w.svc.GetConversation(t.Context(), kai, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := w.svc.ListMessages(t.Context(), kai, c.ID, chat.MessageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := w.store.GetConversation(t.Context(), c.ID, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got, msgs, stored.Rating, stored.Comment)
	}
	return out
}

// TestConversationViews: a client sees their own conversation without the
// hidden flag and not at all once they hid it; staff who may read it (here
// a supervisor: it closed unclaimed) always see it, with the flag.
func TestConversationViews(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	w.close(t, c.ID)
	hiddenFlag := func(v bool) *bool { return &v }
	tests := []struct {
		name    string
		hide    bool
		caller  chat.Identity
		visible bool
		flag    *bool
	}{
		{"ClientSeesTheirs", false, alice, true, nil},
		{"StaffSeeItUnhidden", false, kai, true, hiddenFlag(false)},
		{"OtherClientsDoNot", false, bob, false, nil},
		{"ClientNoLongerSeesWhatTheyHid", true, alice, false, nil},
		{"StaffSeeItHidden", true, kai, true, hiddenFlag(true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.hide {
				if err := w.svc.DeleteConversation(t.Context(), alice, c.ID); err != nil && chat.CodeOf(err) != chat.CodeNotFound {
					t.Fatal(err)
				}
			}
			got, err := w.svc.GetConversation(t.Context(), tt.caller, c.ID)
			list, lerr := w.svc.ListConversations(t.Context(), tt.caller, chat.ListQuery{})
			if lerr != nil {
				t.Fatal(lerr)
			}
			listed := slices.ContainsFunc(list.Conversations, func(l chat.Conversation) bool { return l.ID == c.ID })
			if !tt.visible {
				wantError(t, err, chat.CodeNotFound, "Not found.")
				if listed {
					t.Errorf("listed to %s", tt.caller.Username)
				}
				return
			}
			if err != nil || !listed {
				t.Fatalf("GetConversation = %v, listed %v; want it seen", err, listed)
			}
			if !reflect.DeepEqual(got.UserDeleted, tt.flag) {
				t.Errorf("userDeleted = %v, want %v", got.UserDeleted, tt.flag)
			}
		})
	}
}

// TestListConversationsPages: every caller pages through their listing
// with cursors, most recently active first, each conversation once; a
// cursor is the caller's own.
func TestListConversationsPages(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	clients := []chat.Identity{alice, bob}
	var all, alices []string // newest first
	for i := range 7 {
		who := clients[i%2]
		c := w.open(t, who, chat.RetentionPermanent)
		w.send(t, who, c.ID, "hello")
		if i < 5 {
			w.close(t, c.ID)
		}
		all = append([]string{c.ID}, all...)
		if who == alice {
			alices = append([]string{c.ID}, alices...)
		}
		w.clock.Advance(time.Minute)
	}
	tests := []struct {
		name   string
		caller chat.Identity
		status chat.Status
		want   []string
	}{
		{"SupervisorSeesEvery", kai, "", all},
		{"CounsellorSeesTheQueueNotOthersClosed", sam, "", all[:2]},
		{"StaffByStatus", sam, chat.StatusActive, all[:2]},
		{"ClientSeesTheirOwn", alice, "", alices},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 3, 100} {
			t.Run(fmt.Sprintf("%s/PagesOf%d", tt.name, limit), func(t *testing.T) {
				var got []string
				cursor := ""
				for range 20 {
					page, err := w.svc.ListConversations(t.Context(), tt.caller, chat.ListQuery{Status: tt.status, Cursor: cursor, Limit: limit})
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range page.Conversations {
						got = append(got, c.ID)
					}
					if page.NextCursor == nil {
						break
					}
					cursor = *page.NextCursor
					if _, err := w.svc.ListConversations(t.Context(), bob, chat.ListQuery{Status: tt.status, Cursor: cursor, Limit: limit}); tt.caller != bob && chat.CodeOf(err) != chat.CodeBadRequest {
						t.Fatalf("another caller's cursor: %v, want bad_request", err)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("pages of %d: %v, want %v", limit, got, tt.want)
				}
			})
		}
	}
}
