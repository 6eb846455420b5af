package wsapi_test

import (
	"context"

	"fmt"
	"github.com/aws/aws-lambda-go/events"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/store"
)

// roundTripLatency is the network round trip every recorded AWS call is
// given, so that calls made side by side overlap and calls that wait on
// one another do not, whatever the machine's load.
const roundTripLatency = 20 * time.Millisecond

// seedConversations writes n conversations of other clients straight into
// the stack's table (one in ten active), past the app's recorded client.
func seedConversations(t *testing.T, s *stack, n int) {
	t.Helper()
	now := s.Clock.Now()
	convs := make([]chat.Conversation, n)
	for i := range convs {
		at := chat.At(now.Add(-time.Duration(n-i) * time.Second))
		convs[i] = chat.Conversation{ID: chat.NewID(at.Time), UserID: fmt.Sprintf("seed-client-%d", i),
			Status: chat.StatusClosed, Retention: chat.RetentionPermanent, CreatedAt: at, LastMessageAt: at.Ptr(),
			LastSenderRole: chat.RoleClient}
		if i%10 == 0 {
			convs[i].Status = chat.StatusActive
		}
	}
	seeder := store.New(localdynamo.NewClient(s.App.Config.DynamoDBEndpoint), s.App.Config.TableName)
	if _, err := seeder.ImportConversations(context.Background(), convs); err != nil {
		t.Fatalf("seed %d conversations: %v", n, err)
	}
}

// TestSendMessageRoundTrips counts, with an SDK middleware on the app's
// clients, the DynamoDB calls a sendMessage frame makes before its first
// PostToConnection and how many of them wait on one another: at most two
// round trips (the independent reads side by side, then the write), the
// same with 10 or 10,000 conversations stored, and the fan-out's posts
// side by side.
func TestSendMessageRoundTrips(t *testing.T) {
	type result struct{ calls, depth int }
	results := map[int]result{}
	for _, stored := range []int{10, 10000} {
		t.Run(fmt.Sprintf("conversations=%d", stored), func(t *testing.T) {
			s := newStack(t, apptest.WithCalls(roundTripLatency))
			seedConversations(t, s, stored)
			alice, staff := client("alice-sub"), counsellor("staff-sub")
			conv := s.open(t, alice)
			sender := s.connected(t, alice, conv)
			s.connected(t, staff, conv)
			s.connected(t, staff, "")

			s.Calls.Reset()
			mark := s.Posts.Count()
			if res := s.frame(t, sender, sendFrame(conv, "c-1", "hello")); res.Body != "" {
				t.Fatalf("route response %q, want none", res.Body)
			}
			if posts := s.Posts.Since(mark); len(posts) != 3 {
				t.Fatalf("posted to %d connections, want 3", len(posts))
			}
			calls := s.Calls.All()
			before := apptest.Before(calls, "DynamoDB", "PostToConnection")
			depth := apptest.SequentialDepth(before)
			for _, c := range before {
				t.Logf("%s %s +%v..+%v", c.Service, c.Operation, c.Start.Sub(calls[0].Start).Round(time.Millisecond),
					c.End.Sub(calls[0].Start).Round(time.Millisecond))
			}
			t.Logf("%d conversations stored: %d DynamoDB calls before the first post, %d sequential round trips", stored, len(before), depth)
			if depth > 2 {
				t.Errorf("%d sequential DynamoDB round trips before the first post, want at most 2", depth)
			}
			var posts []apptest.Call
			for _, c := range calls {
				if c.Operation == "PostToConnection" {
					posts = append(posts, c)
				}
			}
			if d := apptest.SequentialDepth(posts); d != 1 {
				t.Errorf("the %d posts of the fan-out took %d round trips, want 1 (side by side)", len(posts), d)
			}
			results[stored] = result{calls: len(before), depth: depth}
		})
	}
	if small, large := results[10], results[10000]; small != large {
		t.Errorf("with 10 conversations %+v, with 10,000 %+v: want the same calls and round trips", small, large)
	}
}

// TestSendMessageRoundTripsOnAColdInstance: the message function's
// instance that receives the frame has never read the data key the body is
// sealed under (the conversation was created, and the key made, by
// another instance). The key's GetItem and KMS Decrypt run beside the
// conversation's read, so the frame still makes at most two sequential
// DynamoDB round trips before its first post, and one Decrypt. A
// counsellor's message in a permanent conversation does not know the
// client before the conversation is read: it finds the client's key by the
// conversation's link to it, beside the read, all the same.
func TestSendMessageRoundTripsOnAColdInstance(t *testing.T) {
	alice, staff := client("alice-sub"), counsellor("staff-sub")
	tests := []struct {
		name      string
		retention chat.Retention
		sender    chat.Identity
		wantDepth int
	}{
		{"ClientIn24h", chat.Retention24h, alice, 2},
		{"CounsellorIn24h", chat.Retention24h, staff, 2},
		{"ClientInPermanent", chat.RetentionPermanent, alice, 2},
		{"CounsellorInPermanent", chat.RetentionPermanent, staff, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, apptest.WithCalls(roundTripLatency))
			c, err := s.App.Service.CreateConversation(context.Background(), alice, tt.retention)
			if err != nil {
				t.Fatal(err)
			}
			conns := map[string]string{alice.UserID: s.connected(t, alice, c.ID), staff.UserID: s.connected(t, staff, c.ID)}
			if tt.sender.IsStaff() {
				// Staff reply in the conversations they have claimed.
				if _, err := s.App.Service.Claim(context.Background(), tt.sender, c.ID); err != nil {
					t.Fatal(err)
				}
			}

			s.App = s.NewInstance(t)
			before, kms, depth := s.measureSend(t, conns[tt.sender.UserID], c.ID, 2)
			t.Logf("cold instance, %s: %d DynamoDB calls and %d KMS calls before the first post, %d sequential DynamoDB round trips",
				tt.name, len(before), len(kms), depth)
			if depth != tt.wantDepth {
				t.Errorf("%d sequential DynamoDB round trips before the first post, want %d", depth, tt.wantDepth)
			}
			if len(kms) != 1 || kms[0].Operation != "Decrypt" {
				t.Errorf("KMS calls before the first post: %v, want one Decrypt", kms)
			}
		})
	}
}

// TestSendMessageRoundTripsForANewHour: the first message of a
// service-wide new hour of expiry finds its key made ahead by the retention
// sweep, so it makes two sequential round trips and only a Decrypt, like
// any other; were the sweep not to have run for hours, that message has
// KMS make the key and stores it (GenerateDataKey, a conditional PutItem)
// before its write: three round trips on the write's path, once an hour for
// the whole service, and the message is still stored. The staff feeds'
// lookup runs beside the key's making, so the recorder, which cannot tell
// which calls waited on which, counts it in the chain too when it happens
// to end before the key's PutItem starts: 3 or 4.
func TestSendMessageRoundTripsForANewHour(t *testing.T) {
	tests := []struct {
		name               string
		sweep              bool
		minDepth, maxDepth int
		wantKMS            string
	}{
		{"AfterTheSweep", true, 2, 2, "Decrypt"},
		{"WithoutASweep", false, 3, 4, "GenerateDataKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, apptest.WithCalls(roundTripLatency))
			alice := client("alice-sub")
			conv := s.open(t, alice)
			if tt.sweep {
				if _, err := s.App.Retention(context.Background(), events.EventBridgeEvent{}); err != nil {
					t.Fatalf("retention sweep: %v", err)
				}
			}
			// Connected in the new hour: a token from before the move
			// could have expired by then (up to an hour later).
			s.Clock.Set(s.Clock.Now().Truncate(time.Hour).Add(time.Hour + time.Minute))
			sender := s.connected(t, alice, conv)
			s.App = s.NewInstance(t)

			before, kms, depth := s.measureSend(t, sender, conv, 1)
			t.Logf("new hour, %s: %d DynamoDB calls and %d KMS calls before the first post, %d sequential DynamoDB round trips",
				tt.name, len(before), len(kms), depth)
			if depth < tt.minDepth || depth > tt.maxDepth || len(kms) != 1 || kms[0].Operation != tt.wantKMS {
				t.Errorf("%d sequential round trips and KMS calls %v, want %d to %d and one %s", depth, kms, tt.minDepth, tt.maxDepth, tt.wantKMS)
			}
		})
	}
}

// measureSend sends a message on connection conn to conversation conv,
// checks that it was posted to posts connections, and returns the
// DynamoDB and KMS calls made before the first post and how many
// sequential DynamoDB round trips those were.
func (s *stack) measureSend(t *testing.T, conn, conv string, posts int) (dynamo, kms []apptest.Call, depth int) {
	t.Helper()
	s.Calls.Reset()
	mark := s.Posts.Count()
	if res := s.frame(t, conn, sendFrame(conv, "c-1", "hello")); res.Body != "" {
		t.Fatalf("route response %q, want none", res.Body)
	}
	if got := s.Posts.Since(mark); len(got) != posts {
		t.Fatalf("posted to %d connections, want %d", len(got), posts)
	}
	calls := s.Calls.All()
	dynamo = apptest.Before(calls, "DynamoDB", "PostToConnection")
	return dynamo, apptest.Before(calls, "KMS", "PostToConnection"), apptest.SequentialDepth(dynamo)
}
