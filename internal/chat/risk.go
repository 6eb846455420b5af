package chat

import (
	"context"
	"slices"
	"time"
)

// RiskLevel is how urgently a conversation needs a counsellor, as
// safeguarding triage judges it. Crisis services answer by risk, not by
// arrival.
type RiskLevel string

// The risk levels, lowest first.
const (
	RiskNone    RiskLevel = "none"
	RiskConcern RiskLevel = "concern"
	RiskUrgent  RiskLevel = "urgent"
)

// Rank orders the levels: none 0, concern 1, urgent 2 (an unknown or empty
// level is none).
func (r RiskLevel) Rank() int {
	switch r {
	case RiskConcern:
		return 1
	case RiskUrgent:
		return 2
	}
	return 0
}

// Valid reports whether r is a known level.
func (r RiskLevel) Valid() bool { return r == RiskNone || r == RiskConcern || r == RiskUrgent }

// Screening is what screening a client's message found: a level and the
// category of the rule that raised it. It never holds the message's words.
type Screening struct {
	Level    RiskLevel
	Category string
}

// Screener screens a client's message. internal/triage implements it with
// phrase rules; it makes no network call and never fails.
type Screener interface {
	Screen(text string) Screening
}

// Who changed a conversation's risk: the screening of a message, or a
// member of staff by hand.
const (
	RiskByScreening = "screening"
	RiskByStaff     = "staff"
)

// RiskReasons are the reason codes a member of staff gives when they set a
// conversation's risk by hand; the audit trail records the code, never a
// free text.
var RiskReasons = []string{
	"assessed-in-conversation", // they talked it through with the client
	"disclosed-to-counsellor",  // the client told them something the screening could not see
	"screening-false-alarm",    // the words were not what the screening took them for
	"risk-resolved",            // the danger has passed (a plan given up, help arrived)
	"safeguarding-referral",    // handed to emergency or safeguarding services
}

// AuditRiskChanged: a conversation's risk level changed (Target is the
// conversation; Detail says the level, who and why, never words).
const AuditRiskChanged = "conversation.risk_changed"

// screen screens a client's message, when the service screens.
func (s *Service) screen(caller Identity, body string) Screening {
	if s.screener == nil || caller.IsStaff() {
		return Screening{Level: RiskNone}
	}
	return s.screener.Screen(body)
}

// raiseRisk raises conversation c's risk to what screening one of its
// client's messages found, when that is higher than what it carries:
// audited with the level and category (never the words), and everyone
// watching the queue is told. It runs after the message is stored and
// delivered, and a failure is logged: screening never delays or blocks a
// message.
func (s *Service) raiseRisk(ctx context.Context, c Conversation, found Screening) {
	if found.Level.Rank() <= c.Risk.Rank() || found.Level.Rank() == 0 {
		return
	}
	at := At(s.now())
	updated, err := s.store.UpdateConversation(ctx, c.ID, ConversationUpdate{
		If:   Condition{RiskBelow: found.Level},
		Risk: &RiskChange{Level: found.Level, Category: found.Category, At: at, By: RiskByScreening},
	})
	if err != nil {
		if CodeOf(err) != CodeConflict {
			s.log.ErrorContext(ctx, "risk update failed", "conversationId", c.ID, "err", err)
		}
		return
	}
	s.auditDetail(ctx, RiskByScreening, AuditRiskChanged, c.ID, string(found.Level)+" "+found.Category)
	s.publishConversation(ctx, EventConversationUpdated, updated, false)
	if found.Level == RiskUrgent && s.alerter != nil && updated.Unassigned() {
		if err := s.alerter.Urgent(ctx, updated.ID); err != nil {
			s.log.ErrorContext(ctx, "urgent alert failed", "conversationId", c.ID, "err", err)
		}
	}
}

// Alerter tells people outside the dashboards that a waiting conversation
// became urgent (an SNS topic in AWS): the conversation id and level only.
type Alerter interface {
	Urgent(ctx context.Context, conversationID string) error
}

// SetRisk sets a conversation's risk by hand: staff who may read it, with
// one of RiskReasons. Audited (level and reason, never words); everyone
// watching the queue is told.
func (s *Service) SetRisk(ctx context.Context, caller Identity, id string, level RiskLevel, reason string) (Conversation, error) {
	if !caller.IsStaff() {
		if _, err := s.conversationFor(ctx, caller, id); err != nil {
			return Conversation{}, err
		}
		return Conversation{}, Errorf(CodeForbidden, "Only counsellors can set a conversation's risk.")
	}
	if !level.Valid() {
		return Conversation{}, BadRequest("level must be \"none\", \"concern\" or \"urgent\".")
	}
	if !slices.Contains(RiskReasons, reason) {
		return Conversation{}, BadRequest("reason must be one of the reason codes: %v.", RiskReasons)
	}
	current, err := s.conversationFor(ctx, caller, id)
	if err != nil {
		return Conversation{}, err
	}
	k := readerCondition(caller)
	k.Status = StatusActive
	if err := k.Check(current); err != nil {
		return Conversation{}, err
	}
	c, err := s.store.UpdateConversation(ctx, id, ConversationUpdate{If: k,
		Risk: &RiskChange{Level: level, Category: "", At: At(s.now()), By: RiskByStaff, Reason: reason}})
	if err != nil {
		return Conversation{}, err
	}
	s.auditDetail(ctx, caller.UserID, AuditRiskChanged, c.ID, string(level)+" "+reason)
	s.publishConversation(ctx, EventConversationUpdated, c, false)
	return s.view(caller, c), nil
}

// RiskChange is a change of a conversation's risk.
type RiskChange struct {
	Level RiskLevel
	// Category is the screening rule's category ("" when set by hand).
	Category string
	At       Time
	// By is RiskByScreening or RiskByStaff; Reason is staff's reason code.
	By     string
	Reason string
}

// queueLimit bounds how many active conversations Queue reads.
const queueLimit = 500

// Queue lists the active conversations in the order they should be
// answered: urgent first, then concern, then the rest; within a level, the
// one waiting longest (oldest last message, or creation) first. For staff.
func (s *Service) Queue(ctx context.Context, caller Identity) ([]Conversation, error) {
	if !caller.IsStaff() {
		return nil, errStaffOnly()
	}
	now := s.now()
	var all []Conversation
	after := ""
	for len(all) < queueLimit {
		page, err := s.store.ListConversations(ctx, StatusActive, after, 100, now)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	slices.SortStableFunc(all, QueueOrder)
	if err := s.fillUnread(ctx, caller, all); err != nil {
		return nil, err
	}
	out := make([]Conversation, len(all))
	for i, c := range all {
		out[i] = s.view(caller, c)
	}
	return out, nil
}

// waitedSinceUrgent is how long an urgent conversation waited for a claim:
// from when it became urgent to when someone claimed it (or now).
func waitedSinceUrgent(c Conversation, now time.Time) (time.Duration, bool) {
	if c.Risk != RiskUrgent || c.RiskAt == nil {
		return 0, false
	}
	end := now
	if c.ClaimedAt != nil {
		end = c.ClaimedAt.Time
	}
	return max(end.Sub(c.RiskAt.Time), 0), true
}
