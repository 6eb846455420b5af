package loadtest

import (
	"sync"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// Recipient is a connection that must receive a message.
type Recipient struct {
	Conn int
	Role chat.Role
}

// Send is a message as it was sent, with everyone who must receive it.
type Send struct {
	ClientMessageID string
	ConversationID  string
	// Sender is the sending connection, which receives the message back as
	// its acknowledgement.
	Sender     int
	SenderRole chat.Role
	// Recipients are the other connections the message must reach: the
	// conversation's and the staff feed's, the sender excluded.
	Recipients []Recipient
	At         time.Time
}

// Ledger accounts for every message of a run: what was sent, what each
// connection received, which errors came back and what the HTTP API stored.
// Its methods are safe for concurrent use.
type Ledger struct {
	mu       sync.Mutex
	messages map[string]*entry
	order    []*entry
	// gone are connections that closed during the run: what they missed is
	// not counted as lost (their closing is counted as an error instead).
	gone map[int]bool
	// unread are conversations the HTTP API could not be read back from.
	unread     map[string]bool
	unexpected int
	foreign    int
	// recent holds the other-side delivery latencies since the last
	// TakeRecent, for live progress.
	recent []time.Duration
}

type entry struct {
	Send
	acks    int
	ackAt   time.Time
	ackLast time.Time
	// ackIDs are the message ids the acknowledgements carried.
	ackIDs  map[string]bool
	errCode chat.Code
	got     map[int]*receipt
	stored  int
}

type receipt struct {
	first, last time.Time
	n           int
	// ids are the message ids the copies carried: more than one means the
	// message was stored, and shown, twice.
	ids map[string]bool
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{messages: map[string]*entry{}, gone: map[int]bool{}, unread: map[string]bool{}}
}

// Sent records a message about to be written to its sender's socket.
func (l *Ledger) Sent(s Send) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := &entry{Send: s, got: map[int]*receipt{}}
	l.messages[s.ClientMessageID] = e
	l.order = append(l.order, e)
}

// Received records a message.created frame with clientMessageID and
// messageID that connection conn received at at: the acknowledgement when
// conn sent it, a delivery otherwise.
func (l *Ledger) Received(conn int, clientMessageID, messageID string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.messages[clientMessageID]
	if !ok {
		l.unexpected++
		return
	}
	if conn == e.Sender {
		e.acks++
		if e.acks == 1 {
			e.ackAt, e.ackIDs = at, map[string]bool{}
		}
		e.ackLast = at
		e.ackIDs[messageID] = true
		return
	}
	r := e.got[conn]
	if r == nil {
		r = &receipt{first: at, ids: map[string]bool{}}
		e.got[conn] = r
		if e.otherSide(conn) {
			l.recent = append(l.recent, at.Sub(e.At))
		}
	}
	r.n++
	r.last = at
	r.ids[messageID] = true
}

// otherSide reports whether conn is a recipient of the other role than the
// sender's.
func (e *entry) otherSide(conn int) bool {
	for _, r := range e.Recipients {
		if r.Conn == conn {
			return r.Role != e.SenderRole
		}
	}
	return false
}

// Failed records an error frame answering the message clientMessageID; an
// empty clientMessageID (or an unknown one) counts nowhere but in the
// caller's error tally.
func (l *Ledger) Failed(clientMessageID string, code chat.Code) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.messages[clientMessageID]; ok && e.errCode == "" {
		e.errCode = code
	}
}

// Reset forgets every message and what came of it, for the next step of a
// run on the same connections; the connections that closed stay closed.
func (l *Ledger) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.messages, l.order, l.unread = map[string]*entry{}, nil, map[string]bool{}
	l.unexpected, l.foreign, l.recent = 0, 0, nil
}

// Gone records that connection conn closed before the end of the run.
func (l *Ledger) Gone(conn int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gone[conn] = true
}

// Stored records the messages the HTTP API returned for a conversation.
func (l *Ledger) Stored(ms []chat.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range ms {
		if e, ok := l.messages[m.ClientMessageID]; ok && e.ConversationID == m.ConversationID {
			e.stored++
		} else {
			l.foreign++
		}
	}
}

// Unread records that a conversation could not be read back: what its
// messages stored is unknown, so they count as unverified, not lost.
func (l *Ledger) Unread(conversationID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unread[conversationID] = true
}

// Outstanding returns how many frames are still awaited: an acknowledgement
// for every message without one or an error, and a delivery for every
// recipient of an acknowledged message that has not received it and is
// still connected.
func (l *Ledger) Outstanding() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.order {
		if e.errCode != "" {
			continue
		}
		if e.acks == 0 {
			n++
			continue
		}
		for _, r := range e.Recipients {
			if e.got[r.Conn] == nil && !l.gone[r.Conn] {
				n++
			}
		}
	}
	return n
}

// TakeRecent returns the other-side delivery latencies recorded since the
// previous call.
func (l *Ledger) TakeRecent() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.recent
	l.recent = nil
	return out
}

// Counts are the ledger's tallies so far, for live progress.
type Counts struct {
	Sent, Acknowledged, Failed, Deliveries int
}

// Counts returns how many messages were sent, acknowledged and refused, and
// how many deliveries arrived.
func (l *Ledger) Counts() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	var c Counts
	for _, e := range l.order {
		c.Sent++
		if e.acks > 0 {
			c.Acknowledged++
		}
		if e.errCode != "" {
			c.Failed++
		}
		c.Deliveries += len(e.got)
	}
	return c
}

// Accounting is the verdict on every message of a run.
type Accounting struct {
	Sent int `json:"sent"`
	// Acknowledged messages came back to their sender as message.created.
	Acknowledged int `json:"acknowledged"`
	// Refused messages were answered with an error frame.
	Refused int `json:"refused"`
	// Unanswered messages got neither an acknowledgement nor an error.
	Unanswered int `json:"unanswered"`
	// Stored is how many of the messages sent the HTTP API returned.
	Stored int `json:"stored"`
	// Deliveries is how many (message, recipient) pairs were expected for
	// the acknowledged messages, and Delivered how many of them arrived.
	Deliveries int `json:"deliveriesExpected"`
	Delivered  int `json:"deliveriesReceived"`

	// LostStored: acknowledged, yet not returned by the HTTP API.
	LostStored int `json:"lostStored"`
	// LostDeliveries: acknowledged, yet never received by a recipient that
	// stayed connected.
	LostDeliveries int `json:"lostDeliveries"`
	// DuplicatedStored: clientMessageIds the HTTP API returns more than once
	// (each extra copy counts).
	DuplicatedStored int `json:"duplicatedStored"`
	// DuplicatedDeliveries: a clientMessageId received by one connection
	// as more than one message (stored twice, shown twice),
	// acknowledgements included (each extra message counts).
	DuplicatedDeliveries int `json:"duplicatedDeliveries"`
	// Redelivered: the same message received again by a connection that
	// had it (a resend is delivered again to its audience: at least once;
	// clients drop a message.created whose id they hold). Not a duplicate.
	Redelivered int `json:"redelivered"`
	// Lost and Duplicated are the totals of the two kinds above.
	Lost       int `json:"lost"`
	Duplicated int `json:"duplicated"`

	// StoredUnanswered: stored although the sender heard nothing (its retry
	// with the same clientMessageId would be acknowledged, not stored again).
	StoredUnanswered int `json:"storedUnanswered"`
	// StoredRefused: stored although the sender got an error frame.
	StoredRefused int `json:"storedRefused"`
	// RefusedByCode counts the error frames that answered a message.
	RefusedByCode map[chat.Code]int `json:"refusedByCode"`
	// Unverified messages are in conversations the HTTP API could not be
	// read back from: whether they were stored is unknown.
	Unverified int `json:"unverified"`
	// UnexpectedFrames are message.created frames for messages this run did
	// not send; ForeignStored are such messages in the HTTP API's answers.
	UnexpectedFrames int `json:"unexpectedFrames"`
	ForeignStored    int `json:"foreignStored"`
	// Duplicates are the first maxSamples duplicated deliveries,
	// to tell where they come from.
	Duplicates []DuplicateSample `json:"duplicates,omitempty"`
	// LostSamples are the first maxSamples deliveries that never
	// came, to tell where they go missing.
	LostSamples []LostSample `json:"lostSamples,omitempty"`
}

// LostSample is one acknowledged message that one recipient never
// received.
type LostSample struct {
	ClientMessageID string    `json:"clientMessageId"`
	Conn            int       `json:"conn"`
	Role            chat.Role `json:"role"`
	// Received is how many of the message's other recipients got it.
	Received   int `json:"received"`
	Recipients int `json:"recipients"`
}

// DuplicateSample is one message that a connection received more than
// once.
type DuplicateSample struct {
	ClientMessageID string `json:"clientMessageId"`
	Conn            int    `json:"conn"`
	// Sender is set when the copies were the sender's acknowledgement.
	Sender bool `json:"sender"`
	// Copies are the frames received, Messages the distinct message ids
	// among them.
	Copies   int `json:"copies"`
	Messages int `json:"messages"`
	// SentToFirst and FirstToLast are how long after the send the first
	// copy came, and how long after it the last.
	SentToFirst time.Duration `json:"sentToFirst"`
	FirstToLast time.Duration `json:"firstToLast"`
}

// maxSamples bounds Accounting.Duplicates and Accounting.LostSamples.
const maxSamples = 20

// Account returns the verdict on every message, once the run is over and
// Stored has been given every conversation's messages.
func (l *Ledger) Account() Accounting {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := Accounting{RefusedByCode: map[chat.Code]int{}, UnexpectedFrames: l.unexpected, ForeignStored: l.foreign}
	for _, e := range l.order {
		a.Sent++
		if l.unread[e.ConversationID] {
			a.Unverified++
		}
		if e.stored > 0 {
			a.Stored++
			a.DuplicatedStored += e.stored - 1
		}
		if ids := len(e.ackIDs); e.acks > 1 {
			a.DuplicatedDeliveries += ids - 1
			a.Redelivered += e.acks - ids
			if ids > 1 {
				a.sample(DuplicateSample{ClientMessageID: e.ClientMessageID, Conn: e.Sender, Sender: true, Copies: e.acks, Messages: ids,
					SentToFirst: e.ackAt.Sub(e.At), FirstToLast: e.ackLast.Sub(e.ackAt)})
			}
		}
		for conn, r := range e.got {
			a.DuplicatedDeliveries += len(r.ids) - 1
			a.Redelivered += r.n - len(r.ids)
			if len(r.ids) > 1 {
				a.sample(DuplicateSample{ClientMessageID: e.ClientMessageID, Conn: conn, Copies: r.n, Messages: len(r.ids),
					SentToFirst: r.first.Sub(e.At), FirstToLast: r.last.Sub(r.first)})
			}
		}
		switch {
		case e.errCode != "":
			a.Refused++
			a.RefusedByCode[e.errCode]++
			if e.stored > 0 {
				a.StoredRefused++
			}
			continue
		case e.acks == 0:
			a.Unanswered++
			if e.stored > 0 {
				a.StoredUnanswered++
			}
			continue
		}
		a.Acknowledged++
		if e.stored == 0 && !l.unread[e.ConversationID] {
			a.LostStored++
		}
		for _, r := range e.Recipients {
			if l.gone[r.Conn] && e.got[r.Conn] == nil {
				continue
			}
			a.Deliveries++
			if e.got[r.Conn] != nil {
				a.Delivered++
			} else {
				a.LostDeliveries++
				if len(a.LostSamples) < maxSamples {
					a.LostSamples = append(a.LostSamples, LostSample{ClientMessageID: e.ClientMessageID, Conn: r.Conn, Role: r.Role,
						Received: len(e.got), Recipients: len(e.Recipients)})
				}
			}
		}
	}
	a.Lost = a.LostStored + a.LostDeliveries
	a.Duplicated = a.DuplicatedStored + a.DuplicatedDeliveries
	return a
}

// sample keeps d among the first maxSamples duplicates.
func (a *Accounting) sample(d DuplicateSample) {
	if len(a.Duplicates) < maxSamples {
		a.Duplicates = append(a.Duplicates, d)
	}
}

// Latencies are the measured latencies of the acknowledged messages.
type Latencies struct {
	// Ack runs from the write of a message to its acknowledgement.
	Ack []time.Duration
	// Delivery runs from the write of a message to its arrival at each
	// recipient of the other role (the counsellors' connections for a
	// client's message, the client's for a counsellor's).
	Delivery []time.Duration
	// DeliveryExDynamoDB is Delivery less the time the message's invocation
	// spent waiting on DynamoDB; empty when dynamo is nil.
	DeliveryExDynamoDB []time.Duration
}

// Latencies returns the latencies of the run. dynamo, when not nil, tells
// how long the invocation that handled a message spent inside DynamoDB
// calls (false: unknown, the sample is left out).
func (l *Ledger) Latencies(dynamo func(clientMessageID string) (time.Duration, bool)) Latencies {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out Latencies
	for _, e := range l.order {
		if e.acks == 0 || e.errCode != "" {
			continue
		}
		out.Ack = append(out.Ack, e.ackAt.Sub(e.At))
		var inDB time.Duration
		known := false
		if dynamo != nil {
			inDB, known = dynamo(e.ClientMessageID)
		}
		for _, r := range e.Recipients {
			got := e.got[r.Conn]
			if got == nil || r.Role == e.SenderRole {
				continue
			}
			d := got.first.Sub(e.At)
			out.Delivery = append(out.Delivery, d)
			if known {
				out.DeliveryExDynamoDB = append(out.DeliveryExDynamoDB, d-inDB)
			}
		}
	}
	return out
}

// eachAcknowledged calls fn with every acknowledged message, in sending
// order; fn must not call the ledger.
func (l *Ledger) eachAcknowledged(fn func(Send)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.order {
		if e.acks > 0 && e.errCode == "" {
			fn(e.Send)
		}
	}
}
