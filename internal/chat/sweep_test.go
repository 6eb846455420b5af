package chat_test

import (
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// TestSweep: the retention sweep closes conversations idle past the idle
// timeout (by "system", telling their connections), deletes what expired,
// cuts off revoked people's connections, and leaves the rest.
func TestSweep(t *testing.T) {
	w := newWorld(t, chat.Limits{IdleTimeout: 12 * time.Hour})
	idle := w.open(t, alice, chat.Retention24h)
	old := w.send(t, alice, idle.ID, "a day ago")
	w.clock.Advance(25 * time.Hour) // alice's message has expired, her conversation is idle
	busy := w.open(t, bob, chat.Retention24h)
	w.send(t, bob, busy.ID, "just now")
	w.tokens.Set(w.clock.Now())
	w.connect(t, alice, "a1", idle.ID)
	w.connect(t, bob, "b1", busy.ID)
	w.connect(t, sam, "f1", "")
	w.connect(t, kim, "f2", "")
	// Sam's credentials are revoked without his connection being closed
	// (as when an operator's cut-off failed half way): the sweep finds it.
	w.tokens.Advance(time.Minute)
	if err := w.store.Revoke(t.Context(), sam.UserID, w.tokens.Now()); err != nil {
		t.Fatal(err)
	}
	w.pusher.take()

	rep, err := w.svc.Sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sent := w.pusher.take()
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"TheIdleOneIsClosedBySystem", func(t *testing.T) {
			c, err := w.svc.GetConversation(t.Context(), kai, idle.ID)
			if err != nil || c.Status != chat.StatusClosed || c.ClosedBy == nil || *c.ClosedBy != chat.ClosedBySystem {
				t.Fatalf("idle conversation = %+v, %v; want closed by system", c, err)
			}
			if rep.Closed != 1 || !rep.Complete {
				t.Errorf("report %+v, want 1 closed, complete", rep)
			}
			if fs := sent["a1"]; len(fs) != 1 || fs[0].Type != chat.EventConversationClosed {
				t.Errorf("a1 was sent %+v, want conversation.closed", fs)
			}
		}},
		{"TheBusyOneStays", func(t *testing.T) {
			c, err := w.svc.GetConversation(t.Context(), sam, busy.ID)
			if err != nil || c.Status != chat.StatusActive {
				t.Errorf("busy conversation = %+v, %v; want active", c, err)
			}
		}},
		{"WhatExpiredIsDeleted", func(t *testing.T) {
			// Read as the day it was sent: only deletion hides it then.
			if _, err := w.store.GetMessage(t.Context(), idle.ID, old.ID, t0); chat.CodeOf(err) != chat.CodeNotFound {
				t.Errorf("the expired message is still stored: %v", err)
			}
			if rep.Expired < 1 {
				t.Errorf("report %+v, want something expired", rep)
			}
		}},
		{"RevokedConnectionsAreCutOff", func(t *testing.T) {
			if rep.CutOff != 1 || !slices.Equal(w.pusher.closed, []string{"f1"}) {
				t.Errorf("cut off %d, closed %v; want sam's f1 alone", rep.CutOff, w.pusher.closed)
			}
			if fs := sent["f1"]; len(fs) != 1 || fs[0].Type != chat.EventError || fs[0].Code != chat.CodeUnauthorized {
				t.Errorf("f1 was sent %+v, want the unauthorized frame alone", fs)
			}
			open, _ := w.store.OpenConnections(t.Context(), w.clock.Now())
			if got := slices.Sorted(func(yield func(string) bool) {
				for _, c := range open {
					if !yield(c.ID) {
						return
					}
				}
			}); !slices.Equal(got, []string{"a1", "b1", "f2"}) || rep.Connections != 3 {
				t.Errorf("open after the sweep: %v (report %d), want a1, b1, f2", got, rep.Connections)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
