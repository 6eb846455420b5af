package chat

import "time"

// This file holds who may do what, each rule once. The service asks them
// before it writes, for a clear answer; a conditional write carries the same
// rule as a Condition or MessageCondition, which the store turns into the
// write's condition (so a change in between cannot slip through) and which
// explains a refused write from the record as it was.

// CanRead reports whether caller may read conversation c's messages (and
// see its typing and read events), on a need-to-know basis: a client their
// own conversation while they have not hidden it; a counsellor the
// conversations waiting for one (active, unassigned: they must see enough to
// choose one to claim) and those assigned to them, active or closed; a
// supervisor every conversation.
func CanRead(caller Identity, c Conversation) bool {
	switch {
	case caller.IsSupervisor():
		return true
	case caller.IsStaff():
		return c.Unassigned() || c.AssignedTo(caller.UserID)
	}
	return c.UserID == caller.UserID && !c.Deleted
}

// CanSee reports whether caller may see conversation c's record (its
// metadata: status, assignee, waiting since, retention, never words): a
// client their own, visible one; every member of staff every active
// conversation (the queue) and the closed ones they may read.
func CanSee(caller Identity, c Conversation) bool {
	if caller.IsStaff() && c.Status == StatusActive {
		return true
	}
	return CanRead(caller, c)
}

// readable answers CanRead: not_found when a client may not read c, so a
// refusal never tells a client that someone else's conversation exists;
// forbidden, saying so, when a counsellor asks for a colleague's (it is in
// their queue already, so not_found would hide nothing).
func readable(caller Identity, c Conversation) error {
	if CanRead(caller, c) {
		return nil
	}
	if caller.IsStaff() {
		return assignedElsewhere(c)
	}
	return NotFound()
}

// visible answers CanSee, as readable does.
func visible(caller Identity, c Conversation) error {
	if CanSee(caller, c) {
		return nil
	}
	return readable(caller, c)
}

// assignedElsewhere is what a counsellor is told of a conversation they may
// not read.
func assignedElsewhere(c Conversation) *Error {
	if c.Assignee == nil || *c.Assignee == "" {
		return Errorf(CodeForbidden, "This conversation closed before anyone claimed it; only a supervisor can read it.")
	}
	return Errorf(CodeForbidden, "This conversation is assigned to a colleague; only they and a supervisor can read it.")
}

// CanClaim reports why caller may not claim c (nil when they may): only
// staff, and only a conversation waiting for a counsellor (or already
// theirs: claiming again changes nothing).
func CanClaim(caller Identity, c Conversation) error {
	if !caller.IsStaff() {
		if err := readable(caller, c); err != nil {
			return err
		}
		return Errorf(CodeForbidden, "Only counsellors can claim a conversation.")
	}
	return claimCondition(caller).Check(c)
}

// claimCondition is what caller's claim requires: still active, and
// unassigned or already theirs.
func claimCondition(caller Identity) Condition {
	return Condition{Status: StatusActive, ClaimableBy: caller.UserID}
}

// CanAssign reports why caller may not assign c to a counsellor (nil when
// they may): only supervisors, only an active conversation.
func CanAssign(caller Identity, c Conversation) error {
	if !caller.IsSupervisor() {
		if err := visible(caller, c); err != nil {
			return err
		}
		return Errorf(CodeForbidden, "Only a supervisor can assign a conversation.")
	}
	return Condition{Status: StatusActive}.Check(c)
}

// CanAudit reports whether caller may read the audit trail: supervisors.
func CanAudit(caller Identity) bool { return caller.IsSupervisor() }

// CanPost reports why caller may not send to c (nil when they may): it must
// be readable to them and active, and a member of staff (a supervisor too)
// replies only in a conversation assigned to them: one claim, one voice, so
// two counsellors never answer the same client. Closing an unclaimed
// conversation stays allowed (Close).
func CanPost(caller Identity, c Conversation) error { return PostCondition(caller, "").Check(c) }

// CanRate reports why caller may not rate c (nil when they may): only its
// client, once, after it closed.
func CanRate(caller Identity, c Conversation) error { return RateCondition(caller).Check(c) }

// CanHide reports why caller may not hide c from their own views (nil when
// they may): only its client, once it is closed.
func CanHide(caller Identity, c Conversation) error { return HideCondition(caller).Check(c) }

// CanEdit reports whether caller may edit or delete m: only its sender, and
// not once it is deleted.
func CanEdit(caller Identity, m Message) bool { return EditCondition(caller).Check(m) == nil }

// Condition is what a conditional write requires of the stored conversation
// when it is written. Zero fields require nothing; the record must exist
// and not have expired in any case.
type Condition struct {
	// Status, when set, is the status the conversation must have.
	Status Status
	// StatusRefusal, when set, is the answer when the status differs
	// (default: Closed, or a conflict naming the status).
	StatusRefusal *Error
	// Owner, when set, is the client the conversation must belong to, and
	// they must not have hidden it (else not_found).
	Owner string
	// Reader, when set, is a counsellor who must be able to read it
	// (CanRead): it waits unassigned, or is assigned to them (else
	// forbidden).
	Reader string
	// Retention, when set, is the retention the conversation must still
	// have: a change in between is ErrStale, and the caller reads again.
	Retention Retention
	// Unrated requires that no feedback was given yet.
	Unrated bool
	// ClaimableBy, when set, requires that no counsellor but this one has
	// claimed it (else conflict).
	ClaimableBy string
	// RiskBelow, when set, requires that its risk is lower than this level
	// (else conflict: screening only ever raises it).
	RiskBelow RiskLevel
	// Assignee, when set, is the member of staff it must be assigned to
	// (else forbidden: claim it first, or it is a colleague's).
	Assignee string
}

// Check tells whether c, as stored, meets k: nil, or the answer the caller
// gets. Stores call it on the record as it was when a write they
// conditioned on k was refused.
func (k Condition) Check(c Conversation) error {
	switch {
	case k.Owner != "" && (c.UserID != k.Owner || c.Deleted):
		return NotFound()
	case k.Reader != "" && !CanRead(Identity{UserID: k.Reader, Role: RoleStaff}, c):
		return assignedElsewhere(c)
	case k.Status != "" && c.Status != k.Status:
		if k.StatusRefusal != nil {
			return k.StatusRefusal
		}
		if c.Status == StatusClosed {
			return Closed()
		}
		return Errorf(CodeConflict, "This conversation is %s.", c.Status)
	case k.Retention != "" && c.Retention != k.Retention:
		return ErrStale
	case k.Unrated && c.Rating != 0:
		return Errorf(CodeConflict, "Feedback was already given for this conversation.")
	case k.RiskBelow != "" && c.Risk.Rank() >= k.RiskBelow.Rank():
		return Errorf(CodeConflict, "This conversation's risk is already %s or higher.", k.RiskBelow)
	case k.ClaimableBy != "" && c.Assignee != nil && *c.Assignee != "" && *c.Assignee != k.ClaimableBy:
		return Errorf(CodeConflict, "A colleague has already claimed this conversation; a supervisor can reassign it.")
	case k.Assignee != "" && !c.AssignedTo(k.Assignee):
		return notAssignee(c)
	}
	return nil
}

// notAssignee is what a member of staff is told when they would reply in a
// conversation not assigned to them.
func notAssignee(c Conversation) *Error {
	if c.Assignee == nil || *c.Assignee == "" {
		return Errorf(CodeForbidden, "Claim this conversation to reply.")
	}
	return Errorf(CodeForbidden, "This conversation is assigned to a colleague; only they can reply (a supervisor can reassign it).")
}

// readerCondition is CanRead as a condition on the stored conversation:
// Owner for a client, Reader for a counsellor, nothing for a supervisor.
func readerCondition(caller Identity) Condition {
	switch {
	case caller.IsSupervisor():
		return Condition{}
	case caller.IsStaff():
		return Condition{Reader: caller.UserID}
	}
	return Condition{Owner: caller.UserID}
}

// PostCondition is what storing caller's message requires: readable to
// them, active, assigned to them when they are staff, and still with
// retention r (when set).
func PostCondition(caller Identity, r Retention) Condition {
	k := readerCondition(caller)
	k.Status, k.Retention = StatusActive, r
	if caller.IsStaff() {
		k.Assignee = caller.UserID
	}
	return k
}

// RateCondition is what caller's feedback requires.
func RateCondition(caller Identity) Condition {
	return Condition{
		Owner:         caller.UserID,
		Status:        StatusClosed,
		StatusRefusal: Errorf(CodeConflict, "Feedback can be given once the conversation is closed."),
		Unrated:       true,
	}
}

// HideCondition is what hiding a conversation requires.
func HideCondition(caller Identity) Condition {
	return Condition{
		Owner:         caller.UserID,
		Status:        StatusClosed,
		StatusRefusal: Errorf(CodeConflict, "Close the conversation before deleting it."),
	}
}

// MessageCondition is what a conditional write requires of a stored
// message. A refusal is not_found: nobody learns about a message they may
// not change.
type MessageCondition struct {
	// Sender, when set, is who must have sent it.
	Sender string
	// Undeleted requires that it is not deleted.
	Undeleted bool
}

// Check tells whether m, as stored, meets k: nil, or not_found.
func (k MessageCondition) Check(m Message) error {
	if (k.Sender != "" && m.SenderID != k.Sender) || (k.Undeleted && m.Deleted) {
		return NotFound()
	}
	return nil
}

// EditCondition is what editing or deleting a message requires.
func EditCondition(caller Identity) MessageCondition {
	return MessageCondition{Sender: caller.UserID, Undeleted: true}
}

// Expiry is when something made at t under retention r is forgotten: 24
// hours later for a 24h conversation, never (nil) for a permanent one.
// Messages expire from when they were sent, read markers from when they
// moved, and a closed conversation's record from when it closed.
func (r Retention) Expiry(t time.Time) *Time {
	if r != Retention24h {
		return nil
	}
	return At(t.Add(RetentionPeriod)).Ptr()
}
