package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestReconnectCatchesUpOnWhatWasMissed: a client whose connection dropped
// asks for the messages after the last one it saw and gets exactly the ones
// it missed, in order, then goes on receiving live.
func TestReconnectCatchesUpOnWhatWasMissed(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 30*time.Second)

	ws := connect(t, alice, convID)
	const k = 3
	var lastSeen string
	for i := range k {
		cmid := fmt.Sprintf("seen-%d", i)
		send(t, sam, convID, cmid, say("before the drop"))
		f, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", withClientMessageID(cmid))
		if err != nil {
			t.Fatalf("client did not receive message %d live: %v", i, err)
		}
		lastSeen = f.Message.ID
	}
	if err := alice.MarkRead(ctx, convID, lastSeen); err != nil {
		t.Fatal(err)
	}
	ws.Close()

	var missed []string
	for i := range 5 {
		missed = append(missed, send(t, sam, convID, fmt.Sprintf("missed-%d", i), say("while you were away")).ID)
	}

	again := connect(t, alice, convID)
	list, err := alice.Messages(ctx, convID, url.Values{"after": {lastSeen}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(list.Messages); !slices.Equal(got, missed) {
		t.Fatalf("messages after %s = %v, want exactly the 5 missed in order %v", lastSeen, got, missed)
	}
	c, err := alice.Conversation(ctx, convID)
	if err != nil || c.Unread != 5 {
		t.Fatalf("unread after the reconnect = %d (%v), want the 5 missed", c.Unread, err)
	}

	live := send(t, sam, convID, "live-1", say("welcome back"))
	if _, err := again.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", func(f client.Frame) bool {
		return f.Message != nil && f.Message.ID == live.ID
	}); err != nil {
		t.Fatalf("the new connection does not receive live messages: %v", err)
	}
	list, err = alice.Messages(ctx, convID, url.Values{"after": {missed[len(missed)-1]}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(list.Messages); !slices.Equal(got, []string{live.ID}) {
		t.Fatalf("messages after the last missed one = %v, want only %s", got, live.ID)
	}
}
