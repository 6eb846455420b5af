package chat

import (
	"context"
	"sync"
	"time"
)

// SweepReport says what one retention sweep did.
type SweepReport struct {
	Expired int `json:"expired"`
	Closed  int `json:"closed"`
	// CutOff counts the connections closed because their person's
	// credentials were revoked or their account disabled.
	CutOff int `json:"cutOff"`
	// Complete is false when the time budget ran out first; the next run
	// goes on where this one stopped.
	Complete bool `json:"complete"`
	// KeysDestroyed counts the hour keys destroyed: every copy of the
	// messages they sealed is unreadable from then on.
	KeysDestroyed int `json:"keysDestroyed"`
	// KeysMade counts the hour keys made ahead of the messages they will
	// seal.
	KeysMade int `json:"keysMade"`
	// Connections is how many WebSocket connections were open when the
	// sweep ended (the retention function publishes it as a metric).
	Connections int `json:"connections"`
}

// sweepBatch is how many items one store call may remove or close.
const sweepBatch = 100

// Sweep is the retention function's work: it destroys the keys of the
// hours of expiry that ended (more than keyGrace ago) and makes those of
// the next hours (keysAhead), deletes the items that expired and TTL has not yet
// removed (messages of 24h conversations, stale connections), cuts off the connections of people whose credentials were
// revoked or whose account is no longer active (see CutOffRevoked), and
// closes active conversations idle for longer than the idle timeout, with
// closedBy "system", then counts the connections left open. It stops when
// ctx's deadline is near, and is safe to run again or concurrently.
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	var rep SweepReport
	budget := time.Now().Add(4 * time.Minute)
	if d, ok := ctx.Deadline(); ok {
		budget = d.Add(-5 * time.Second)
	}
	destroyed, err := s.keys.DestroyExpiredHours(ctx, s.now(), keyGrace)
	rep.KeysDestroyed = destroyed
	if err != nil {
		return rep, err
	}
	made, err := s.keys.MakeHourKeys(ctx, hoursAhead(s.now()))
	rep.KeysMade = made
	if err != nil {
		return rep, err
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
	cut, err := s.CutOffRevoked(ctx)
	rep.CutOff = cut
	if err != nil {
		return rep, err
	}
	cutoff := s.now().Add(-s.limits.IdleTimeout)
	for time.Now().Before(budget) {
		before := rep.Closed
		idle, err := s.store.ListIdle(ctx, cutoff, sweepBatch)
		if err != nil {
			return rep, err
		}
		for _, c := range idle {
			_, err := s.close(ctx, c.ID, ClosedBySystem, Condition{Status: StatusActive})
			if CodeOf(err) == CodeConflict || CodeOf(err) == CodeNotFound {
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
	rep.Connections, err = s.store.CountConnections(ctx, s.now())
	return rep, err
}

// accountChecks bounds the people CutOffRevoked looks up at once.
const accountChecks = 8

// CutOffRevoked closes every open connection whose credential a revocation
// voids, with the unauthorized frame first, and returns how many it closed.
// With Accounts it also asks about each person holding a connection: an
// account that is disabled or gone is revoked on the way (now, in token
// time), so its next connect is refused too. A person who cannot be looked
// up is left for the next sweep.
func (s *Service) CutOffRevoked(ctx context.Context) (int, error) {
	conns, err := s.store.OpenConnections(ctx, s.now())
	if err != nil {
		return 0, err
	}
	byUser := map[string][]Connection{}
	for _, c := range conns {
		byUser[c.UserID] = append(byUser[c.UserID], c)
	}
	var (
		mu  sync.Mutex
		cut int
		wg  sync.WaitGroup
		sem = make(chan struct{}, accountChecks)
	)
	for _, held := range byUser {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			n := s.cutOffUser(ctx, held)
			mu.Lock()
			cut += n
			mu.Unlock()
		})
	}
	wg.Wait()
	return cut, nil
}

// cutOffUser closes the connections of one person (held, all theirs) that
// their revocation voids, and returns how many.
func (s *Service) cutOffUser(ctx context.Context, held []Connection) int {
	person := held[0]
	revokedAt, err := s.store.RevokedAt(ctx, person.UserID, s.now())
	if err != nil {
		s.log.WarnContext(ctx, "read revocation failed", "userId", person.UserID, "err", err)
		return 0
	}
	if s.accounts != nil {
		active, err := s.accounts.Active(ctx, person.Username)
		if err != nil {
			s.log.WarnContext(ctx, "account lookup failed", "userId", person.UserID, "err", err)
			return 0
		}
		if !active {
			at := s.tokenNow()
			if err := s.store.Revoke(ctx, person.UserID, at); err != nil {
				s.log.WarnContext(ctx, "revoke inactive account failed", "userId", person.UserID, "err", err)
			}
			revokedAt = at
		}
	}
	n := 0
	for _, c := range held {
		if voidedBy(c.credentialTime(), revokedAt) {
			s.CutOff(ctx, c, RevokedFrame(""))
			n++
		}
	}
	if n > 0 {
		s.log.InfoContext(ctx, "connections cut off", "userId", person.UserID, "count", n)
	}
	return n
}
