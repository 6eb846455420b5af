package storetest

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// ExpiryScenario is what SeedExpiry stored.
type ExpiryScenario struct {
	// Now is when the sweep runs, a day after the scenario starts.
	Now time.Time
	// Day are the messages of client u1's 24h conversation c24, sent at
	// the start, an hour and 23 hours later: the first has expired at Now,
	// and so has staff-1's read marker on it.
	Day []chat.Message
	// Perm is the message of client u2's permanent conversation cperm.
	Perm chat.Message
}

// SeedExpiry stores what the contract's DeleteExpired test sweeps: besides
// ExpiryScenario's conversations, a closed 24h conversation cclosed whose
// record (and so all of it) expired two hours after the start, two
// connections (k1 of u1 in c24, f1 a staff feed) that expired after their
// lifetime, a connection k2 in cperm that lives two days, and a ticket h
// that expired after a minute.
func SeedExpiry(t *testing.T, s chat.Store) ExpiryScenario {
	t.Helper()
	e := &env{Store: s}
	ids := newIDs()
	sc := ExpiryScenario{Now: t0.Add(24 * time.Hour)}
	e.mustCreate(t, conversation("c24", "u1", chat.Retention24h, t0))
	for _, h := range []time.Duration{0, time.Hour, 23 * time.Hour} {
		sc.Day = append(sc.Day, e.mustPut(t, message(ids.at(t0.Add(h)), "c24", "u1", chat.RoleClient, t0.Add(h)), chat.Retention24h))
	}
	markerExp := t0.Add(24 * time.Hour)
	if err := e.PutReadMarker(t.Context(), "c24", "staff-1", sc.Day[0].ID, chat.At(markerExp).Ptr()); err != nil {
		t.Fatal(err)
	}
	e.mustCreate(t, conversation("cperm", "u2", chat.RetentionPermanent, t0))
	sc.Perm = e.mustPut(t, message(ids.at(t0), "cperm", "u2", chat.RoleClient, t0), chat.RetentionPermanent)
	e.mustCreate(t, conversation("cclosed", "u3", chat.Retention24h, t0))
	e.mustPut(t, message(ids.at(t0.Add(30*time.Minute)), "cclosed", "u3", chat.RoleClient, t0.Add(30*time.Minute)), chat.Retention24h)
	recordExp := t0.Add(2 * time.Hour)
	e.mustClose(t, "cclosed", t0.Add(time.Hour), &recordExp)
	live := connection("k2", "u2", chat.RoleClient, "cperm")
	live.ExpiresAt = chat.At(t0.Add(48 * time.Hour))
	e.mustConnect(t, connection("k1", "u1", chat.RoleClient, "c24"), connection("f1", "s1", chat.RoleStaff, ""), live)
	if err := e.PutTicket(t.Context(), "h", chat.TicketClaims{ExpiresAt: chat.At(t0.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	return sc
}

// testDeleteExpired: the sweep removes what expired, in batches, and only
// that. What it removed is checked by reading at the start, when nothing
// had expired yet: only deletion can hide it then.
func testDeleteExpired(t *testing.T, f factory) {
	e := f.new(t)
	sc := SeedExpiry(t, e)
	now := sc.Now

	t.Run("RemovesWhatExpiredInBatches", func(t *testing.T) {
		total, ended := 0, false
		for i := range 20 {
			n, err := e.DeleteExpired(t.Context(), now, 4)
			if err != nil {
				t.Fatal(err)
			}
			if n > 4 || (i == 0 && n != 4) {
				t.Fatalf("DeleteExpired(limit 4) removed %d, want 4 while more is left", n)
			}
			if n == 0 {
				ended = true
				break
			}
			total += n
		}
		// Two messages, their clientMessageId records, a read marker, a
		// conversation record and two connections, at least.
		if !ended || total < 8 {
			t.Errorf("removed %d in all (ended %v), want at least 8 and an end", total, ended)
		}
	})

	t.Run("RunningAgainRemovesNothing", func(t *testing.T) {
		n, err := e.DeleteExpired(t.Context(), now, 100)
		if err != nil || n != 0 {
			t.Errorf("DeleteExpired again = %d, %v; want 0", n, err)
		}
	})

	t.Run("TheRestIsReadable", func(t *testing.T) {
		for _, m := range []chat.Message{sc.Day[1], sc.Day[2], sc.Perm} {
			if _, err := e.GetMessage(t.Context(), m.ConversationID, m.ID, t0); err != nil {
				t.Errorf("GetMessage(%s) error = %v", m.ID, err)
			}
		}
		for _, id := range []string{"c24", "cperm"} {
			if _, err := e.GetConversation(t.Context(), id, t0); err != nil {
				t.Errorf("GetConversation(%s) error = %v", id, err)
			}
		}
		if _, err := e.GetConnection(t.Context(), "k2", now); err != nil {
			t.Errorf("live connection: %v", err)
		}
		if _, err := e.ConsumeTicket(t.Context(), "h", t0); err != nil {
			t.Errorf("ticket (TTL's business, not the sweep's): %v", err)
		}
	})

	t.Run("WhatExpiredIsGone", func(t *testing.T) {
		_, err := e.GetMessage(t.Context(), "c24", sc.Day[0].ID, t0)
		wantCode(t, err, chat.CodeNotFound)
		_, err = e.GetConversation(t.Context(), "cclosed", t0)
		wantCode(t, err, chat.CodeNotFound)
		if page, err := e.ListMessages(t.Context(), "cclosed", chat.MessageRange{Limit: 10}, t0); err != nil || len(page.Items) != 0 {
			t.Errorf("messages of cclosed = %d, %v; want none", len(page.Items), err)
		}
		for _, id := range []string{"k1", "f1"} {
			_, err := e.GetConnection(t.Context(), id, t0)
			wantCode(t, err, chat.CodeNotFound)
		}
		if feed, err := e.FeedConnections(t.Context(), t0); err != nil || len(feed) != 0 {
			t.Errorf("feed connections = %v, %v; want none", connIDs(feed), err)
		}
		if conns, err := e.ConversationConnections(t.Context(), "c24", t0); err != nil || len(conns) != 0 {
			t.Errorf("connections of c24 = %v, %v; want none", connIDs(conns), err)
		}
	})

	t.Run("TheExpiredMarkerIsGone", func(t *testing.T) {
		// A marker further back than staff-1's old one only takes its place
		// if that one is gone; then a message between the two is unread.
		ids := newIDs()
		back := ids.at(t0.Add(-time.Hour))
		between := message(ids.at(t0.Add(-30*time.Minute)), "c24", "u1", chat.RoleClient, t0.Add(-30*time.Minute))
		if err := e.PutReadMarker(t.Context(), "c24", "staff-1", back, nil); err != nil {
			t.Fatal(err)
		}
		e.mustPut(t, between, chat.Retention24h)
		if n, err := e.Unread(t.Context(), "c24", "staff-1", chat.RoleStaff, t0); err != nil || n != 3 {
			t.Errorf("Unread for staff-1 = %d, %v; want 3 (the old marker gone)", n, err)
		}
	})

	t.Run("TheExpiredClientMessageIDIsFree", func(t *testing.T) {
		again := message(newIDs().at(t0.Add(-10*time.Minute)), "c24", "u1", chat.RoleClient, t0.Add(-10*time.Minute))
		again.ClientMessageID = sc.Day[0].ClientMessageID
		if _, created, err := e.putMessage(t.Context(), again, chat.Retention24h, "u1"); err != nil || !created {
			t.Errorf("reusing the swept clientMessageId: created %v, %v; want created", created, err)
		}
	})
}
