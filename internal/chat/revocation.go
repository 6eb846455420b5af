package chat

import (
	"context"
	"errors"
	"time"
)

// RevocationStore keeps, per person, when their credentials were last
// revoked: the account was disabled, signed out everywhere or erased.
type RevocationStore interface {
	// Revoke records that every credential of userID issued at or before
	// at is void. A later revocation is never replaced by an earlier one.
	// The record lives RevocationLifetime.
	Revoke(ctx context.Context, userID string, at time.Time) error
	// RevokedAt returns when userID's credentials were last revoked, or the
	// zero time when they never were (or that record has expired at now).
	RevokedAt(ctx context.Context, userID string, now time.Time) (time.Time, error)
}

// RevocationLifetime is how long a revocation is kept: past it every
// credential it voids has expired (a Cognito access token lives at most a
// day) and every connection opened with one has closed.
const RevocationLifetime = 24*time.Hour + ConnectionLifetime

// Accounts tells whether a person's account may still be used. The
// retention sweep asks it about the people holding connections; in AWS it
// is Cognito's AdminGetUser.
type Accounts interface {
	// Active reports whether the account username exists and is enabled.
	Active(ctx context.Context, username string) (bool, error)
}

// ErrRevoked is the cause of the unauthorized error a person gets once
// their credentials were revoked.
var ErrRevoked = errors.New("chat: credentials revoked")

// revokedError is what a person whose credentials were revoked is told.
func revokedError() *Error {
	return &Error{Code: CodeUnauthorized, Message: "Your access has ended. Please sign in again.", Err: ErrRevoked}
}

// IsRevoked reports whether err says the caller's credentials were revoked.
func IsRevoked(err error) bool { return errors.Is(err, ErrRevoked) }

// voidedBy reports whether a credential issued at issued is void under a
// revocation at revokedAt (zero: none). An access token's iat is whole
// seconds, so one issued in the second of the revocation is void too:
// signing in again a second later is the price of never letting an older
// token through.
func voidedBy(issued, revokedAt time.Time) bool {
	return !revokedAt.IsZero() && !issued.After(revokedAt)
}

// checkRevoked reads id's revocation: the revoked error when it voids id's
// credential, a store failure as it is, else nil.
func (s *Service) checkRevoked(ctx context.Context, id Identity) error {
	at, err := s.store.RevokedAt(ctx, id.UserID, s.now())
	if err != nil {
		return err
	}
	if voidedBy(id.IssuedAt, at) {
		return revokedError()
	}
	return nil
}

// guard is a check running in the background: calling it waits for the
// answer, as often as needed. A nil guard checks nothing.
type guard func() error

// ok waits for the check's answer.
func (g guard) ok() error {
	if g == nil {
		return nil
	}
	return g()
}

// revocationGuard starts checkRevoked for id so that it runs side by side
// with the first reads of an action.
func (s *Service) revocationGuard(ctx context.Context, id Identity) guard {
	done := make(chan struct{})
	var err error
	s.run(func() {
		defer close(done)
		err = s.checkRevoked(ctx, id)
	})
	return func() error {
		<-done
		return err
	}
}

// revokedOr returns the revoked error when g found the credential revoked,
// and err otherwise: a revoked person learns that first, whatever else was
// wrong with the frame.
func revokedOr(g guard, err error) error {
	if gErr := g.ok(); IsRevoked(gErr) {
		return gErr
	}
	return err
}

// CheckConnection reports whether conn may still be used: the revoked error
// (unauthorized) once its person's credentials were revoked.
func (s *Service) CheckConnection(ctx context.Context, conn Connection) error {
	return s.checkRevoked(ctx, conn.Identity())
}

// CheckCredential reports whether caller's access token may still be used:
// the revoked error (unauthorized) once the account was disabled, signed out
// everywhere or erased after the token was issued. The HTTP API asks it on
// every request, so a revoked token cannot read or write, or get a ticket
// for a new connection, for the rest of its lifetime.
func (s *Service) CheckCredential(ctx context.Context, caller Identity) error {
	return s.checkRevoked(ctx, caller)
}

// TokenExpired reports whether the access token behind conn has expired, in
// which case the client must reconnect with a fresh ticket. Tokens live in
// real time, not on the service clock (which the local stack moves).
func (s *Service) TokenExpired(conn Connection) bool {
	return conn.TokenExpiresAt != nil && !s.tokenNow().Before(conn.TokenExpiresAt.Time)
}

// CutOff ends a connection from the server side: frame, when not nil, is
// delivered to it alone first (it says why), then the connection is closed
// through the management API and forgotten. Failures are logged.
func (s *Service) CutOff(ctx context.Context, conn Connection, frame []byte) {
	if frame != nil {
		s.pusher.Deliver(ctx, []Delivery{{ConnectionID: conn.ID, Frame: frame}})
	}
	if err := s.pusher.Disconnect(ctx, conn.ID); err != nil {
		s.log.WarnContext(ctx, "close connection failed", "connectionId", conn.ID, "err", err)
	}
	if err := s.store.DeleteConnection(ctx, conn.ID); err != nil {
		s.log.WarnContext(ctx, "forget closed connection failed", "connectionId", conn.ID, "err", err)
	}
}

// RevokedFrame is the frame a connection gets before it is closed because
// its person's credentials were revoked: the unauthorized error, with the
// clientMessageId of the frame that found it out (if any).
func RevokedFrame(clientMessageID string) []byte {
	return mustJSON(NewErrorFrame(revokedError(), clientMessageID))
}

// ReconnectFrame is the frame a connection gets before it is closed because
// the access token behind it expired: reconnect with a fresh ticket.
func ReconnectFrame(reason string) []byte {
	return mustJSON(Event{Type: EventReconnect, Reason: reason})
}

// ReasonTokenExpired is the reason of the reconnect frame of a connection
// whose access token expired.
const ReasonTokenExpired = "token_expired"
