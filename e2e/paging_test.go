package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestPagingBackThroughALongHistory: a long conversation reads back in
// pages of the size asked for, each oldest first, ending with a null
// cursor, without a message lost or repeated. A cursor is good only for
// the person and the conversation it came from.
func TestPagingBackThroughALongHistory(t *testing.T) {
	alice := newPerson(t, false)
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 120*time.Second)

	// 120 messages from six senders, 20 each: under the rate limit of one
	// person (20 per 10 s), however long the sending takes. Staff reply only
	// in a conversation assigned to them, so a supervisor hands it from one
	// counsellor to the next while the client writes alongside.
	kai := newSupervisor(t)
	var counsellors []*e2ekit.Person
	for range 5 {
		p := newPerson(t, true)
		if _, err := p.Me(ctx); err != nil { // enters them in the staff directory
			t.Fatal(err)
		}
		counsellors = append(counsellors, p)
	}
	var (
		mu   sync.Mutex
		sent []string
		wg   sync.WaitGroup
	)
	sendTwenty := func(p *e2ekit.Person, s int) error {
		for i := range 20 {
			m, _, err := p.Send(ctx, convID, fmt.Sprintf("m-%d-%d", s, i), say("long story"))
			if err != nil {
				return fmt.Errorf("%s sends message %d: %w", p.Username, i, err)
			}
			mu.Lock()
			sent = append(sent, m.ID)
			mu.Unlock()
		}
		return nil
	}
	var clientErr error
	wg.Go(func() { clientErr = sendTwenty(alice, 0) })
	for s, p := range counsellors {
		res, err := kai.Do(ctx, "POST", "/conversations/"+convID+"/assign", map[string]string{"to": p.UserID})
		if err != nil || res.Status != 200 {
			t.Fatalf("assign to %s: %v (status %d)", p.Username, err, res.Status)
		}
		if err := sendTwenty(p, s+1); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if clientErr != nil {
		t.Fatal(clientErr)
	}
	slices.Sort(sent)

	sam := counsellors[len(counsellors)-1] // the assignee in the end
	for _, reader := range []*e2ekit.Person{alice, sam} {
		t.Run("read back by "+reader.Username, func(t *testing.T) {
			var pages [][]string
			q := url.Values{"limit": {"50"}}
			for len(pages) < 4 {
				list, err := reader.Messages(ctx, convID, q)
				if err != nil {
					t.Fatalf("page %d: %v", len(pages)+1, err)
				}
				page := ids(list.Messages)
				if !slices.IsSorted(page) {
					t.Fatalf("page %d is not oldest first: %v", len(pages)+1, page)
				}
				pages = append(pages, page)
				if list.NextCursor == nil {
					break
				}
				q.Set("cursor", *list.NextCursor)
			}
			var sizes []int
			var all []string // oldest page first
			for i, page := range pages {
				sizes = append(sizes, len(page))
				all = append(all, pages[len(pages)-1-i]...)
			}
			if !slices.Equal(sizes, []int{50, 50, 20}) {
				t.Fatalf("page sizes = %v, want [50 50 20] with a null cursor after the last", sizes)
			}
			if !slices.Equal(all, sent) {
				t.Fatalf("the pages hold %d messages, not the %d sent, each once, in order", len(all), len(sent))
			}
		})
	}

	first, err := sam.Messages(ctx, convID, url.Values{"limit": {"50"}})
	if err != nil || first.NextCursor == nil {
		t.Fatalf("first page: %+v, %v; want a cursor", first.NextCursor, err)
	}
	clientsFirst, err := alice.Messages(ctx, convID, url.Values{"limit": {"50"}})
	if err != nil || clientsFirst.NextCursor == nil {
		t.Fatalf("client's first page: %+v, %v; want a cursor", clientsFirst.NextCursor, err)
	}
	other := newPerson(t, false)
	otherConv := startConversation(t, other)
	send(t, other, otherConv, "o-1", say("another conversation"))
	forged := make([]byte, 48)
	_, _ = rand.Read(forged)

	refusals := []struct {
		name   string
		who    *e2ekit.Person
		conv   string
		cursor string
	}{
		{"a supervisor using the counsellor's cursor", kai, convID, *first.NextCursor},
		{"the client's cursor used by a counsellor", sam, convID, *clientsFirst.NextCursor},
		{"a counsellor's cursor used by the client", alice, convID, *first.NextCursor},
		{"a cursor on another conversation", sam, otherConv, *first.NextCursor},
		{"a forged cursor", sam, convID, base64.RawURLEncoding.EncodeToString(forged)},
		{"a forged cursor (standard base64)", sam, convID, base64.StdEncoding.EncodeToString(forged)},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			list, err := r.who.Messages(ctx, r.conv, url.Values{"limit": {"50"}, "cursor": {r.cursor}})
			wantCode(t, "GET messages with "+r.name, err, 400, string(chat.CodeBadRequest))
			if len(list.Messages) != 0 {
				t.Fatalf("the refused request returned %d messages", len(list.Messages))
			}
		})
	}
}
