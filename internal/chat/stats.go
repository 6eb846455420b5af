package chat

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"
)

// Stats is the staff dashboard's summary, for GET /stats.
type Stats struct {
	ActiveConversations        int          `json:"activeConversations"`
	WaitingConversations       int          `json:"waitingConversations"`
	Connections                int          `json:"connections"`
	CounsellorsOnline          int          `json:"counsellorsOnline"`
	MedianFirstResponseSeconds *float64     `json:"medianFirstResponseSeconds"`
	MedianSessionSeconds       *float64     `json:"medianSessionSeconds"`
	Satisfaction               Satisfaction `json:"satisfaction"`
	// UrgentToClaim is how long conversations waited for a counsellor once
	// screening (or staff) made them urgent: median and 90th percentile, in
	// seconds (null while none has been urgent); one still waiting counts
	// with its wait so far.
	UrgentToClaim Percentiles `json:"urgentToClaim"`
	// UrgentWaiting counts the urgent conversations nobody has claimed yet.
	UrgentWaiting int `json:"urgentWaiting"`
	// RecentFeedback is the most recent feedback that came with a comment,
	// newest first, among the closed conversations the stats read and the
	// caller may read: never the client's id beside it.
	RecentFeedback []FeedbackEntry `json:"recentFeedback"`
}

// FeedbackEntry is one client's feedback in the stats.
type FeedbackEntry struct {
	Rating         int    `json:"rating"`
	Comment        string `json:"comment"`
	At             Time   `json:"at"`
	ConversationID string `json:"conversationId"`
	Handle         string `json:"handle"`
}

// recentFeedbackCount is how many comments the stats show.
const recentFeedbackCount = 10

// Percentiles summarises durations.
type Percentiles struct {
	MedianSeconds *float64 `json:"medianSeconds"`
	P90Seconds    *float64 `json:"p90Seconds"`
	Count         int      `json:"count"`
}

// Satisfaction summarises the clients' ratings.
type Satisfaction struct {
	Average *float64 `json:"average"`
	Count   int      `json:"count"`
}

// statsSample bounds how many conversations of each status the stats read.
const statsSample = 1000

// Stats summarises the service for staff. First response is measured from
// the start of a session to the first counsellor message; medians are null
// while there is nothing to measure.
func (s *Service) Stats(ctx context.Context, caller Identity) (Stats, error) {
	if !caller.IsStaff() {
		return Stats{}, errStaffOnly()
	}
	now := s.now()
	var (
		active, closed []Conversation
		conns, online  int
		errs           [3]error
	)
	s.parallel(
		func() { active, closed, errs[0] = s.store.StatsSample(ctx, statsSample, now) },
		func() { conns, errs[1] = s.store.CountConnections(ctx, now) },
		func() { online, errs[2] = s.store.OnlineStaff(ctx, now) },
	)
	for _, err := range errs {
		if err != nil {
			return Stats{}, err
		}
	}
	st := Stats{ActiveConversations: len(active), Connections: conns, CounsellorsOnline: online}
	var firsts, sessions []float64
	var ratingSum int
	for _, c := range active {
		if c.Waiting() {
			st.WaitingConversations++
		}
	}
	var urgent []float64
	for _, c := range append(append([]Conversation{}, active...), closed...) {
		if c.FirstResponseAt != nil {
			firsts = append(firsts, c.FirstResponseAt.Sub(c.CreatedAt.Time).Seconds())
		}
		if waited, ok := waitedSinceUrgent(c, now); ok && (c.ClaimedAt != nil || c.Unassigned()) {
			urgent = append(urgent, waited.Seconds())
			if c.Unassigned() {
				st.UrgentWaiting++
			}
		}
	}
	st.UrgentToClaim = Percentiles{MedianSeconds: median(slices.Clone(urgent)), P90Seconds: percentile(urgent, 90), Count: len(urgent)}
	for _, c := range closed {
		if c.ClosedAt != nil {
			sessions = append(sessions, c.ClosedAt.Sub(c.CreatedAt.Time).Seconds())
		}
		if c.Rating > 0 {
			ratingSum += c.Rating
			st.Satisfaction.Count++
		}
	}
	st.MedianFirstResponseSeconds = median(firsts)
	st.MedianSessionSeconds = median(sessions)
	if st.Satisfaction.Count > 0 {
		avg := float64(ratingSum) / float64(st.Satisfaction.Count)
		st.Satisfaction.Average = &avg
	}
	var err error
	if st.RecentFeedback, err = s.recentFeedback(ctx, caller, closed); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// recentFeedback returns the newest recentFeedbackCount comments of the
// closed conversations caller may read (CanRead), opened one conversation
// at a time (listings carry no comment); a comment whose key is gone reads
// as none and is left out.
func (s *Service) recentFeedback(ctx context.Context, caller Identity, closed []Conversation) ([]FeedbackEntry, error) {
	var rated []Conversation
	for _, c := range closed {
		if c.Rating > 0 && c.HasComment && c.RatedAt != nil && CanRead(caller, c) {
			rated = append(rated, c)
		}
	}
	slices.SortFunc(rated, func(a, b Conversation) int { return b.RatedAt.Compare(a.RatedAt.Time) })
	out := []FeedbackEntry{}
	now := s.now()
	for len(rated) > 0 && len(out) < recentFeedbackCount {
		batch := rated[:min(len(rated), recentFeedbackCount-len(out))]
		rated = rated[len(batch):]
		opened := make([]Conversation, len(batch))
		errs := make([]error, len(batch))
		var wg sync.WaitGroup
		for i, c := range batch {
			wg.Go(func() { opened[i], errs[i] = s.store.GetConversation(ctx, c.ID, now) })
		}
		wg.Wait()
		for i, c := range opened {
			switch {
			case CodeOf(errs[i]) == CodeNotFound:
				continue
			case errs[i] != nil:
				return nil, errs[i]
			case c.Comment != "":
				out = append(out, FeedbackEntry{Rating: c.Rating, Comment: c.Comment, At: *batch[i].RatedAt,
					ConversationID: c.ID, Handle: Handle(c.ID)})
			}
		}
	}
	return out, nil
}

// percentile returns the p-th percentile of xs (nearest rank), nil for
// none.
func percentile(xs []float64, p int) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	i := (p*len(xs)+99)/100 - 1
	v := xs[min(max(i, 0), len(xs)-1)]
	return &v
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return &m
}

// rangeBound writes one end of an audit range as the caller gave it ("":
// the default).
func rangeBound(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return At(t).String()
}

func errStaffOnly() *Error { return Errorf(CodeForbidden, "Only counsellors can see this.") }

// AuditList is one page of the audit trail.
type AuditList struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor *string      `json:"nextCursor"`
}

// AuditQuery selects a page of the audit trail; zero From/To mean the last
// seven days.
type AuditQuery struct {
	From, To time.Time
	Cursor   string
	Limit    int
}

// maxAuditRange is the widest date range one audit listing may span.
const maxAuditRange = 92 * 24 * time.Hour

// auditPos is a position in the audit trail: the store's "<at>#<id>" of the
// last entry returned.
var auditPos = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[0-9A-HJKMNP-TV-Z]{26}$`)

// Audit lists the audit trail for supervisors (CanAudit), oldest first.
func (s *Service) Audit(ctx context.Context, caller Identity, q AuditQuery) (AuditList, error) {
	if !CanAudit(caller) {
		return AuditList{}, Errorf(CodeForbidden, "The audit trail is for supervisors.")
	}
	limit, err := pageLimit(q.Limit, 50, 200)
	if err != nil {
		return AuditList{}, err
	}
	// The cursor is bound to the range as asked, before the defaults: a
	// default end is "now", which moves from one page to the next.
	listing := "audit:" + rangeBound(q.From) + ":" + rangeBound(q.To)
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-7 * 24 * time.Hour)
	}
	if q.To.Before(q.From) || q.To.Sub(q.From) > maxAuditRange {
		return AuditList{}, BadRequest("from must be before to, at most 92 days apart.")
	}
	after, err := decodeCursor(q.Cursor, caller.UserID, listing, auditPos.MatchString)
	if err != nil {
		return AuditList{}, err
	}
	page, err := s.store.ListAudit(ctx, q.From, q.To, after, limit)
	if err != nil {
		return AuditList{}, err
	}
	if page.Items == nil {
		page.Items = []AuditEntry{}
	}
	for i, e := range page.Items {
		page.Items[i] = e.withRefs()
	}
	return AuditList{Entries: page.Items, NextCursor: encodeCursor(caller.UserID, listing, page.Next)}, nil
}
