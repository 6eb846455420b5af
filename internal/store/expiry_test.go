package store_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/chat"
)

// dump returns every item of the test's table as "pk|sk" -> attributes,
// read with a client of its own: the test may Scan, the store may not.
func (e *env) dump(t *testing.T) map[string]map[string]any {
	t.Helper()
	raw := local.Client(t.Context())
	out := map[string]map[string]any{}
	pages := dynamodb.NewScanPaginator(raw, &dynamodb.ScanInput{TableName: &e.table})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprint(m["pk"], "|", m["sk"])] = m
		}
	}
	return out
}

func TestDeleteExpired(t *testing.T) {
	e := newEnv(t)
	ids := newIDs()
	// A 24h conversation with messages expiring at +24h, +25h, +47h.
	e.mustCreate(t, conversation("c24", "u1", chat.Retention24h, t0))
	var day []chat.Message
	for _, h := range []time.Duration{0, time.Hour, 23 * time.Hour} {
		day = append(day, e.mustPut(t, message(ids.at(t0.Add(h)), "c24", "u1", chat.RoleClient, t0.Add(h)), chat.Retention24h))
	}
	markerExp := t0.Add(24 * time.Hour)
	if err := e.PutReadMarker(t.Context(), "c24", "staff-1", day[0].ID, chat.At(markerExp).Ptr()); err != nil {
		t.Fatal(err)
	}
	// A permanent conversation: nothing of it ever expires.
	e.mustCreate(t, conversation("cperm", "u2", chat.RetentionPermanent, t0))
	perm := e.mustPut(t, message(ids.at(t0), "cperm", "u2", chat.RoleClient, t0), chat.RetentionPermanent)
	// A closed 24h conversation whose record expired at +2h: all of it goes.
	e.mustCreate(t, conversation("cclosed", "u3", chat.Retention24h, t0))
	e.mustPut(t, message(ids.at(t0.Add(30*time.Minute)), "cclosed", "u3", chat.RoleClient, t0.Add(30*time.Minute)), chat.Retention24h)
	recordExp := t0.Add(2 * time.Hour)
	e.mustClose(t, "cclosed", t0.Add(time.Hour), &recordExp)
	// Connections (four items each) expiring at +2h10m; one lives on.
	for _, c := range []chat.Connection{connection("k1", "u1", chat.RoleClient, "c24"), connection("f1", "s1", chat.RoleStaff, "")} {
		if err := e.PutConnection(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	live := connection("k2", "u2", chat.RoleClient, "cperm")
	live.ExpiresAt = chat.At(t0.Add(48 * time.Hour))
	if err := e.PutConnection(t.Context(), live); err != nil {
		t.Fatal(err)
	}
	if err := e.PutTicket(t.Context(), "h", chat.TicketClaims{ExpiresAt: chat.At(t0.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}

	now := t0.Add(24 * time.Hour)
	before := e.dump(t)
	var want []string
	for k, it := range before {
		switch {
		case strings.HasPrefix(k, "CONV#cclosed|"),
			k == "CONV#c24|MSG#"+day[0].ID, k == "CONV#c24|CMID#"+day[0].ClientMessageID, k == "CONV#c24|READ#staff-1",
			it["id"] == "k1", it["id"] == "f1":
			want = append(want, k)
		}
	}
	sort.Strings(want)
	if len(want) != 14 {
		t.Fatalf("setup: %d items should expire, want 14: %v", len(want), want)
	}

	t.Run("RemovesWhatExpiredInBatches", func(t *testing.T) {
		total := 0
		for range 10 {
			n, err := e.DeleteExpired(t.Context(), now, 4)
			if err != nil {
				t.Fatal(err)
			}
			if n > 4 {
				t.Fatalf("DeleteExpired(limit 4) removed %d", n)
			}
			if n == 0 {
				break
			}
			total += n
		}
		if total != len(want) {
			t.Errorf("removed %d items in all, want %d", total, len(want))
		}
		after := e.dump(t)
		var gone []string
		for k := range before {
			if _, ok := after[k]; !ok {
				gone = append(gone, k)
			}
		}
		sort.Strings(gone)
		if strings.Join(gone, " ") != strings.Join(want, " ") {
			t.Errorf("removed %v\nwant %v", gone, want)
		}
	})

	t.Run("RunningAgainRemovesNothing", func(t *testing.T) {
		n, err := e.DeleteExpired(t.Context(), now, 100)
		if err != nil || n != 0 {
			t.Errorf("DeleteExpired again = %d, %v; want 0", n, err)
		}
	})

	t.Run("TheRestIsReadable", func(t *testing.T) {
		for _, m := range []chat.Message{day[1], day[2], perm} {
			if _, err := e.GetMessage(t.Context(), m.ConversationID, m.ID, t0); err != nil {
				t.Errorf("GetMessage(%s) error = %v", m.ID, err)
			}
		}
		if _, err := e.GetMessage(t.Context(), "c24", day[0].ID, t0); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
			t.Errorf("deleted message still readable: %v", err)
		}
		if _, err := e.GetConnection(t.Context(), "k2", now); err != nil {
			t.Errorf("live connection: %v", err)
		}
		if _, err := e.ConsumeTicket(t.Context(), "h", t0); err != nil {
			t.Errorf("ticket (TTL's business, not the sweep's): %v", err)
		}
	})
}
