// Package chat is Confide's domain: conversations between a client and the
// counsellors who answer, their messages, who may do what, and the use cases
// every adapter calls. It imports nothing from AWS; the store, the token
// verifier and the push channel are interfaces declared here and implemented
// at the edges.
package chat

import (
	"encoding/json"
	"strings"
	"time"
)

// Role is what a person is to Confide.
type Role string

// The two roles. A person is staff (a counsellor) when their token's groups
// hold the staff group; everyone else is a client. A supervisor is staff
// too, marked by Identity.Supervisor.
const (
	RoleClient Role = "client"
	RoleStaff  Role = "staff"
)

// Identity is a verified caller.
type Identity struct {
	// UserID is the Cognito sub.
	UserID   string `json:"userId"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// Supervisor is set for staff in the supervisors' group: they may read
	// every conversation, assign them and read the audit trail.
	Supervisor bool `json:"supervisor,omitempty"`
	// IssuedAt is when the credential the caller presented was issued (the
	// access token's iat); zero when unknown. A revocation voids every
	// credential issued at or before it.
	IssuedAt time.Time `json:"-"`
}

// IsStaff reports whether the caller is a counsellor (or a supervisor).
func (id Identity) IsStaff() bool { return id.Role == RoleStaff }

// IsSupervisor reports whether the caller is a supervisor.
func (id Identity) IsSupervisor() bool { return id.IsStaff() && id.Supervisor }

// Status is the state of a conversation.
type Status string

// Conversation states.
const (
	StatusActive Status = "active"
	StatusClosed Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusActive || s == StatusClosed }

// Retention says how long a conversation's messages are kept.
type Retention string

// Retention modes. Retention24h is the default: private by default.
const (
	Retention24h       Retention = "24h"
	RetentionPermanent Retention = "permanent"
)

// RetentionPeriod is how long a message of a 24h conversation is kept.
const RetentionPeriod = 24 * time.Hour

// Valid reports whether r is a known retention mode.
func (r Retention) Valid() bool { return r == Retention24h || r == RetentionPermanent }

// Check is Valid as an answer: bad_request naming the two modes.
func (r Retention) Check() error {
	if !r.Valid() {
		return BadRequest("retention must be \"24h\" or \"permanent\".")
	}
	return nil
}

// ClosedBySystem is Conversation.ClosedBy when the retention sweep closed an
// idle conversation.
const ClosedBySystem = "system"

// Conversation is one session between a client and the counsellors. Its JSON
// form is the Conversation of docs/protocol.md.
type Conversation struct {
	ID            string    `json:"id"`
	UserID        string    `json:"userId"`
	Status        Status    `json:"status"`
	Retention     Retention `json:"retention"`
	CreatedAt     Time      `json:"createdAt"`
	LastMessageAt *Time     `json:"lastMessageAt"`
	ClosedAt      *Time     `json:"closedAt"`
	ClosedBy      *string   `json:"closedBy"`
	Assignee      *string   `json:"assignee"`
	// AssigneeName is the display name the assignee had chosen when they
	// claimed it or were assigned it (null when they had none: the widget
	// then says "a counsellor"). Clients see it; never the assignee's id in
	// words.
	AssigneeName *string `json:"assigneeName"`
	// Unread counts the messages from the other side the caller has not read.
	Unread int `json:"unread"`
	// UserDeleted is set in staff views only: the client hid the conversation.
	UserDeleted *bool `json:"userDeleted,omitempty"`
	// Risk is the highest safeguarding level so far (staff views only; ""
	// is none), RiskAt when it was reached and RiskCategory the screening
	// rule's category that raised it ("" when set by hand): never words.
	Risk         RiskLevel `json:"risk,omitempty"`
	RiskAt       *Time     `json:"riskAt,omitempty"`
	RiskCategory string    `json:"riskCategory,omitempty"`
	// ClaimedAt is when a counsellor first claimed it (staff views only).
	ClaimedAt *Time `json:"claimedAt,omitempty"`
	// Handle is the short name staff call the client by in this
	// conversation (staff views only; see Handle).
	Handle string `json:"handle,omitempty"`
	// Feedback is the client's rating and comment, in the views of staff
	// who may read the conversation (GET /conversations/{id} opens the
	// comment; listings carry the rating alone).
	Feedback *FeedbackView `json:"feedback,omitempty"`
	// History lists the same client's other permanent conversations the
	// caller may see, newest first (GET /conversations/{id}, staff only).
	History []ConversationRef `json:"history,omitempty"`
	// WaitingSince, in staff views, is when the client's first unanswered
	// message was sent (absent when nobody waits for an answer): the queue
	// shows how long someone has waited without reading their words.
	WaitingSince *Time `json:"waitingSince,omitempty"`

	// Deleted is the stored user-deleted flag; UserDeleted exposes it to staff.
	Deleted bool `json:"-"`
	// LastSenderRole is the role of the last message's sender ("" if none).
	LastSenderRole Role `json:"-"`
	// FirstResponseAt is when staff first answered, for the stats.
	FirstResponseAt *Time `json:"-"`
	// Rating and Comment are the client's feedback once given (Rating 0: none).
	Rating  int    `json:"-"`
	Comment string `json:"-"`
	// RatedAt is when the feedback was given; HasComment says a comment was
	// stored with it (listings leave Comment itself empty).
	RatedAt    *Time `json:"-"`
	HasComment bool  `json:"-"`
	// ExpiresAt is when the record itself may be forgotten (24h, closed).
	ExpiresAt *Time `json:"-"`
}

// FeedbackView is a client's feedback as staff see it.
type FeedbackView struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment,omitempty"`
}

// ConversationRef names another conversation: an entry of History.
type ConversationRef struct {
	ID        string `json:"id"`
	CreatedAt Time   `json:"createdAt"`
	ClosedAt  *Time  `json:"closedAt"`
	Handle    string `json:"handle"`
}

// ActivityAt is when the conversation was last active: its last message, or
// its creation when it has none. Lists are ordered by it, newest first.
func (c Conversation) ActivityAt() time.Time {
	if c.LastMessageAt != nil {
		return c.LastMessageAt.Time
	}
	return c.CreatedAt.Time
}

// Waiting reports whether the conversation is active and its last message is
// from the client and unanswered.
func (c Conversation) Waiting() bool {
	return c.Status == StatusActive && c.LastSenderRole == RoleClient
}

// queuedFrom is since when the conversation has waited in the queue
// (QueueOrder): one without a counsellor since it was opened, whatever its
// client writes meanwhile; one with a counsellor since its client's first
// unanswered message (waitingFrom); nil when nobody waits.
func (c Conversation) queuedFrom() *Time {
	if c.Unassigned() {
		return &c.CreatedAt
	}
	return c.waitingFrom()
}

// waitingFrom is since when the client has waited for an answer: their
// first unanswered message (the last one, for a record from before the
// store kept the first); nil when they do not wait.
func (c Conversation) waitingFrom() *Time {
	switch {
	case !c.Waiting():
		return nil
	case c.WaitingSince != nil:
		return c.WaitingSince
	default:
		return c.LastMessageAt
	}
}

// Unassigned reports whether the conversation is active and no counsellor
// has claimed it: it waits in the queue for one.
func (c Conversation) Unassigned() bool {
	return c.Status == StatusActive && (c.Assignee == nil || *c.Assignee == "")
}

// AssignedTo reports whether userID is the conversation's assignee.
func (c Conversation) AssignedTo(userID string) bool {
	return c.Assignee != nil && *c.Assignee == userID && userID != ""
}

// Message is one message of a conversation. Its JSON form is the Message of
// docs/protocol.md; a deleted message carries no body.
type Message struct {
	ID              string `json:"id"`
	ConversationID  string `json:"conversationId"`
	SenderID        string `json:"senderId"`
	SenderRole      Role   `json:"senderRole"`
	Body            string `json:"body,omitempty"`
	ClientMessageID string `json:"clientMessageId"`
	CreatedAt       Time   `json:"createdAt"`
	EditedAt        *Time  `json:"editedAt"`
	Deleted         bool   `json:"deleted"`

	// ExpiresAt is when a 24h conversation's message expires (nil: never).
	ExpiresAt *Time `json:"-"`
	// Owner is the client whose conversation it is, given to PutMessage:
	// the store seals a permanent conversation's messages under their key.
	// It is not stored with the message and reads leave it empty.
	Owner string `json:"-"`
	// StartsWait, given to PutMessage, says the client's message is the
	// first unanswered one: the conversation waits for an answer from its
	// time (Conversation.WaitingSince).
	StartsWait bool `json:"-"`
}

// Redacted returns the message as it may be shown: a deleted message keeps
// its place but loses its body.
func (m Message) Redacted() Message {
	if m.Deleted {
		m.Body = ""
	}
	return m
}

// Connection is one open WebSocket connection.
type Connection struct {
	ID       string `json:"id"`
	UserID   string `json:"userId"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// Supervisor copies Identity.Supervisor of the person who connected.
	Supervisor bool `json:"supervisor,omitempty"`
	// ConversationID is the conversation named at connect; empty for the
	// staff feed.
	ConversationID string `json:"conversationId,omitempty"`
	SourceIP       string `json:"sourceIp,omitempty"`
	ConnectedAt    Time   `json:"connectedAt"`
	// ExpiresAt is connect + 2 h 10 min: no connection outlives it.
	ExpiresAt Time `json:"expiresAt"`
	// TokenExpiresAt is when the access token behind the ticket expires.
	TokenExpiresAt *Time `json:"tokenExpiresAt,omitempty"`
	// TokenIssuedAt is when that access token was issued (nil: unknown).
	TokenIssuedAt *Time `json:"tokenIssuedAt,omitempty"`
}

// Identity returns the identity the connection was opened with.
func (c Connection) Identity() Identity {
	return Identity{UserID: c.UserID, Username: c.Username, Role: c.Role, Supervisor: c.Supervisor, IssuedAt: c.credentialTime()}
}

// credentialTime is when the credential behind the connection was issued:
// its access token's iat, or the connect itself when that is unknown.
func (c Connection) credentialTime() time.Time {
	if c.TokenIssuedAt != nil {
		return c.TokenIssuedAt.Time
	}
	return c.ConnectedAt.Time
}

// IsFeed reports whether the connection is a staff feed.
func (c Connection) IsFeed() bool { return c.Role == RoleStaff && c.ConversationID == "" }

// ConnectionLifetime is how long a connection item lives: API Gateway's
// 2 hours plus a margin for a late $disconnect.
const ConnectionLifetime = 2*time.Hour + 10*time.Minute

// AuditEntry records a sensitive action. It never holds message text.
type AuditEntry struct {
	ID     string `json:"-"`
	At     Time   `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Target string `json:"target"`
	// Detail is a code-like qualifier of some actions (a risk level and its
	// rule category or reason code); never free text.
	Detail string `json:"detail,omitempty"`
	// ConversationID, MessageID and Handle are read from Target when a
	// listing returns the entry: the conversation an action was about (and
	// its handle), the message of an edit or delete. Not stored.
	ConversationID string `json:"conversationId,omitempty"`
	MessageID      string `json:"messageId,omitempty"`
	Handle         string `json:"handle,omitempty"`
}

// withRefs returns e with ConversationID, MessageID and Handle read from
// its Target: "<conversation>" for conversation actions (with
// "/<counsellor>" for an assignment), "<conversation>/<message>" for message
// actions; other actions name no conversation.
func (e AuditEntry) withRefs() AuditEntry {
	first, rest, _ := strings.Cut(e.Target, "/")
	switch {
	case strings.HasPrefix(e.Action, "conversation."):
		e.ConversationID = first
	case strings.HasPrefix(e.Action, "message."):
		e.ConversationID, e.MessageID = first, rest
	default:
		return e
	}
	e.Handle = Handle(e.ConversationID)
	return e
}

// Audit actions.
const (
	AuditConversationCreated = "conversation.created"
	AuditConversationClaimed = "conversation.claimed"
	AuditConversationClosed  = "conversation.closed"
	AuditUserDeleted         = "conversation.user_deleted"
	AuditRetentionChanged    = "conversation.retention_changed"
	AuditMessageEdited       = "message.edited"
	AuditMessageDeleted      = "message.deleted"
	AuditUserErased          = "user.erased"
	// AuditConversationAssigned: a supervisor assigned it to a counsellor
	// (Target is "<conversation>/<counsellor sub>").
	AuditConversationAssigned = "conversation.assigned"
	// AuditConversationViewed: a supervisor read the messages of a
	// conversation not assigned to them (at most once an hour).
	AuditConversationViewed = "conversation.viewed"
	// AuditDisplayNameSet: a member of staff chose the name clients see
	// (Target is their sub; the name itself is not recorded).
	AuditDisplayNameSet = "staff.display_name_set"
)

// Time is a UTC instant written as RFC 3339 with milliseconds, the one
// timestamp format of the protocol.
type Time struct{ time.Time }

// TimeFormat is the protocol's timestamp layout.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// At returns t as a protocol Time, truncated to the millisecond.
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// Ptr returns a pointer to t, for optional timestamps.
func (t Time) Ptr() *Time { return &t }

// String returns t in the protocol format.
func (t Time) String() string { return t.UTC().Format(TimeFormat) }

// MarshalJSON writes t in the protocol format.
func (t Time) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// UnmarshalJSON reads any RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = At(v)
	return nil
}

// ParseTime reads a timestamp written by Time.String.
func ParseTime(s string) (Time, error) {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Time{}, err
	}
	return At(v), nil
}
