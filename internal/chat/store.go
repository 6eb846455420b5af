package chat

import (
	"context"
	"time"
)

// Store keeps conversations, messages, connections, tickets, rate windows
// and audit entries. internal/store implements it on one DynamoDB table.
//
// Every read drops items whose ExpiresAt is at or before now itself: TTL
// deletion lags by days, so nothing may rely on it. Errors are *Error with
// CodeNotFound or CodeConflict where documented, anything else is internal.
type Store interface {
	ConversationStore
	MessageStore
	ConnectionStore
	TicketStore
	RateStore
	AuditStore
	RevocationStore
	StaffStore
}

// Page is one page of a listing: Next is the store's position after the last
// item ("" when there is nothing more). Positions are raw store positions;
// the service wraps them in cursors bound to the caller.
type Page[T any] struct {
	Items []T
	Next  string
}

// ConversationStore keeps conversations.
type ConversationStore interface {
	// CreateConversation stores c and the client's active-session lock in one
	// transaction. When the client already has an active conversation it
	// stores nothing and returns an *Error with CodeConflict whose
	// ConversationID names the active one (also under concurrent calls).
	CreateConversation(ctx context.Context, c Conversation) error
	// GetConversation returns a conversation or CodeNotFound (also when its
	// record has expired at now).
	GetConversation(ctx context.Context, id string, now time.Time) (Conversation, error)
	// ActiveConversationID returns the client's active conversation id, or ""
	// when there is none.
	ActiveConversationID(ctx context.Context, userID string) (string, error)
	// ListUserConversations lists a client's conversations, not user-deleted,
	// most recently active first, starting after position after ("" for the
	// first page).
	ListUserConversations(ctx context.Context, userID string, after string, limit int, now time.Time) (Page[Conversation], error)
	// ListConversations lists all conversations with status (or every status
	// when status is ""), most recently active first, for staff.
	ListConversations(ctx context.Context, status Status, after string, limit int, now time.Time) (Page[Conversation], error)
	// ListIdle lists active conversations last active before cutoff, oldest
	// first, at most limit.
	ListIdle(ctx context.Context, cutoff time.Time, limit int) ([]Conversation, error)
	// UpdateConversation applies u to conversation id if it still meets
	// u.If, and returns the updated conversation. When it does not, nothing
	// changes and the answer is u.If.Check of the record as it was;
	// CodeNotFound when it does not exist. Closing also removes the client's
	// active-session lock in the same transaction.
	UpdateConversation(ctx context.Context, id string, u ConversationUpdate) (Conversation, error)
	// SetRetention changes the retention of a conversation and re-stamps the
	// ExpiresAt of every message (r.Expiry of when it was sent) and of the
	// record itself when closed.
	SetRetention(ctx context.Context, id string, r Retention) (Conversation, error)
	// PutReadMarker moves userID's read marker in conversation id to messageID
	// (only forward: an older id leaves it where it is).
	PutReadMarker(ctx context.Context, id, userID, messageID string, expiresAt *Time) error
	// Unread counts the messages of conversation id, sent by the other role
	// than role, not deleted and not expired at now, after userID's read marker.
	Unread(ctx context.Context, id, userID string, role Role, now time.Time) (int, error)
	// StatsSample returns the conversations the stats are computed from: every
	// active one and the most recent closed ones, at most limit of each.
	StatsSample(ctx context.Context, limit int, now time.Time) (active, closed []Conversation, err error)
}

// ConversationUpdate is a change to a conversation's record. Nil fields are
// left as they are.
type ConversationUpdate struct {
	// If is what the record must meet when it is written.
	If Condition

	Status   *Status
	ClosedAt *Time
	ClosedBy *string
	Assignee *string
	// AssigneeName, set with Assignee, is the assignee's display name at
	// that moment ("" removes a previous one).
	AssigneeName *string
	UserDeleted  *bool
	ExpiresAt    *Time
	// Feedback is the client's rating, given once.
	Feedback *Feedback
	// Risk sets the safeguarding risk (level, when, category).
	Risk *RiskChange
	// ClaimedAt records the first claim: it is kept when already set.
	ClaimedAt *Time
}

// Feedback is a client's rating of a closed conversation.
type Feedback struct {
	// Rating is 1 to 5.
	Rating int
	// Comment is optional.
	Comment string
	At      Time
}

// MessageStore keeps messages.
type MessageStore interface {
	// PutMessage stores m in conversation m.ConversationID, together with its
	// clientMessageId record, and moves the conversation's LastMessageAt,
	// LastSenderRole (and FirstResponseAt on the first staff message), all in
	// one transaction conditioned on the conversation meeting k. m.ExpiresAt
	// is stored as it is; m.Owner is the conversation's client, whose key
	// seals a permanent conversation's words in a store that seals.
	// A clientMessageId already used in the conversation stores nothing and
	// returns the first message with created false (also when the
	// conversation no longer meets k). Otherwise, when it does not meet k,
	// the answer is k.Check of the record as it was (CodeNotFound when it
	// does not exist).
	PutMessage(ctx context.Context, m Message, k Condition) (stored Message, created bool, err error)
	// GetMessage returns one message or CodeNotFound (also expired).
	GetMessage(ctx context.Context, conversationID, messageID string, now time.Time) (Message, error)
	// UpdateMessage applies u to message messageID if it exists, has not
	// expired at u.At and meets u.If (else CodeNotFound), and returns it.
	UpdateMessage(ctx context.Context, conversationID, messageID string, u MessageUpdate) (Message, error)
	// ListMessages returns up to limit messages of a conversation, oldest
	// first, not expired at now (deleted ones included: the service redacts).
	// With before set, the newest limit messages older than message id
	// before; with after set, the oldest limit messages newer than after;
	// with neither, the newest limit messages. Next is the id of the oldest
	// message returned when older ones exist (before/neither), or of the
	// newest returned when newer ones exist (after).
	ListMessages(ctx context.Context, conversationID string, q MessageRange, now time.Time) (Page[Message], error)
	// DeleteExpired removes up to limit items (messages, their clientMessageId
	// records, read markers, conversation records, connections) whose
	// ExpiresAt is at or before now, and returns how many it removed.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
	// EraseUser removes every conversation, message and read marker of a client.
	EraseUser(ctx context.Context, userID string) (int, error)
}

// MessageUpdate edits or soft-deletes a message.
type MessageUpdate struct {
	// If is what the message must meet when it is written.
	If MessageCondition
	// Body, when set, is the new text (an edit, stamped EditedAt At).
	Body *string
	// Delete marks it deleted and erases its text.
	Delete bool
	// At is when the change is made.
	At time.Time
}

// MessageRange selects a page of messages; see MessageStore.ListMessages.
type MessageRange struct {
	Before string
	After  string
	Limit  int
}

// ConnectionStore keeps open WebSocket connections.
type ConnectionStore interface {
	// PutConnection stores c and its memberships: in its conversation, in the
	// staff feed when it is one, under its user, and among online staff.
	PutConnection(ctx context.Context, c Connection) error
	// GetConnection returns a connection or CodeNotFound (also expired).
	GetConnection(ctx context.Context, id string, now time.Time) (Connection, error)
	// DeleteConnection removes a connection and every membership of it. It is
	// not an error when it is already gone.
	DeleteConnection(ctx context.Context, id string) error
	// ConversationConnections returns the connections of a conversation.
	ConversationConnections(ctx context.Context, conversationID string, now time.Time) ([]Connection, error)
	// ConversationAndConnections returns a conversation, as GetConversation
	// does, with its connections, as ConversationConnections does, in one
	// read: a message's first reads, one round trip fewer.
	ConversationAndConnections(ctx context.Context, conversationID string, now time.Time) (Conversation, []Connection, error)
	// FeedConnections returns the staff feed connections.
	FeedConnections(ctx context.Context, now time.Time) ([]Connection, error)
	// SupervisorFeedConnections returns the supervisors' staff feed
	// connections: with an assignee's own, the feeds that hear an assigned
	// conversation's words.
	SupervisorFeedConnections(ctx context.Context, now time.Time) ([]Connection, error)
	// UserConnections returns every connection of a user.
	UserConnections(ctx context.Context, userID string, now time.Time) ([]Connection, error)
	// OnlineStaff counts distinct staff users with an open connection.
	OnlineStaff(ctx context.Context, now time.Time) (int, error)
	// CountConnections counts every open connection (for the stats).
	CountConnections(ctx context.Context, now time.Time) (int, error)
	// OpenConnections returns every open connection (for the retention
	// sweep).
	OpenConnections(ctx context.Context, now time.Time) ([]Connection, error)
}

// TicketStore keeps one-time WebSocket tickets, by hash only.
type TicketStore interface {
	// PutTicket stores a ticket's hash with the identity it stands for.
	PutTicket(ctx context.Context, hash string, t TicketClaims) error
	// ConsumeTicket deletes the ticket and returns its claims, if it exists
	// and has not expired at now; else CodeUnauthorized. Under concurrent
	// calls exactly one succeeds.
	ConsumeTicket(ctx context.Context, hash string, now time.Time) (TicketClaims, error)
}

// TicketClaims is what a ticket stands for. Identity.IssuedAt is when the
// access token it was traded for was issued (zero: unknown).
type TicketClaims struct {
	Identity
	ExpiresAt      Time  `json:"expiresAt"`
	TokenExpiresAt *Time `json:"tokenExpiresAt,omitempty"`
}

// RateStore counts messages per person per window.
type RateStore interface {
	// Hit counts one message of userID in the window starting at window and
	// reports whether it is within limit. The count item expires after ttl.
	Hit(ctx context.Context, userID string, window time.Time, limit int, ttl time.Duration) (bool, error)
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	// PutAudit appends an entry.
	PutAudit(ctx context.Context, e AuditEntry) error
	// ListAudit lists entries between from and to (inclusive), oldest first,
	// from position after.
	ListAudit(ctx context.Context, from, to time.Time, after string, limit int) (Page[AuditEntry], error)
}

// StaffStore keeps the staff directory: every counsellor and supervisor who
// has signed in to the dashboard.
type StaffStore interface {
	// PutStaffMember enters m, or refreshes what it says of them (their
	// username, supervisor flag and when they were last seen; a display name
	// they chose is kept when m has none).
	PutStaffMember(ctx context.Context, m StaffMember) error
	// GetStaffMember returns one member, or CodeNotFound.
	GetStaffMember(ctx context.Context, userID string) (StaffMember, error)
	// ListStaffMembers returns every member, by username.
	ListStaffMembers(ctx context.Context) ([]StaffMember, error)
}

// StaffMember is a counsellor or supervisor in the staff directory.
type StaffMember struct {
	UserID   string `json:"userId"`
	Username string `json:"username"`
	// DisplayName is the name colleagues and clients see ("" until they
	// choose one).
	DisplayName string `json:"displayName,omitempty"`
	Supervisor  bool   `json:"supervisor"`
	LastSeenAt  Time   `json:"lastSeenAt"`
}
