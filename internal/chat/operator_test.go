package chat_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/chat/memstore"
)

// TestRevokeAccess: revoking a person closes and forgets every connection
// of theirs, and voids every credential issued up to then, in token time,
// the second of the revocation included; nobody else is touched.
func TestRevokeAccess(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	a1 := w.connect(t, alice, "a1", c.ID)
	w.connect(t, alice, "a2", c.ID)
	w.connect(t, bob, "b1", w.open(t, bob, chat.Retention24h).ID)
	// Tokens live in real time, which has moved on from the service clock.
	revokedAt := t0.Add(time.Hour)
	w.tokens.Set(revokedAt)

	n, err := w.svc.RevokeAccess(t.Context(), alice.UserID)
	if err != nil || n != 2 {
		t.Fatalf("RevokeAccess = %d, %v; want 2", n, err)
	}
	if closed := slices.Sorted(slices.Values(w.pusher.closed)); !slices.Equal(closed, []string{"a1", "a2"}) {
		t.Errorf("closed %v, want a1 and a2", closed)
	}
	if open, _ := w.store.UserConnections(t.Context(), alice.UserID, w.clock.Now()); len(open) != 0 {
		t.Errorf("alice's connections left: %v", open)
	}
	if _, err := w.store.GetConnection(t.Context(), "b1", w.clock.Now()); err != nil {
		t.Errorf("bob's connection: %v", err)
	}

	tests := []struct {
		name    string
		who     chat.Identity
		issued  time.Time
		revoked bool
	}{
		{"IssuedBefore", alice, revokedAt.Add(-time.Hour), true},
		{"IssuedInTheSameSecond", alice, revokedAt, true},
		{"IssuedASecondLater", alice, revokedAt.Add(time.Second), false},
		{"SomeoneElse", bob, revokedAt.Add(-time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			who := tt.who
			who.IssuedAt = tt.issued
			err := w.svc.CheckCredential(t.Context(), who)
			if chat.IsRevoked(err) != tt.revoked {
				t.Fatalf("CheckCredential = %v, want revoked %v", err, tt.revoked)
			}
			if tt.revoked {
				wantError(t, err, chat.CodeUnauthorized, "Your access has ended. Please sign in again.")
			}
		})
	}
	t.Run("AConnectionLeftOpenCannotSend", func(t *testing.T) {
		_, _, err := w.svc.SendFromConnection(t.Context(), a1, chat.SendInput{ConversationID: c.ID, ClientMessageID: "after", Body: "hello"})
		if !chat.IsRevoked(err) {
			t.Fatalf("send = %v, want revoked", err)
		}
		if page, _ := w.svc.ListMessages(t.Context(), sam, c.ID, chat.MessageQuery{}); len(page.Messages) != 0 {
			t.Errorf("stored %d messages, want none", len(page.Messages))
		}
	})
	t.Run("NobodyConnected", func(t *testing.T) {
		n, err := w.svc.RevokeAccess(t.Context(), "carol-sub")
		if err != nil || n != 0 {
			t.Fatalf("RevokeAccess = %d, %v; want 0", n, err)
		}
		if at, _ := w.store.RevokedAt(t.Context(), "carol-sub", w.clock.Now()); !at.Equal(revokedAt) {
			t.Errorf("carol revoked at %v, want %v", at, revokedAt)
		}
	})
}

// TestEraseClient: erasing a client removes their conversations and
// messages, revokes their credentials and audits the erasure by who did
// it, without content.
func TestEraseClient(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	old := w.open(t, alice, chat.RetentionPermanent)
	w.send(t, alice, old.ID, "the first time")
	w.close(t, old.ID)
	now := w.open(t, alice, chat.Retention24h)
	w.send(t, sam, now.ID, "hello again")
	theirs := w.open(t, bob, chat.Retention24h)
	w.send(t, bob, theirs.ID, "hi")
	w.tokens.Set(t0.Add(time.Hour))

	n, err := w.svc.EraseClient(t.Context(), "operator-1", alice.UserID)
	if err != nil || n < 5 {
		t.Fatalf("EraseClient = %d, %v; want at least her 2 conversations and 2 messages and the lock", n, err)
	}
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"HerConversationsAreGone", func(t *testing.T) {
			for _, c := range []chat.Conversation{old, now} {
				_, err := w.svc.GetConversation(t.Context(), sam, c.ID)
				wantError(t, err, chat.CodeNotFound, "Not found.")
				_, err = w.svc.Transcript(t.Context(), c.ID)
				wantError(t, err, chat.CodeNotFound, "Not found.")
			}
			list, err := w.svc.ListConversations(t.Context(), sam, chat.ListQuery{})
			if err != nil || len(list.Conversations) != 1 || list.Conversations[0].ID != theirs.ID {
				t.Errorf("staff list = %+v, %v; want bob's alone", list.Conversations, err)
			}
		}},
		{"SheHasNoActiveConversation", func(t *testing.T) {
			me, err := w.svc.Me(t.Context(), alice)
			if err != nil || me.ActiveConversationID != nil {
				t.Errorf("Me = %+v, %v; want no active conversation", me, err)
			}
		}},
		{"HerCredentialsAreRevoked", func(t *testing.T) {
			who := alice
			who.IssuedAt = t0
			if err := w.svc.CheckCredential(t.Context(), who); !chat.IsRevoked(err) {
				t.Errorf("CheckCredential = %v, want revoked", err)
			}
		}},
		{"TheErasureIsAudited", func(t *testing.T) {
			list, err := w.svc.Audit(t.Context(), kai, chat.AuditQuery{})
			if err != nil {
				t.Fatal(err)
			}
			erased := slices.IndexFunc(list.Entries, func(e chat.AuditEntry) bool { return e.Action == chat.AuditUserErased })
			if erased < 0 || list.Entries[erased].Actor != "operator-1" || list.Entries[erased].Target != alice.UserID {
				t.Errorf("audit trail %+v, want user.erased of alice-sub by operator-1", list.Entries)
			}
		}},
		{"OthersAreUntouched", func(t *testing.T) {
			page, err := w.svc.ListMessages(t.Context(), bob, theirs.ID, chat.MessageQuery{})
			if err != nil || len(page.Messages) != 1 {
				t.Errorf("bob's messages = %d, %v; want 1", len(page.Messages), err)
			}
			who := bob
			who.IssuedAt = t0
			if err := w.svc.CheckCredential(t.Context(), who); err != nil {
				t.Errorf("bob's credential: %v", err)
			}
		}},
		{"NoSubIsABadRequest", func(t *testing.T) {
			_, err := w.svc.EraseClient(t.Context(), "operator-1", "")
			wantError(t, err, chat.CodeBadRequest, "A client's sub is required.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

// pagedStore counts the pages of messages read from it.
type pagedStore struct {
	*memstore.Store
	pages atomic.Int64
}

func (s *pagedStore) ListMessages(ctx context.Context, id string, q chat.MessageRange, now time.Time) (chat.Page[chat.Message], error) {
	s.pages.Add(1)
	return s.Store.ListMessages(ctx, id, q, now)
}

// TestTranscript: the transcript of a permanent conversation is all of it,
// oldest first, a deleted message in its place without its text (even one
// whose record still holds it), however many pages it takes to read; a
// 24h conversation is refused.
func TestTranscript(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.RetentionPermanent)
	var sent []chat.Message
	for i := range 7 {
		who := map[bool]chat.Identity{true: sam, false: alice}[i%2 == 1]
		sent = append(sent, w.send(t, who, c.ID, fmt.Sprintf("line %d", i)))
	}
	if err := w.svc.DeleteMessage(t.Context(), sam, c.ID, sent[3].ID); err != nil {
		t.Fatal(err)
	}
	// A deleted message whose record still holds its text: the transcript
	// must not show it either.
	w.clock.Advance(time.Second)
	kept := chat.Message{ID: chat.NewID(w.clock.Now()), ConversationID: c.ID, SenderID: alice.UserID, SenderRole: chat.RoleClient,
		Body: "never to be shown", ClientMessageID: "kept", CreatedAt: chat.At(w.clock.Now()), Deleted: true}
	if _, _, err := w.store.PutMessage(t.Context(), kept, chat.Condition{}); err != nil {
		t.Fatal(err)
	}
	sent = append(sent, kept)
	deleted := map[int]bool{3: true, 7: true}
	private := w.open(t, bob, chat.Retention24h)
	store := &pagedStore{Store: w.store}
	svc := chat.NewService(chat.Options{Store: store, Pusher: w.pusher, Now: w.clock.Now, TokenNow: w.tokens.Now, Logger: slog.New(slog.DiscardHandler)})

	for _, tt := range []struct{ page, reads int }{{1, 8}, {2, 4}, {3, 3}, {7, 2}, {8, 1}, {100, 1}} {
		t.Run(fmt.Sprintf("PagesOf%d", tt.page), func(t *testing.T) {
			chat.SetTranscriptPage(t, tt.page)
			store.pages.Store(0)
			tr, err := svc.Transcript(t.Context(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if reads := store.pages.Load(); reads != int64(tt.reads) {
				t.Errorf("read %d pages, want %d", reads, tt.reads)
			}
			if tr.Conversation.ID != c.ID || !slices.Equal(ids(tr.Messages), ids(sent)) {
				t.Fatalf("transcript of %s: %v, want %v", tr.Conversation.ID, ids(tr.Messages), ids(sent))
			}
			for i, m := range tr.Messages {
				if deleted := deleted[i]; m.Deleted != deleted || (m.Body == "") != deleted || (!deleted && m.Body != sent[i].Body) {
					t.Errorf("message %d = %+v, want deleted %v (without text)", i, m, deleted)
				}
			}
		})
	}
	refused := []struct {
		name    string
		id      string
		code    chat.Code
		message string
	}{
		{"TwentyFourHours", private.ID, chat.CodeForbidden, fmt.Sprintf("Conversation %s keeps its messages for 24 hours only: only permanent conversations can be exported.", private.ID)},
		{"Unknown", chat.NewID(t0), chat.CodeNotFound, "Not found."},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Transcript(t.Context(), tt.id)
			wantError(t, err, tt.code, tt.message)
		})
	}
}
