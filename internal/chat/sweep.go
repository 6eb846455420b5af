package chat

import (
	"context"
	"time"
)

// SweepReport says what one retention sweep did.
type SweepReport struct {
	Expired int `json:"expired"`
	Closed  int `json:"closed"`
	// Complete is false when the time budget ran out first; the next run
	// goes on where this one stopped.
	Complete bool `json:"complete"`
}

// sweepBatch is how many items one store call may remove or close.
const sweepBatch = 100

// Sweep is the retention function's work: it deletes the items that expired
// and TTL has not yet removed (messages of 24h conversations, stale
// connections) and closes active conversations idle for longer than the
// idle timeout, with closedBy "system". It stops when ctx's deadline is
// near, and is safe to run again or concurrently.
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	var rep SweepReport
	budget := time.Now().Add(4 * time.Minute)
	if d, ok := ctx.Deadline(); ok {
		budget = d.Add(-5 * time.Second)
	}
	for time.Now().Before(budget) {
		n, err := s.store.DeleteExpired(ctx, s.now(), sweepBatch)
		rep.Expired += n
		if err != nil {
			return rep, err
		}
		if n < sweepBatch {
			break
		}
	}
	cutoff := s.now().Add(-s.limits.IdleTimeout)
	for time.Now().Before(budget) {
		before := rep.Closed
		idle, err := s.store.ListIdle(ctx, cutoff, sweepBatch)
		if err != nil {
			return rep, err
		}
		for _, c := range idle {
			_, err := s.close(ctx, c.ID, ClosedBySystem)
			if ErrorCode(err) == CodeConflict || ErrorCode(err) == CodeNotFound {
				continue // closed or gone meanwhile
			}
			if err != nil {
				return rep, err
			}
			rep.Closed++
			s.audit(ctx, ClosedBySystem, AuditConversationClosed, c.ID)
		}
		if len(idle) < sweepBatch || rep.Closed == before {
			rep.Complete = len(idle) < sweepBatch
			break
		}
	}
	return rep, nil
}
