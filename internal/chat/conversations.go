package chat

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sync"
)

// Me describes the caller, for GET /me.
type Me struct {
	UserID               string  `json:"userId"`
	Username             string  `json:"username"`
	Role                 Role    `json:"role"`
	Supervisor           bool    `json:"supervisor,omitempty"`
	ActiveConversationID *string `json:"activeConversationId"`
	// DisplayName is the name a member of staff chose for clients to see
	// (absent until they choose one; never for clients).
	DisplayName string `json:"displayName,omitempty"`
}

// Me returns who the caller is and, for a client, its active conversation.
// A member of staff is (re)entered in the staff directory, so supervisors
// can assign conversations to them.
func (s *Service) Me(ctx context.Context, caller Identity) (Me, error) {
	me := Me{UserID: caller.UserID, Username: caller.Username, Role: caller.Role, Supervisor: caller.IsSupervisor()}
	if caller.IsStaff() {
		return s.enterStaff(ctx, caller, me, "")
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

// enterStaff (re)enters caller in the staff directory, with display name
// name when it is not "" (else the one they chose before stays), and
// returns me with the name they now have.
func (s *Service) enterStaff(ctx context.Context, caller Identity, me Me, name string) (Me, error) {
	if err := s.store.PutStaffMember(ctx, StaffMember{UserID: caller.UserID, Username: caller.Username,
		DisplayName: name, Supervisor: caller.IsSupervisor(), LastSeenAt: At(s.now())}); err != nil {
		return Me{}, err
	}
	if name != "" {
		me.DisplayName = name
		return me, nil
	}
	m, err := s.store.GetStaffMember(ctx, caller.UserID)
	if err != nil {
		return Me{}, err
	}
	me.DisplayName = m.DisplayName
	return me, nil
}

// SetDisplayName sets the name a member of staff is shown by to clients
// ("Sam has joined the conversation") and colleagues: staff only, checked
// by NormalizeDisplayName, audited without the name. Conversations claimed
// from then on carry it.
func (s *Service) SetDisplayName(ctx context.Context, caller Identity, name string) (Me, error) {
	if !caller.IsStaff() {
		return Me{}, Errorf(CodeForbidden, "Only counsellors choose a display name.")
	}
	name, err := NormalizeDisplayName(name)
	if err != nil {
		return Me{}, err
	}
	me, err := s.enterStaff(ctx, caller, Me{UserID: caller.UserID, Username: caller.Username, Role: caller.Role,
		Supervisor: caller.IsSupervisor()}, name)
	if err != nil {
		return Me{}, err
	}
	s.audit(ctx, caller.UserID, AuditDisplayNameSet, caller.UserID)
	return me, nil
}

// displayName is the display name member userID has chosen ("" when they
// have none, or are not in the directory).
func (s *Service) displayName(ctx context.Context, userID string) (string, error) {
	m, err := s.store.GetStaffMember(ctx, userID)
	if CodeOf(err) == CodeNotFound {
		return "", nil
	}
	return m.DisplayName, err
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

// view returns c as caller may see it: as their role may, with the
// client's feedback for staff who may read it.
func (s *Service) view(caller Identity, c Conversation) Conversation {
	v := viewAs(caller.Role, c)
	if caller.IsStaff() && c.Rating > 0 && CanRead(caller, c) {
		v.Feedback = &FeedbackView{Rating: c.Rating, Comment: c.Comment}
	}
	return v
}

// viewAs returns c as someone of role may see it: userDeleted and the
// safeguarding risk are shown to staff only.
func viewAs(r Role, c Conversation) Conversation {
	c.UserDeleted = nil
	if r == RoleStaff {
		d := c.Deleted
		c.UserDeleted = &d
		c.WaitingSince = c.waitingFrom()
		c.Handle = Handle(c.ID)
		return c
	}
	c.Risk, c.RiskAt, c.RiskCategory, c.ClaimedAt, c.WaitingSince = "", nil, "", nil, nil
	return c
}

// conversationFor returns a conversation whose messages the caller may read
// (CanRead); anything else is refused as readable says.
func (s *Service) conversationFor(ctx context.Context, caller Identity, id string) (Conversation, error) {
	return s.conversationIf(ctx, caller, id, readable)
}

// conversationSeenBy returns a conversation whose record the caller may see
// (CanSee).
func (s *Service) conversationSeenBy(ctx context.Context, caller Identity, id string) (Conversation, error) {
	return s.conversationIf(ctx, caller, id, visible)
}

// conversationIf reads conversation id and returns it when rule lets the
// caller have it.
func (s *Service) conversationIf(ctx context.Context, caller Identity, id string, rule func(Identity, Conversation) error) (Conversation, error) {
	if !ValidID(id) {
		return Conversation{}, NotFound()
	}
	c, err := s.store.GetConversation(ctx, id, s.now())
	if err != nil {
		return Conversation{}, err
	}
	if err := rule(caller, c); err != nil {
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

// GetConversation returns one conversation the caller may see (CanSee),
// with the caller's unread count when they may read it (0 otherwise).
func (s *Service) GetConversation(ctx context.Context, caller Identity, id string) (Conversation, error) {
	c, err := s.conversationSeenBy(ctx, caller, id)
	if err != nil {
		return Conversation{}, err
	}
	cs := []Conversation{c}
	if err := s.fillUnread(ctx, caller, cs); err != nil {
		return Conversation{}, err
	}
	v := s.view(caller, cs[0])
	if caller.IsStaff() {
		if v.History, err = s.history(ctx, caller, c); err != nil {
			return Conversation{}, err
		}
	}
	return v, nil
}

// maxHistory is how many earlier conversations History lists at most;
// historyPages bounds how many pages of the client's conversations are
// read to find them.
const (
	maxHistory   = 20
	historyPages = 5
)

// history lists the other permanent conversations of c's client that
// caller may see (CanSee), newest first, at most maxHistory; the ones the
// client hid from their own views are left out.
func (s *Service) history(ctx context.Context, caller Identity, c Conversation) ([]ConversationRef, error) {
	out := []ConversationRef{}
	after, now := "", s.now()
	for range historyPages {
		page, err := s.store.ListUserConversations(ctx, c.UserID, after, 100, now)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Items {
			if o.ID != c.ID && o.Retention == RetentionPermanent && CanSee(caller, o) {
				out = append(out, ConversationRef{ID: o.ID, CreatedAt: o.CreatedAt, ClosedAt: o.ClosedAt, Handle: Handle(o.ID)})
			}
		}
		if after = page.Next; after == "" {
			break
		}
	}
	slices.SortFunc(out, func(a, b ConversationRef) int { return b.CreatedAt.Compare(a.CreatedAt.Time) })
	return out[:min(len(out), maxHistory)], nil
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
		if err == nil {
			page.Items = slices.DeleteFunc(page.Items, func(c Conversation) bool { return !CanSee(caller, c) })
		}
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

// fillUnread sets the caller's unread count on each conversation whose
// messages they may read (the others keep 0), a few queries at a time.
func (s *Service) fillUnread(ctx context.Context, caller Identity, cs []Conversation) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make([]error, len(cs))
	now := s.now()
	for i := range cs {
		if !CanRead(caller, cs[i]) {
			cs[i].Unread = 0
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		s.run(func() {
			defer func() { <-sem; wg.Done() }()
			cs[i].Unread, errs[i] = s.store.Unread(ctx, cs[i].ID, caller.UserID, caller.Role, now)
		})
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

// Claim makes the calling counsellor the assignee of a conversation waiting
// for one (CanClaim); a colleague's is a conflict, and only a supervisor
// moves it (Assign). Everyone watching sees conversation.updated.
func (s *Service) Claim(ctx context.Context, caller Identity, id string) (Conversation, error) {
	if !caller.IsStaff() {
		c, err := s.conversationFor(ctx, caller, id)
		if err != nil {
			return Conversation{}, err
		}
		return Conversation{}, CanClaim(caller, c)
	}
	if !ValidID(id) {
		return Conversation{}, NotFound()
	}
	assignee := caller.UserID
	name, err := s.displayName(ctx, caller.UserID)
	if err != nil {
		return Conversation{}, err
	}
	c, err := s.store.UpdateConversation(ctx, id, ConversationUpdate{If: claimCondition(caller), Assignee: &assignee,
		AssigneeName: &name, ClaimedAt: At(s.now()).Ptr()})
	if err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditConversationClaimed, c.ID)
	s.publishConversation(ctx, EventConversationUpdated, c, true)
	return s.view(caller, c), nil
}

// Assign makes counsellor to the assignee of an active conversation: a
// supervisor's decision (CanAssign), audited. to must be a member of the
// staff directory. The previous assignee, like everyone watching, sees
// conversation.updated, and from then on no longer receives its messages.
func (s *Service) Assign(ctx context.Context, caller Identity, id, to string) (Conversation, error) {
	current, err := s.conversationSeenBy(ctx, caller, id)
	if err != nil {
		return Conversation{}, err
	}
	if err := CanAssign(caller, current); err != nil {
		return Conversation{}, err
	}
	if to == "" {
		return Conversation{}, BadRequest("to must name the counsellor (their user id).")
	}
	member, err := s.store.GetStaffMember(ctx, to)
	if err != nil {
		if CodeOf(err) == CodeNotFound {
			return Conversation{}, BadRequest("to must be a counsellor who has signed in to the dashboard.")
		}
		return Conversation{}, err
	}
	c, err := s.store.UpdateConversation(ctx, id, ConversationUpdate{If: Condition{Status: StatusActive}, Assignee: &to,
		AssigneeName: &member.DisplayName})
	if err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditConversationAssigned, c.ID+"/"+to)
	s.publishConversation(ctx, EventConversationUpdated, c, true)
	return s.view(caller, c), nil
}

// Staff lists the staff directory, for staff: who may be assigned a
// conversation and how colleagues are named.
func (s *Service) Staff(ctx context.Context, caller Identity) ([]StaffMember, error) {
	if !caller.IsStaff() {
		return nil, Errorf(CodeForbidden, "The staff directory is for staff.")
	}
	return s.store.ListStaffMembers(ctx)
}

// Close ends a session. Only staff who may read it close it (one nobody had
// claimed becomes the closer's); a client gets forbidden for its own
// conversation and not_found for anyone else's.
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
	k := readerCondition(caller)
	k.Status = StatusActive
	c, err := s.close(ctx, id, caller.UserID, k)
	if err != nil {
		return Conversation{}, err
	}
	s.audit(ctx, caller.UserID, AuditConversationClosed, c.ID)
	return s.view(caller, c), nil
}

// close closes conversation id on behalf of by (a staff sub or "system"),
// if it meets k (which requires it active), and tells everyone watching.
func (s *Service) close(ctx context.Context, id, by string, k Condition) (Conversation, error) {
	current, err := s.store.GetConversation(ctx, id, s.now())
	if err != nil {
		return Conversation{}, err
	}
	if err := k.Check(current); err != nil {
		return Conversation{}, err
	}
	now := At(s.now())
	closed := StatusClosed
	u := ConversationUpdate{If: k, Status: &closed, ClosedAt: &now, ClosedBy: &by,
		ExpiresAt: current.Retention.Expiry(now.Time)}
	if by != ClosedBySystem && current.Unassigned() {
		// A member of staff who closes a conversation nobody claimed has
		// handled it: it becomes theirs, so they can still read it.
		u.Assignee = &by
		u.If.ClaimableBy = by
		name, err := s.displayName(ctx, by)
		if err != nil {
			return Conversation{}, err
		}
		u.AssigneeName = &name
	}
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
