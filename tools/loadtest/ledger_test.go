package loadtest

import (
	"reflect"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// Connections of the ledger tests: a client (0) and a counsellor (1) on the
// conversation, and a staff feed (2).
const (
	clientConn  = 0
	staffConn   = 1
	feedConn    = 2
	testConv    = "conv-1"
	anotherConv = "conv-2"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// fromClient is message cmid sent by the client at t0.
func fromClient(cmid string) Send {
	return Send{
		ClientMessageID: cmid, ConversationID: testConv, Sender: clientConn, SenderRole: chat.RoleClient,
		Recipients: []Recipient{{staffConn, chat.RoleStaff}, {feedConn, chat.RoleStaff}}, At: t0,
	}
}

func stored(cmids ...string) []chat.Message {
	out := make([]chat.Message, len(cmids))
	for i, c := range cmids {
		out[i] = chat.Message{ID: "m-" + c, ConversationID: testConv, ClientMessageID: c}
	}
	return out
}

func TestLedgerAccount(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		play func(l *Ledger)
		want Accounting
	}{
		{
			name: "DeliveredAndStoredOnceIsNeitherLostNorDuplicated",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0.Add(5*ms))
				l.Received(staffConn, "a", "m-a", t0.Add(6*ms))
				l.Received(feedConn, "a", "m-a", t0.Add(7*ms))
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Stored: 1, Deliveries: 2, Delivered: 2},
		},
		{
			name: "AcknowledgedButNotStoredIsLost",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(feedConn, "a", "m-a", t0)
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Deliveries: 2, Delivered: 2, LostStored: 1, Lost: 1},
		},
		{
			name: "StoredButNeverDeliveredToARecipientIsLost",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Stored: 1, Deliveries: 2, Delivered: 1, LostDeliveries: 1, Lost: 1,
				LostSamples: []LostSample{{ClientMessageID: "a", Conn: feedConn, Role: chat.RoleStaff, Received: 1, Recipients: 2}}},
		},
		{
			name: "ARecipientThatDisconnectedIsNotCounted",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Gone(feedConn)
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Stored: 1, Deliveries: 1, Delivered: 1},
		},
		{
			name: "ReceivedAgainIsRedeliveredNotDuplicated",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(clientConn, "a", "m-a", t0.Add(time.Second))
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0.Add(2*time.Second))
				l.Received(feedConn, "a", "m-a", t0)
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Stored: 1, Deliveries: 2, Delivered: 2, Redelivered: 3},
		},
		{
			name: "ReceivedAsTwoMessagesIsDuplicated",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(clientConn, "a", "m-a2", t0.Add(time.Second))
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a2", t0.Add(2*time.Second))
				l.Received(feedConn, "a", "m-a", t0)
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Stored: 1, Deliveries: 2, Delivered: 2, DuplicatedDeliveries: 2, Duplicated: 2, Redelivered: 1,
				Duplicates: []DuplicateSample{
					{ClientMessageID: "a", Conn: clientConn, Sender: true, Copies: 2, Messages: 2, FirstToLast: time.Second},
					{ClientMessageID: "a", Conn: staffConn, Copies: 3, Messages: 2, FirstToLast: 2 * time.Second},
				}},
		},
		{
			name: "StoredTwiceIsDuplicated",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(feedConn, "a", "m-a", t0)
				l.Stored(stored("a", "a"))
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Stored: 1, Deliveries: 2, Delivered: 2, DuplicatedStored: 1, Duplicated: 1},
		},
		{
			name: "RefusedIsNotExpectedAnywhere",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Failed("a", chat.CodeRateLimited)
			},
			want: Accounting{Sent: 1, Refused: 1, RefusedByCode: map[chat.Code]int{chat.CodeRateLimited: 1}},
		},
		{
			name: "RefusedYetStoredIsReported",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Failed("a", chat.CodeInternal)
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 1, Refused: 1, Stored: 1, StoredRefused: 1, RefusedByCode: map[chat.Code]int{chat.CodeInternal: 1}},
		},
		{
			name: "UnansweredButStoredIsReported",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Sent(fromClient("b"))
				l.Stored(stored("a"))
			},
			want: Accounting{Sent: 2, Unanswered: 2, Stored: 1, StoredUnanswered: 1},
		},
		{
			name: "AMessageOfAnUnreadConversationIsUnverifiedNotLost",
			play: func(l *Ledger) {
				l.Sent(fromClient("a"))
				l.Received(clientConn, "a", "m-a", t0)
				l.Received(staffConn, "a", "m-a", t0)
				l.Received(feedConn, "a", "m-a", t0)
				l.Unread(testConv)
			},
			want: Accounting{Sent: 1, Acknowledged: 1, Unverified: 1, Deliveries: 2, Delivered: 2},
		},
		{
			name: "FramesAndMessagesOfOtherRunsAreSetApart",
			play: func(l *Ledger) {
				l.Received(staffConn, "other", "m-other", t0)
				l.Stored([]chat.Message{{ConversationID: testConv, ClientMessageID: "other"}})
				l.Sent(fromClient("a"))
				// The same clientMessageId in another conversation is
				// another message.
				l.Stored([]chat.Message{{ConversationID: anotherConv, ClientMessageID: "a"}})
			},
			want: Accounting{Sent: 1, Unanswered: 1, UnexpectedFrames: 1, ForeignStored: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLedger()
			tt.play(l)
			got := l.Account()
			if tt.want.RefusedByCode == nil {
				tt.want.RefusedByCode = map[chat.Code]int{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Account() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestLedgerOutstanding(t *testing.T) {
	l := NewLedger()
	l.Sent(fromClient("a"))
	l.Sent(fromClient("b"))
	l.Sent(fromClient("c"))
	steps := []struct {
		name string
		do   func()
		want int
	}{
		{"EachUnacknowledgedMessageAwaitsItsAck", func() {}, 3},
		{"AnAcknowledgedMessageAwaitsEachRecipient", func() { l.Received(clientConn, "a", "m-a", t0) }, 4},
		{"ADeliveryIsNoLongerAwaited", func() { l.Received(staffConn, "a", "m-a", t0) }, 3},
		{"ADisconnectedRecipientIsNotAwaited", func() { l.Gone(feedConn) }, 2},
		{"ARefusedMessageAwaitsNothing", func() { l.Failed("b", chat.CodeRateLimited) }, 1},
		{"NothingIsOutstandingOnceAllArrived", func() { l.Received(clientConn, "c", "m-c", t0); l.Received(staffConn, "c", "m-c", t0) }, 0},
	}
	for _, s := range steps {
		s.do()
		if got := l.Outstanding(); got != s.want {
			t.Fatalf("%s: Outstanding() = %d, want %d", s.name, got, s.want)
		}
	}
}

func TestLedgerLatencies(t *testing.T) {
	ms := time.Millisecond
	l := NewLedger()
	s := fromClient("a")
	// The counsellor answers too: its own feed is not the other side.
	reply := Send{ClientMessageID: "b", ConversationID: testConv, Sender: staffConn, SenderRole: chat.RoleStaff,
		Recipients: []Recipient{{clientConn, chat.RoleClient}, {feedConn, chat.RoleStaff}}, At: t0.Add(100 * ms)}
	l.Sent(s)
	l.Sent(reply)
	l.Sent(fromClient("unanswered"))
	l.Received(clientConn, "a", "m-a", t0.Add(4*ms))
	l.Received(staffConn, "a", "m-a", t0.Add(6*ms))
	l.Received(staffConn, "a", "m-a", t0.Add(50*ms)) // a duplicate: the first arrival counts
	l.Received(feedConn, "a", "m-a", t0.Add(8*ms))
	l.Received(staffConn, "b", "m-b", t0.Add(103*ms))
	l.Received(clientConn, "b", "m-b", t0.Add(110*ms))
	l.Received(feedConn, "b", "m-b", t0.Add(111*ms))

	inDB := map[string]time.Duration{"a": 5 * ms}
	got := l.Latencies(func(cmid string) (time.Duration, bool) { d, ok := inDB[cmid]; return d, ok })
	want := Latencies{
		Ack:                []time.Duration{4 * ms, 3 * ms},
		Delivery:           []time.Duration{6 * ms, 8 * ms, 10 * ms},
		DeliveryExDynamoDB: []time.Duration{1 * ms, 3 * ms},
	}
	for _, c := range []struct {
		name      string
		got, want []time.Duration
	}{{"Ack", got.Ack, want.Ack}, {"Delivery", got.Delivery, want.Delivery}, {"DeliveryExDynamoDB", got.DeliveryExDynamoDB, want.DeliveryExDynamoDB}} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			continue
		}
		for i := range c.got {
			if c.got[i] != c.want[i] {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				break
			}
		}
	}
	if recent := l.TakeRecent(); len(recent) != 3 {
		t.Errorf("TakeRecent() = %v, want the 3 other-side deliveries", recent)
	}
	if again := l.TakeRecent(); len(again) != 0 {
		t.Errorf("TakeRecent() again = %v, want nothing new", again)
	}
}
