package chat

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// The types of the server-to-client frames of docs/protocol.md.
const (
	EventConversationCreated = "conversation.created"
	EventConversationUpdated = "conversation.updated"
	EventConversationClosed  = "conversation.closed"
	EventMessageCreated      = "message.created"
	EventMessageUpdated      = "message.updated"
	EventMessageDeleted      = "message.deleted"
	EventTyping              = "typing"
	EventRead                = "read"
	EventPong                = "pong"
	EventError               = "error"
	EventReconnect           = "reconnect"
)

// Event is a server-to-client frame of docs/protocol.md; Type is one of the
// Event* constants.
type Event struct {
	Type           string        `json:"type"`
	ConversationID string        `json:"conversationId,omitempty"`
	Message        *Message      `json:"message,omitempty"`
	MessageID      string        `json:"messageId,omitempty"`
	Conversation   *Conversation `json:"conversation,omitempty"`
	Role           Role          `json:"role,omitempty"`
	Typing         *bool         `json:"typing,omitempty"`
	// Reason says why a reconnect frame asks the client to reconnect.
	Reason string `json:"reason,omitempty"`
}

// ErrorFrame is the error frame sent to a WebSocket sender.
type ErrorFrame struct {
	Type            string `json:"type"`
	Code            Code   `json:"code"`
	Message         string `json:"message"`
	ClientMessageID string `json:"clientMessageId,omitempty"`
	// RetryAfterSeconds, on rate_limited, is when sending again may succeed.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
}

// NewErrorFrame returns the frame for err, which says nothing about internals.
func NewErrorFrame(err error, clientMessageID string) ErrorFrame {
	e := Public(err)
	return ErrorFrame{Type: EventError, Code: e.Code, Message: e.Message, ClientMessageID: clientMessageID, RetryAfterSeconds: e.RetryAfterSeconds()}
}

// Pong is the answer to a ping.
var Pong = Event{Type: EventPong}

// audience says which connections receive an event.
type audience struct {
	conversationID string
	// conversation: every connection of the conversation.
	conversation bool
	// feed: the staff feed.
	feed bool
	// roles restricts the conversation's connections to these roles (nil:
	// all of them); how "the other side" is addressed.
	roles map[Role]bool
	// readersOf, when set, keeps only the staff connections of people who
	// may read that conversation (CanRead): the audience of its words
	// (messages, typing, read markers). Queue events (conversation.*) leave
	// it nil and reach every feed: metadata, never words.
	readersOf *Conversation
}

// wordsOf is the audience of conversation c's words: its connections and
// the feeds of those who may read it.
func wordsOf(c Conversation) audience {
	return audience{conversationID: c.ID, conversation: true, feed: true, readersOf: &c}
}

// frames renders an event once per role: staff may see more than clients.
type frames func(Role) []byte

func eventFrames(e Event) frames {
	if e.Conversation == nil {
		b := mustJSON(e)
		return func(Role) []byte { return b }
	}
	byRole := map[Role][]byte{}
	for _, r := range []Role{RoleClient, RoleStaff} {
		c := viewAs(r, *e.Conversation)
		re := e
		re.Conversation = &c
		byRole[r] = mustJSON(re)
	}
	return func(r Role) []byte {
		if r == RoleStaff {
			return byRole[RoleStaff]
		}
		return byRole[RoleClient]
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("chat: marshal event: " + err.Error())
	}
	return b
}

// publish sends an event to its audience and forgets connections that are
// gone. Failures are logged; the action that caused the event has happened.
func (s *Service) publish(ctx context.Context, a audience, render frames) {
	conns, err := s.audienceConnections(ctx, a)
	if err != nil {
		s.log.ErrorContext(ctx, "fan-out lookup failed", "conversationId", a.conversationID, "err", err)
	}
	s.deliver(ctx, conns, render)
}

// audienceConnections finds the connections of an audience: one Query for
// the conversation and the feeds' lookup (feedsOf), run side by side.
func (s *Service) audienceConnections(ctx context.Context, a audience) ([]Connection, error) {
	now := s.now()
	var (
		inConv, inFeed []Connection
		errConv, errFd error
	)
	s.parallel(
		func() {
			if a.conversation {
				inConv, errConv = s.store.ConversationConnections(ctx, a.conversationID, now)
			}
		},
		func() {
			if a.feed {
				inFeed, errFd = s.feedsOf(ctx, a.readersOf, now)
			}
		},
	)
	return a.pick(inConv, inFeed), joinErr(errConv, errFd)
}

// feedsOf returns the staff feeds that may hear conversation c's words: a
// conversation waiting for a counsellor (or any event of the queue, c nil)
// every feed; an assigned one only its assignee's and the supervisors',
// read as two small Queries side by side rather than every counsellor's
// feed (which grew with the counsellors online: at 500, 25 read units a
// message). pick still keeps only those who may read it.
func (s *Service) feedsOf(ctx context.Context, c *Conversation, now time.Time) ([]Connection, error) {
	if c == nil || c.Unassigned() {
		return s.store.FeedConnections(ctx, now)
	}
	var (
		mine, supervisors []Connection
		errMine, errSup   error
	)
	s.parallel(
		func() { mine, errMine = s.store.UserConnections(ctx, *c.Assignee, now) },
		func() { supervisors, errSup = s.store.SupervisorFeedConnections(ctx, now) },
	)
	feeds := slices.DeleteFunc(mine, func(k Connection) bool { return !k.IsFeed() })
	for _, k := range supervisors {
		if k.UserID != *c.Assignee {
			feeds = append(feeds, k)
		}
	}
	return feeds, joinErr(errMine, errSup)
}

// pick keeps the connections of inConv and inFeed the audience addresses.
func (a audience) pick(inConv, inFeed []Connection) []Connection {
	out := make([]Connection, 0, len(inConv)+len(inFeed))
	for _, c := range inConv {
		if (a.roles == nil || a.roles[c.Role]) && a.mayHear(c) {
			out = append(out, c)
		}
	}
	for _, c := range inFeed {
		if a.mayHear(c) {
			out = append(out, c)
		}
	}
	return out
}

// mayHear reports whether conn may receive the audience's event: always for
// queue events; for words, a client's own connection (checked at connect)
// or a member of staff who may read the conversation as it is now.
func (a audience) mayHear(conn Connection) bool {
	if a.readersOf == nil || conn.Role != RoleStaff {
		return true
	}
	return CanRead(conn.Identity(), *a.readersOf)
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// deliver pushes the rendered frame to each connection and deletes the ones
// that are gone.
func (s *Service) deliver(ctx context.Context, conns []Connection, render frames) {
	if len(conns) == 0 {
		return
	}
	ds := make([]Delivery, 0, len(conns))
	seen := make(map[string]bool, len(conns))
	for _, c := range conns {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		ds = append(ds, Delivery{ConnectionID: c.ID, Frame: render(c.Role)})
	}
	for _, id := range s.pusher.Deliver(ctx, ds) {
		if err := s.store.DeleteConnection(ctx, id); err != nil {
			s.log.WarnContext(ctx, "forget gone connection failed", "connectionId", id, "err", err)
		}
	}
}

// publishConversation sends a conversation event to the staff feed and, when
// toConversation, to the conversation's connections.
func (s *Service) publishConversation(ctx context.Context, typ string, c Conversation, toConversation bool) {
	c.Unread = 0
	s.publish(ctx, audience{conversationID: c.ID, conversation: toConversation, feed: true},
		eventFrames(Event{Type: typ, Conversation: &c}))
}
