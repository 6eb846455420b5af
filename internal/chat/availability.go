package chat

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Availability is what GET /availability tells the caller: how many
// counsellors are online and, for a client whose active conversation waits
// for a counsellor, where it stands in the queue.
type Availability struct {
	CounsellorsOnline int `json:"counsellorsOnline"`
	// QueuePlace is set only for a client whose active conversation no
	// counsellor has claimed yet (its fields are absent otherwise).
	*QueuePlace
}

// QueuePlace is where a waiting client's conversation stands.
type QueuePlace struct {
	// QueuePosition is 1 for the conversation counsellors will answer next:
	// its place among the unassigned conversations in the order of the
	// staff queue (QueueOrder).
	QueuePosition int `json:"queuePosition"`
	// ExpectedWaitSeconds is an estimate of the wait from now: the median
	// time to claim of the recent conversations × QueuePosition ÷ the
	// counsellors online; nil while nobody is online or fewer than
	// MinWaitSamples conversations have been claimed.
	ExpectedWaitSeconds *int `json:"expectedWaitSeconds"`
}

// MinWaitSamples is how many claimed conversations an expected wait needs:
// with fewer, the widget says nothing rather than guess.
const MinWaitSamples = 3

// QueueOrder compares two active conversations in the order counsellors
// answer them (GET /queue, the widget's place in it, and the dashboard's
// answerOrder): urgent first, then concern, then the rest; within a level
// the conversations whose client waits first, the one waiting longest on
// top (queuedFrom: from its opening while it has no counsellor, else from
// the client's first unanswered message; writing again while waiting never
// costs a client their place), then the others, most recently active
// first.
func QueueOrder(a, b Conversation) int {
	if d := b.Risk.Rank() - a.Risk.Rank(); d != 0 {
		return d
	}
	wa, wb := a.queuedFrom(), b.queuedFrom()
	switch {
	case (wa == nil) != (wb == nil):
		if wa != nil {
			return -1
		}
		return 1
	case wa != nil:
		if d := wa.Compare(wb.Time); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	}
	if d := b.ActivityAt().Compare(a.ActivityAt()); d != 0 {
		return d
	}
	return strings.Compare(b.ID, a.ID)
}

// PlaceInQueue is where conversation mine stands among active (every active
// conversation) in the order of QueueOrder, with recent (active and closed
// conversations, the stats sample) giving the time to claim and online the
// counsellors online. It is nil when mine is not waiting for a counsellor
// (claimed, or not active).
func PlaceInQueue(mine Conversation, active, recent []Conversation, online int) *QueuePlace {
	if !mine.Unassigned() {
		return nil
	}
	ahead := 0
	for _, c := range active {
		if c.ID != mine.ID && c.Unassigned() && QueueOrder(c, mine) < 0 {
			ahead++
		}
	}
	place := &QueuePlace{QueuePosition: ahead + 1}
	var claims []float64
	for _, c := range recent {
		if c.ClaimedAt != nil {
			claims = append(claims, max(c.ClaimedAt.Sub(c.CreatedAt.Time), 0).Seconds())
		}
	}
	if online > 0 && len(claims) >= MinWaitSamples {
		wait := int(math.Round(*median(claims) * float64(place.QueuePosition) / float64(online)))
		place.ExpectedWaitSeconds = &wait
	}
	return place
}

// Availability tells the caller how many counsellors are online and, for a
// client whose active conversation waits for one, its place in the queue
// (PlaceInQueue, from the same sample as the stats).
func (s *Service) Availability(ctx context.Context, caller Identity) (Availability, error) {
	now := s.now()
	online, err := s.store.OnlineStaff(ctx, now)
	if err != nil || caller.IsStaff() {
		return Availability{CounsellorsOnline: online}, err
	}
	id, err := s.store.ActiveConversationID(ctx, caller.UserID)
	if err != nil || id == "" {
		return Availability{CounsellorsOnline: online}, err
	}
	mine, err := s.store.GetConversation(ctx, id, now)
	if err != nil || !mine.Unassigned() || mine.UserID != caller.UserID {
		return Availability{CounsellorsOnline: online}, ignoreNotFound(err)
	}
	active, err := s.store.ListConversations(ctx, StatusActive, "", statsSample, now)
	if err != nil {
		return Availability{}, err
	}
	closed, err := s.closedSample(ctx, now)
	if err != nil {
		return Availability{}, err
	}
	return Availability{CounsellorsOnline: online, QueuePlace: PlaceInQueue(mine, active.Items, slices.Concat(active.Items, closed), online)}, nil
}

// closedSampleTTL is how long an instance reuses the closed conversations
// it read for expected waits.
const closedSampleTTL = time.Minute

// closedSample is the closed conversations of the stats sample, as an
// instance last read them.
type closedSample struct {
	mu    sync.Mutex
	at    time.Time
	convs []Conversation
}

// closedSample returns the most recently active closed conversations (the
// stats sample's), read at most once per closedSampleTTL: every waiting
// client's widget asks for its place every 15 seconds, the place comes from
// the active conversations (read on every ask), and the times to claim of
// the closed ones move slowly. Reading them on every ask cost each one up
// to a thousand conversation records.
func (s *Service) closedSample(ctx context.Context, now time.Time) ([]Conversation, error) {
	c := &s.recentClosed
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.convs != nil && !now.Before(c.at) && now.Sub(c.at) < closedSampleTTL {
		return c.convs, nil
	}
	page, err := s.store.ListConversations(ctx, StatusClosed, "", statsSample, now)
	if err != nil {
		return nil, err
	}
	c.at, c.convs = now, append([]Conversation{}, page.Items...)
	return c.convs, nil
}

// ignoreNotFound is err unless it says not_found (a conversation gone
// between two reads is no error for a count).
func ignoreNotFound(err error) error {
	if CodeOf(err) == CodeNotFound {
		return nil
	}
	return err
}
