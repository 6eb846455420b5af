package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/store"
	"github.com/confidechat/confide/internal/testkit"
)

// TestSealPlaintextSealsWhatAnEarlierVersionStoredInTheClear: a table
// written by a version before message encryption holds bodies and a
// feedback comment in the clear. The migration leaves none of those words
// in any attribute, every one still reads through the sealed store (a
// counsellor's message in a permanent conversation under the client's key),
// the words of a message that had expired are removed rather than sealed,
// and a second run finds nothing to do.
func TestSealPlaintextSealsWhatAnEarlierVersionStoredInTheClear(t *testing.T) {
	if local.Engine == localdynamo.Minidyn {
		t.Skip("minidyn ignores REMOVE in an update expression (internal/store/keys.go); DynamoDB and dynoxide honour it")
	}
	clock := testkit.NewClock(t0)
	e := newSealedEnv(t, clock.Now)
	ctx := t.Context()
	earlier := &sealedEnv{env: &env{Store: store.New(local.Client(ctx), e.table, store.WithClock(clock.Now)), table: e.table}, now: clock.Now}

	old := earlier.open(t, carol.UserID, chat.Retention24h)
	earlier.send(t, old, carol, "obsidian meadow")
	clock.Set(t0.Add(25 * time.Hour))
	day := earlier.open(t, alice.UserID, chat.Retention24h)
	kept := earlier.open(t, bob.UserID, chat.RetentionPermanent)
	m1 := earlier.send(t, day, alice, "marmalade sunrise")
	m2 := earlier.send(t, kept, bob, "quartz harmonica")
	m3 := earlier.send(t, kept, sam, "velvet compass")
	closedAt := chat.At(clock.Now())
	if _, err := earlier.ImportConversations(ctx, []chat.Conversation{{
		ID: chat.NewID(clock.Now()), UserID: "dave-sub", Status: chat.StatusClosed, Retention: chat.RetentionPermanent,
		CreatedAt: closedAt, ClosedAt: closedAt.Ptr(), Rating: 4, Comment: "gingerbread avalanche",
	}}); err != nil {
		t.Fatalf("import a closed conversation with feedback: %v", err)
	}
	words := []string{"obsidian", "marmalade", "quartz", "velvet", "gingerbread"}
	held := func() []string {
		var found []string
		for _, it := range e.rawItems(t) {
			for _, av := range it {
				for _, text := range testkit.AttributeTexts(av) {
					for _, w := range words {
						if strings.Contains(text, w) {
							found = append(found, w)
						}
					}
				}
			}
		}
		return found
	}
	if got := held(); len(got) != len(words) {
		t.Fatalf("before the migration the table holds %v in the clear, want all of %v", got, words)
	}

	rep, err := e.SealPlaintext(ctx, local.Client(ctx))
	if err != nil {
		t.Fatalf("SealPlaintext() error = %v", err)
	}
	if want := (store.SealReport{Sealed: 4, Dropped: 1}); rep != want {
		t.Errorf("SealPlaintext() = %+v, want %+v", rep, want)
	}
	if got := held(); len(got) != 0 {
		t.Errorf("after the migration the table still holds %v", got)
	}
	now := clock.Now()
	for _, tt := range []struct {
		name string
		conv chat.Conversation
		m    chat.Message
	}{{"24hMessage", day, m1}, {"ClientsPermanentMessage", kept, m2}, {"CounsellorsPermanentMessage", kept, m3}} {
		got, err := e.GetMessage(ctx, tt.conv.ID, tt.m.ID, now)
		if err != nil || got.Body != tt.m.Body {
			t.Errorf("%s reads %q, %v; want %q", tt.name, got.Body, err, tt.m.Body)
		}
	}
	again, err := e.SealPlaintext(ctx, local.Client(ctx))
	if err != nil || again != (store.SealReport{}) {
		t.Errorf("a second run = %+v, %v; want nothing done", again, err)
	}
}
