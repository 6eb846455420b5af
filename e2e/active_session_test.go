package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestOneActiveSessionUnderConcurrentCreates: a client whose widget fires
// fifty "start" requests at once gets one session; every other request is
// told which one is already open.
func TestOneActiveSessionUnderConcurrentCreates(t *testing.T) {
	alice := newPerson(t, false)
	ctx := e2ekit.Context(t, 60*time.Second)

	const n = 50
	type answer struct {
		conv chat.Conversation
		err  error
	}
	answers := make([]answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := alice.CreateConversation(ctx, "")
			answers[i] = answer{c, err}
		}()
	}
	close(start)
	wg.Wait()

	var created []string
	named := map[string]int{}
	for i, a := range answers {
		if a.err == nil {
			created = append(created, a.conv.ID)
			continue
		}
		e, ok := a.err.(*client.APIError)
		if !ok || e.Status != 409 || e.Code != chat.CodeConflict {
			t.Fatalf("create %d: %v, want 201 or 409 conflict", i, a.err)
		}
		named[e.ConversationID]++
	}
	if len(created) != 1 {
		t.Fatalf("%d of %d creates answered 201 (%v), want exactly 1", len(created), n, created)
	}
	if len(named) != 1 || named[created[0]] != n-1 {
		t.Fatalf("409 answers named %v, want %s %d times", named, created[0], n-1)
	}

	me, err := alice.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Role != chat.RoleClient || me.ActiveConversationID == nil || *me.ActiveConversationID != created[0] {
		t.Fatalf("GET /me = %+v, want client with active conversation %s", me, created[0])
	}
	list, err := alice.Conversations(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Conversations) != 1 || list.Conversations[0].ID != created[0] || list.Conversations[0].Status != chat.StatusActive {
		t.Fatalf("alice's conversations = %+v, want only the active %s", list.Conversations, created[0])
	}
}
