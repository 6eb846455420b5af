package chat

import (
	"context"
	"errors"
	"time"
)

// SendInput is a message to send.
type SendInput struct {
	ConversationID  string
	ClientMessageID string
	Body            string
	// Connection is the sender's connection when sent over the WebSocket: a
	// repeated clientMessageId is acknowledged to it again.
	Connection string
}

// SendMessage stores a message and delivers it to every connection of the
// conversation (the sender's own too: that is its acknowledgement) and the
// staff feed. The same clientMessageId again returns the first message with
// created false and stores nothing.
func (s *Service) SendMessage(ctx context.Context, caller Identity, in SendInput) (Message, bool, error) {
	return s.send(ctx, caller, in, nil)
}

// send is SendMessage with a check, already running, that must pass before
// anything is stored (nil: none). It makes two DynamoDB round trips before
// the first delivery: the reads that do not depend on each other side by
// side (the conversation with its connections in one read, the sender's
// rate window, the keys its body may be sealed under, beside the check),
// then the write, whose conditions hold access and "active" again, beside
// the staff feeds that may hear it (feedsOf: which depends on the
// conversation).
func (s *Service) send(ctx context.Context, caller Identity, in SendInput, check guard) (Message, bool, error) {
	body, err := NormalizeBody(in.Body, s.limits.MaxMessageChars)
	if err != nil {
		return Message{}, false, err
	}
	if err := ValidClientMessageID(in.ClientMessageID); err != nil {
		return Message{}, false, err
	}
	if !ValidID(in.ConversationID) {
		return Message{}, false, NotFound()
	}
	now := s.now()

	var (
		conv      Conversation
		convErr   error
		allowed   bool
		rateErr   error
		convConns []Connection
	)
	// The conversation's own connections are read with it; which staff
	// feeds may hear it depends on the conversation, so they are read once
	// it is known, beside the write.
	s.parallel(
		func() { conv, convConns, convErr = s.store.ConversationAndConnections(ctx, in.ConversationID, now) },
		func() { allowed, rateErr = s.hitRate(ctx, caller.UserID, now) },
		func() { s.keys.PrepareMessage(ctx, caller, in.ConversationID, now) },
	)
	// The check was started before these reads and ran beside them.
	if err := check.ok(); err != nil {
		return Message{}, false, err
	}
	if convErr != nil {
		return Message{}, false, convErr
	}
	if err := CanPost(caller, conv); err != nil {
		return Message{}, false, err
	}
	if rateErr != nil {
		return Message{}, false, rateErr
	}
	if !allowed {
		return Message{}, false, &Error{Code: CodeRateLimited, Message: "You are sending messages too quickly. Please wait a moment.",
			RetryAfter: s.retryAfter(now)}
	}

	m := Message{
		ID:              s.newID(now),
		ConversationID:  conv.ID,
		SenderID:        caller.UserID,
		SenderRole:      caller.Role,
		Body:            body,
		ClientMessageID: in.ClientMessageID,
		CreatedAt:       At(now),
		Owner:           conv.UserID,
		StartsWait:      !caller.IsStaff() && conv.LastSenderRole != RoleClient,
	}
	var (
		stored  Message
		created bool
		feeds   []Connection
		feedErr error
	)
	s.parallel(
		func() { stored, created, err = s.putMessage(ctx, caller, m, conv) },
		func() { feeds, feedErr = s.feedsOf(ctx, &conv, now) },
	)
	if err != nil {
		return Message{}, false, err
	}
	aud := wordsOf(conv)
	audConns, audErr := aud.pick(convConns, feeds), feedErr
	if !created {
		s.redeliver(ctx, caller, in.Connection, audConns, audErr, conv.ID, stored)
		return stored, false, nil
	}
	if audErr != nil {
		// The message is stored; find the audience again rather than lose the delivery.
		audConns, audErr = s.audienceConnections(ctx, aud)
		if audErr != nil {
			s.log.ErrorContext(ctx, "fan-out lookup failed", "conversationId", conv.ID, "err", audErr)
		}
	}
	s.deliver(ctx, audConns, eventFrames(Event{Type: EventMessageCreated, ConversationID: conv.ID, Message: &stored}))
	s.raiseRisk(ctx, conv, s.screen(caller, body))
	return stored, true, nil
}

// redeliver answers a resend (a clientMessageId already stored): its
// message goes again to everyone who may read it, the sending connection
// (its acknowledgement) among them. A resend follows an acknowledgement
// that never came, and the invocation that stored the message may have
// ended before its fan-out did (a timeout, a crash), so the others may
// never have had it: delivery is at least once, and clients drop a
// message.created whose id they hold. A deleted message is acknowledged
// to the sender alone; without an audience (its lookup failed) so is any.
func (s *Service) redeliver(ctx context.Context, caller Identity, connection string, audConns []Connection, audErr error, conversationID string, stored Message) {
	to := audConns
	if stored.Deleted || audErr != nil {
		to = nil
		if connection != "" {
			to = []Connection{{ID: connection, Role: caller.Role}}
		}
	}
	if len(to) > 0 {
		s.deliver(ctx, to, eventFrames(Event{Type: EventMessageCreated, ConversationID: conversationID, Message: &stored}))
	}
}

// putMessage stores caller's message m under the conversation's retention,
// once more with a fresh read if the retention changed in between.
func (s *Service) putMessage(ctx context.Context, caller Identity, m Message, conv Conversation) (Message, bool, error) {
	for attempt := 0; ; attempt++ {
		m.ExpiresAt = conv.Retention.Expiry(m.CreatedAt.Time)
		stored, created, err := s.store.PutMessage(ctx, m, PostCondition(caller, conv.Retention))
		if !errors.Is(err, ErrStale) || attempt > 0 {
			return stored, created, err
		}
		if conv, err = s.store.GetConversation(ctx, conv.ID, s.now()); err != nil {
			return Message{}, false, err
		}
	}
}

func (s *Service) hitRate(ctx context.Context, userID string, now time.Time) (bool, error) {
	window := now.Truncate(s.limits.RateWindow)
	return s.store.Hit(ctx, userID, window, s.limits.RateLimit, 2*s.limits.RateWindow)
}

func (s *Service) retryAfter(now time.Time) time.Duration {
	next := now.Truncate(s.limits.RateWindow).Add(s.limits.RateWindow)
	return next.Sub(now).Round(time.Second) + time.Second
}

// EditMessage changes the body of the caller's own message. Anyone else's
// message is not_found.
func (s *Service) EditMessage(ctx context.Context, caller Identity, conversationID, messageID, body string) (Message, error) {
	body, err := NormalizeBody(body, s.limits.MaxMessageChars)
	if err != nil {
		return Message{}, err
	}
	conv, err := s.conversationFor(ctx, caller, conversationID)
	if err != nil {
		return Message{}, err
	}
	if !ValidID(messageID) {
		return Message{}, NotFound()
	}
	if conv.Status != StatusActive {
		return Message{}, Closed()
	}
	now := s.now()
	m, err := s.store.UpdateMessage(ctx, conv.ID, messageID, MessageUpdate{If: EditCondition(caller), Body: &body, At: now})
	if err != nil {
		return Message{}, err
	}
	s.audit(ctx, caller.UserID, AuditMessageEdited, conv.ID+"/"+m.ID)
	s.publish(ctx, wordsOf(conv), eventFrames(Event{Type: EventMessageUpdated, ConversationID: conv.ID, Message: &m}))
	s.raiseRisk(ctx, conv, s.screen(caller, body))
	return m, nil
}

// DeleteMessage soft-deletes the caller's own message: it keeps its place,
// clients never see it again, staff see it flagged without its body.
func (s *Service) DeleteMessage(ctx context.Context, caller Identity, conversationID, messageID string) error {
	conv, err := s.conversationFor(ctx, caller, conversationID)
	if err != nil {
		return err
	}
	if !ValidID(messageID) {
		return NotFound()
	}
	now := s.now()
	if _, err := s.store.UpdateMessage(ctx, conv.ID, messageID, MessageUpdate{If: EditCondition(caller), Delete: true, At: now}); err != nil {
		return err
	}
	s.audit(ctx, caller.UserID, AuditMessageDeleted, conv.ID+"/"+messageID)
	s.publish(ctx, wordsOf(conv), eventFrames(Event{Type: EventMessageDeleted, ConversationID: conv.ID, MessageID: messageID}))
	return nil
}

// MessageList is one page of messages, oldest first.
type MessageList struct {
	Messages   []Message `json:"messages"`
	NextCursor *string   `json:"nextCursor"`
}

// MessageQuery selects a page of messages: the newest Limit, the page before
// Cursor, or the messages after the message After.
type MessageQuery struct {
	Limit  int
	Cursor string
	After  string
}

// ListMessages returns a page of a conversation's messages as the caller may
// see them: clients never see deleted messages, staff see them without body.
func (s *Service) ListMessages(ctx context.Context, caller Identity, conversationID string, q MessageQuery) (MessageList, error) {
	limit, err := pageLimit(q.Limit, 50, 100)
	if err != nil {
		return MessageList{}, err
	}
	if q.Cursor != "" && q.After != "" {
		return MessageList{}, BadRequest("Use either cursor or after, not both.")
	}
	if q.After != "" && !ValidID(q.After) {
		return MessageList{}, BadRequest("after must be a message id.")
	}
	conv, err := s.conversationFor(ctx, caller, conversationID)
	if err != nil {
		return MessageList{}, err
	}
	s.noteView(ctx, caller, conv)
	listing := "messages:" + conv.ID
	before, err := decodeCursor(q.Cursor, caller.UserID, listing, ValidID)
	if err != nil {
		return MessageList{}, err
	}
	msgs, next, err := s.visibleMessages(ctx, caller, conv.ID, MessageRange{Before: before, After: q.After, Limit: limit})
	if err != nil {
		return MessageList{}, err
	}
	out := MessageList{Messages: msgs}
	if q.After == "" {
		out.NextCursor = encodeCursor(caller.UserID, listing, next)
	}
	return out, nil
}

// visibleMessages reads pages until it has r.Limit messages the caller may
// see or the conversation has no more, and returns them oldest first. When
// reading backwards it also returns the position of the page before them
// ("" when there is nothing older).
func (s *Service) visibleMessages(ctx context.Context, caller Identity, conversationID string, r MessageRange) ([]Message, string, error) {
	now := s.now()
	out := []Message{}
	for {
		page, err := s.store.ListMessages(ctx, conversationID, r, now)
		if err != nil {
			return nil, "", err
		}
		kept := make([]Message, 0, len(page.Items))
		for _, m := range page.Items {
			if m.Deleted && !caller.IsStaff() {
				continue
			}
			kept = append(kept, m.Redacted())
		}
		if r.After != "" {
			out = append(out, kept...)
			if len(out) >= r.Limit || page.Next == "" {
				return out[:min(len(out), r.Limit)], "", nil
			}
			r.After = page.Next
			continue
		}
		out = append(kept, out...)
		if len(out) > r.Limit {
			// Older visible messages are left out: the next page starts
			// before the oldest one returned.
			out = out[len(out)-r.Limit:]
			return out, out[0].ID, nil
		}
		if len(out) == r.Limit || page.Next == "" {
			return out, page.Next, nil
		}
		r.Before = page.Next
	}
}

// MarkRead moves the caller's read marker to messageID and tells the other
// side.
func (s *Service) MarkRead(ctx context.Context, caller Identity, conversationID, messageID string) error {
	return s.markRead(ctx, caller, conversationID, messageID, nil)
}

// markRead is MarkRead with a check that must pass, side by side with the
// conversation's read, before the marker moves (nil: none).
func (s *Service) markRead(ctx context.Context, caller Identity, conversationID, messageID string, check guard) error {
	if !ValidID(messageID) {
		return BadRequest("messageId must be a message id.")
	}
	conv, err := s.conversationFor(ctx, caller, conversationID)
	if cErr := check.ok(); cErr != nil {
		return cErr
	}
	if err != nil {
		return err
	}
	if err := s.store.PutReadMarker(ctx, conv.ID, caller.UserID, messageID, conv.Retention.Expiry(s.now())); err != nil {
		return err
	}
	s.publish(ctx, otherSide(conv, caller.Role), eventFrames(Event{Type: EventRead, ConversationID: conv.ID, Role: caller.Role, MessageID: messageID}))
	return nil
}

// otherSide is the audience of a relay from role in conversation c: a
// client's other side is the staff connections and feeds of those who may
// read c; staff's is the client's connections.
func otherSide(c Conversation, role Role) audience {
	a := wordsOf(c)
	if role == RoleStaff {
		a.feed, a.roles = false, map[Role]bool{RoleClient: true}
		return a
	}
	a.roles = map[Role]bool{RoleStaff: true}
	return a
}

// WidgetView is what the widget shows for a client's active conversation.
type WidgetView struct {
	Conversation Conversation `json:"conversation"`
	Messages     []Message    `json:"messages"`
	Unread       int          `json:"unread"`
}

// widgetMessages is how many messages the widget shows.
const widgetMessages = 20

// Widget returns the client's active conversation with its last 20 visible
// messages. not_found when there is none; staff are forbidden.
func (s *Service) Widget(ctx context.Context, caller Identity) (WidgetView, error) {
	if caller.IsStaff() {
		return WidgetView{}, Errorf(CodeForbidden, "The widget is for clients.")
	}
	id, err := s.store.ActiveConversationID(ctx, caller.UserID)
	if err != nil {
		return WidgetView{}, err
	}
	if id == "" {
		return WidgetView{}, NotFound()
	}
	conv, err := s.GetConversation(ctx, caller, id)
	if err != nil {
		return WidgetView{}, err
	}
	msgs, _, err := s.visibleMessages(ctx, caller, id, MessageRange{Limit: widgetMessages})
	if err != nil {
		return WidgetView{}, err
	}
	return WidgetView{Conversation: conv, Messages: msgs, Unread: conv.Unread}, nil
}

// viewNoteWindow is how often a supervisor's reading of one conversation is
// recorded at most.
const viewNoteWindow = time.Hour

// noteView records in the audit trail that a supervisor read the messages
// of a conversation not assigned to them: who, which, when, never what; at
// most once per supervisor and conversation per clock hour. A failure is
// logged: the reading has happened.
func (s *Service) noteView(ctx context.Context, caller Identity, c Conversation) {
	if !caller.IsSupervisor() || c.AssignedTo(caller.UserID) {
		return
	}
	now := s.now()
	first, err := s.store.Hit(ctx, "VIEW#"+caller.UserID+"#"+c.ID, now.Truncate(viewNoteWindow), 1, 2*viewNoteWindow)
	if err != nil {
		s.log.ErrorContext(ctx, "view note failed", "conversationId", c.ID, "err", err)
		return
	}
	if first {
		s.audit(ctx, caller.UserID, AuditConversationViewed, c.ID)
	}
}
