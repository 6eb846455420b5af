package chat

import (
	"context"
	"errors"
	"regexp"
	"sync"
)

// Me describes the caller, for GET /me.
type Me struct {
	UserID               string  `json:"userId"`
	Username             string  `json:"username"`
	Role                 Role    `json:"role"`
	ActiveConversationID *string `json:"activeConversationId"`
}

// Me returns who the caller is and, for a client, its active conversation.
func (s *Service) Me(ctx context.Context, caller Identity) (Me, error) {
	me := Me{UserID: caller.UserID, Username: caller.Username, Role: caller.Role}
	if caller.IsStaff() {
		return me, nil
	}
	id, err := s.store.ActiveConversationID(ctx, caller.UserID)
	if err != nil {
		return Me{}, err
	}
	if id != "" {
		me.ActiveConversationID = &id
	}
	return me, nil
}

// CreateConversation starts a client's session. At most one is active per
// client: otherwise a conflict naming the active one.
func (s *Service) CreateConversation(ctx context.Context, caller Identity, retention Retention) (Conversation, error) {
	if caller.IsStaff() {
		return Conversation{}, Errorf(CodeForbidden, "Counsellors cannot start a conversation.")
	}
	if retention == "" {
		retention = Retention24h
	}
	if err := retention.Check(); err != nil {
		return Conversation{}, err
	}
	now := s.now()
	c := Conversation{
		ID:        s.newID(now),
		UserID:    caller.UserID,
		Status:    StatusActive,
		Retention: retention,
		CreatedAt: At(now),
	}
	if err := s.store.CreateConversation(ctx, c); err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditConversationCreated, c.ID)
	s.publishConversation(ctx, EventConversationCreated, c, false)
	return s.view(caller, c), nil
}

// view returns c as caller may see it.
func (s *Service) view(caller Identity, c Conversation) Conversation { return viewAs(caller.Role, c) }

// viewAs returns c as someone of role may see it: userDeleted is shown to
// staff only.
func viewAs(r Role, c Conversation) Conversation {
	c.UserDeleted = nil
	if r == RoleStaff {
		d := c.Deleted
		c.UserDeleted = &d
	}
	return c
}

// conversationFor returns a conversation the caller may read (CanRead);
// anything else is not_found.
func (s *Service) conversationFor(ctx context.Context, caller Identity, id string) (Conversation, error) {
	if !ValidID(id) {
		return Conversation{}, NotFound()
	}
	c, err := s.store.GetConversation(ctx, id, s.now())
	if err != nil {
		return Conversation{}, err
	}
	if err := readable(caller, c); err != nil {
		return Conversation{}, err
	}
	return c, nil
}

// ownedBy returns a conversation that only its owner may act on: staff get
// forbidden, other clients not_found.
func (s *Service) ownedBy(ctx context.Context, caller Identity, id string) (Conversation, error) {
	if caller.IsStaff() {
		if _, err := s.conversationFor(ctx, caller, id); err != nil {
			return Conversation{}, err
		}
		return Conversation{}, Errorf(CodeForbidden, "Only the client of this conversation can do this.")
	}
	return s.conversationFor(ctx, caller, id)
}

// GetConversation returns one conversation with the caller's unread count.
func (s *Service) GetConversation(ctx context.Context, caller Identity, id string) (Conversation, error) {
	c, err := s.conversationFor(ctx, caller, id)
	if err != nil {
		return Conversation{}, err
	}
	if c.Unread, err = s.store.Unread(ctx, c.ID, caller.UserID, caller.Role, s.now()); err != nil {
		return Conversation{}, err
	}
	return s.view(caller, c), nil
}

// ConversationList is one page of conversations.
type ConversationList struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    *string        `json:"nextCursor"`
}

// ListQuery selects a page of conversations.
type ListQuery struct {
	Status Status
	Cursor string
	Limit  int
}

var activityPos = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[0-9A-HJKMNP-TV-Z]{26}$`)

// ListConversations lists the caller's conversations (a client's own, not
// user-deleted; staff all, optionally by status), most recently active first.
func (s *Service) ListConversations(ctx context.Context, caller Identity, q ListQuery) (ConversationList, error) {
	limit, err := pageLimit(q.Limit, 20, 100)
	if err != nil {
		return ConversationList{}, err
	}
	if q.Status != "" && !q.Status.Valid() {
		return ConversationList{}, BadRequest("status must be \"active\" or \"closed\".")
	}
	listing := "conversations:" + string(q.Status)
	after, err := decodeCursor(q.Cursor, caller.UserID, listing, activityPos.MatchString)
	if err != nil {
		return ConversationList{}, err
	}
	now := s.now()
	var page Page[Conversation]
	if caller.IsStaff() {
		page, err = s.store.ListConversations(ctx, q.Status, after, limit, now)
	} else {
		page, err = s.store.ListUserConversations(ctx, caller.UserID, after, limit, now)
		if err == nil && q.Status != "" {
			kept := page.Items[:0]
			for _, c := range page.Items {
				if c.Status == q.Status {
					kept = append(kept, c)
				}
			}
			page.Items = kept
		}
	}
	if err != nil {
		return ConversationList{}, err
	}
	if err := s.fillUnread(ctx, caller, page.Items); err != nil {
		return ConversationList{}, err
	}
	out := ConversationList{Conversations: make([]Conversation, 0, len(page.Items)), NextCursor: encodeCursor(caller.UserID, listing, page.Next)}
	for _, c := range page.Items {
		out.Conversations = append(out.Conversations, s.view(caller, c))
	}
	return out, nil
}

// fillUnread sets the caller's unread count on each conversation, a few
// queries at a time.
func (s *Service) fillUnread(ctx context.Context, caller Identity, cs []Conversation) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make([]error, len(cs))
	now := s.now()
	for i := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			cs[i].Unread, errs[i] = s.store.Unread(ctx, cs[i].ID, caller.UserID, caller.Role, now)
		}(i)
	}
	wg.Wait()
	return errors.Join(errs...)
}

func pageLimit(n, def, max int) (int, error) {
	if n == 0 {
		return def, nil
	}
	if n < 1 || n > max {
		return 0, BadRequest("limit must be between 1 and %d.", max)
	}
	return n, nil
}

// Claim makes the calling counsellor the conversation's assignee. A second
// counsellor may take it over; everyone watching sees conversation.updated.
func (s *Service) Claim(ctx context.Context, caller Identity, id string) (Conversation, error) {
	if !caller.IsStaff() {
		if _, err := s.conversationFor(ctx, caller, id); err != nil {
			return Conversation{}, err
		}
		return Conversation{}, Errorf(CodeForbidden, "Only counsellors can claim a conversation.")
	}
	if !ValidID(id) {
		return Conversation{}, NotFound()
	}
	assignee := caller.UserID
	c, err := s.store.UpdateConversation(ctx, id, ConversationUpdate{If: Condition{Status: StatusActive}, Assignee: &assignee})
	if err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditConversationClaimed, c.ID)
	s.publishConversation(ctx, EventConversationUpdated, c, true)
	return s.view(caller, c), nil
}

// Close ends a session. Only staff may close; a client gets forbidden for
// its own conversation and not_found for anyone else's.
func (s *Service) Close(ctx context.Context, caller Identity, id string) (Conversation, error) {
	if !caller.IsStaff() {
		if _, err := s.conversationFor(ctx, caller, id); err != nil {
			return Conversation{}, err
		}
		return Conversation{}, Errorf(CodeForbidden, "Only a counsellor can close this conversation.")
	}
	if !ValidID(id) {
		return Conversation{}, NotFound()
	}
	c, err := s.close(ctx, id, caller.UserID)
	if err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditConversationClosed, c.ID)
	return s.view(caller, c), nil
}

// close closes conversation id on behalf of by (a staff sub or "system")
// and tells everyone watching.
func (s *Service) close(ctx context.Context, id, by string) (Conversation, error) {
	current, err := s.store.GetConversation(ctx, id, s.now())
	if err != nil {
		return Conversation{}, err
	}
	if current.Status != StatusActive {
		return Conversation{}, Closed()
	}
	now := At(s.now())
	closed := StatusClosed
	u := ConversationUpdate{If: Condition{Status: StatusActive}, Status: &closed, ClosedAt: &now, ClosedBy: &by,
		ExpiresAt: current.Retention.Expiry(now.Time)}
	c, err := s.store.UpdateConversation(ctx, id, u)
	if err != nil {
		return Conversation{}, err
	}
	s.publishConversation(ctx, EventConversationClosed, c, true)
	return c, nil
}

// SetRetention changes how long the conversation's messages are kept. Moving
// to 24h makes every message expire 24 h after it was sent.
func (s *Service) SetRetention(ctx context.Context, caller Identity, id string, r Retention) (Conversation, error) {
	if err := r.Check(); err != nil {
		return Conversation{}, err
	}
	if _, err := s.ownedBy(ctx, caller, id); err != nil {
		return Conversation{}, err
	}
	c, err := s.store.SetRetention(ctx, id, r)
	if err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditRetentionChanged, c.ID)
	s.publishConversation(ctx, EventConversationUpdated, c, true)
	return s.view(caller, c), nil
}

// DeleteConversation hides a closed conversation from the client's own
// views; staff still see it, flagged. An active one is a conflict.
func (s *Service) DeleteConversation(ctx context.Context, caller Identity, id string) error {
	c, err := s.ownedBy(ctx, caller, id)
	if err != nil {
		return err
	}
	if err := CanHide(caller, c); err != nil {
		return err
	}
	deleted := true
	if _, err := s.store.UpdateConversation(ctx, id, ConversationUpdate{If: HideCondition(caller), UserDeleted: &deleted}); err != nil {
		return err
	}
	s.audit(ctx, caller.UserID, AuditUserDeleted, id)
	return nil
}

// Feedback records a client's rating of a closed session, once.
func (s *Service) Feedback(ctx context.Context, caller Identity, id string, rating int, comment string) error {
	if rating < 1 || rating > 5 {
		return BadRequest("rating must be a whole number from 1 to 5.")
	}
	comment, err := normalizeComment(comment)
	if err != nil {
		return err
	}
	if _, err := s.ownedBy(ctx, caller, id); err != nil {
		return err
	}
	_, err = s.store.UpdateConversation(ctx, id, ConversationUpdate{If: RateCondition(caller),
		Feedback: &Feedback{Rating: rating, Comment: comment, At: At(s.now())}})
	return err
}
