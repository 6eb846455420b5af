package e2e

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// sendingLimit is the deployment's sending limit: the default 20 messages
// per 10 s per person.
const (
	sendingLimit  = 20
	sendingWindow = 10 * time.Second
)

// TestSendingLimitHoldsAcrossHTTPAndSockets: one person sending from two
// tabs and over HTTP at once gets exactly the limit accepted, the rest
// refused with rate_limited (and Retry-After over HTTP, retryAfterSeconds
// in the socket's error frame), and every accepted
// message is stored exactly once while no refused one is.
func TestSendingLimitHoldsAcrossHTTPAndSockets(t *testing.T) {
	// The limit counts in fixed windows: a burst that happens to straddle
	// two of them may rightly get more through. Such a burst is tried again
	// with another person; three in a row would mean something else is wrong.
	for attempt := 1; attempt <= 3; attempt++ {
		if burstWithinOneWindow(t) {
			return
		}
		t.Logf("attempt %d straddled two rate windows; trying again", attempt)
	}
	t.Fatal("three bursts in a row straddled two rate windows")
}

// burstWithinOneWindow sends 24 messages at once (10 over HTTP, 7 on each
// of two sockets) and checks the outcome; it returns false, checking
// nothing more, when the accepted ones were not all sent in one window.
func burstWithinOneWindow(t *testing.T) bool {
	t.Helper()
	alice := newPerson(t, false)
	convID := startConversation(t, alice)
	sockets := []*client.Socket{connect(t, alice, convID), connect(t, alice, convID)}
	ctx := e2ekit.Context(t, 90*time.Second) // generous: under -race on a busy machine a send can take seconds

	type result struct {
		cmid     string
		accepted bool
		err      error
	}
	const overHTTP, perSocket = 10, 7
	results := make(chan result, overHTTP+2*perSocket)
	var wg sync.WaitGroup
	for i := range overHTTP {
		wg.Go(func() {
			cmid := fmt.Sprintf("burst-http-%d", i)
			_, status, err := alice.Send(ctx, convID, cmid, say("a burst over HTTP"))
			var e *client.APIError
			switch {
			case err == nil && status == 201:
				results <- result{cmid: cmid, accepted: true}
			case errors.As(err, &e) && e.Code == chat.CodeRateLimited && e.Status == 429 && e.RetryAfter != "":
				results <- result{cmid: cmid}
			default:
				results <- result{cmid: cmid, err: fmt.Errorf("HTTP send %s: status %d, %v", cmid, status, err)}
			}
		})
	}
	for n, s := range sockets {
		wg.Go(func() {
			// Every frame first, then the answers: the burst stays short on a
			// busy machine (Wait sees every frame since the start).
			var sent []string
			for i := range perSocket {
				cmid := fmt.Sprintf("burst-ws%d-%d", n, i)
				if err := s.SendMessage(ctx, convID, cmid, say("a burst over a socket")); err != nil {
					results <- result{cmid: cmid, err: err}
					continue
				}
				sent = append(sent, cmid)
			}
			for _, cmid := range sent {
				f, err := s.Wait(ctx, func(f client.Frame) bool {
					return (f.Type == "message.created" && f.Message != nil && f.Message.ClientMessageID == cmid) ||
						(f.Type == "error" && f.ClientMessageID == cmid)
				})
				switch {
				case err != nil:
					results <- result{cmid: cmid, err: fmt.Errorf("socket send %s: %w", cmid, err)}
				case f.Type == "error" && f.Code != chat.CodeRateLimited:
					results <- result{cmid: cmid, err: fmt.Errorf("socket send %s: error %s", cmid, f.Code)}
				case f.Type == "error" && (f.RetryAfterSeconds < 1 || f.RetryAfterSeconds > int(sendingWindow/time.Second)+1):
					results <- result{cmid: cmid, err: fmt.Errorf("socket send %s: rate_limited with retryAfterSeconds %d, want 1–%d", cmid, f.RetryAfterSeconds, sendingWindow/time.Second+1)}
				default:
					results <- result{cmid: cmid, accepted: f.Type == "message.created"}
				}
			}
		})
	}
	wg.Wait()
	close(results)

	var accepted, refused []string
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.accepted {
			accepted = append(accepted, r.cmid)
		} else {
			refused = append(refused, r.cmid)
		}
	}
	stored := history(t, alice, convID)
	windows := map[int64]bool{}
	var storedIDs []string
	for _, m := range stored {
		windows[m.CreatedAt.UnixNano()/int64(sendingWindow)] = true
		storedIDs = append(storedIDs, m.ClientMessageID)
	}
	if len(windows) > 1 {
		return false
	}
	if len(accepted) != sendingLimit || len(refused) != overHTTP+2*perSocket-sendingLimit {
		t.Fatalf("%d accepted and %d refused, want %d and %d", len(accepted), len(refused), sendingLimit, overHTTP+2*perSocket-sendingLimit)
	}
	slices.Sort(accepted)
	slices.Sort(storedIDs)
	if !slices.Equal(storedIDs, accepted) {
		t.Fatalf("stored %v, want exactly the accepted %v, each once", storedIDs, accepted)
	}
	return true
}
