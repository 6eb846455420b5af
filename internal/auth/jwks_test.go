package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/auth/authtest"
	"github.com/confidechat/confide/internal/chat"
)

// step is one Verify call in a JWKS scenario: what happens to the clock and
// the issuer first, the token, and what must follow.
type step struct {
	advance     time.Duration
	before      func(iss *issuer)
	token       func(iss *issuer) string
	wantOK      bool
	wantFetches int
	// unavailable: refused as unavailable (the keys could not be fetched),
	// not unauthorized.
	unavailable bool
}

func validToken(iss *issuer) string { return iss.token(nil) }

// k2Token is signed by a key published under kid k2 only in some scenarios.
func k2Token(iss *issuer) string {
	return iss.Sign(iss.claims(), authtest.SignedBy("k2", authtest.Key(1)))
}

func TestVerifyJWKSFetching(t *testing.T) {
	k1 := authtest.PublishedKey{ID: "k1", Key: authtest.Key(0), Use: "sig"}
	k2 := authtest.PublishedKey{ID: "k2", Key: authtest.Key(1), Use: "sig"}
	tests := []struct {
		name  string
		steps []step
	}{
		{"NewVerifierFetchesNothing", []step{
			{token: nil, wantFetches: 0},
		}},
		{"KeysAreCachedAcrossCalls", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{token: validToken, wantOK: true, wantFetches: 1},
			{advance: time.Hour - time.Minute, token: validToken, wantOK: true, wantFetches: 1},
		}},
		{"UnknownKidRefetchesOnceThenQuietFor10s", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{token: k2Token, wantFetches: 2},
			{advance: 5 * time.Second, token: k2Token, wantFetches: 2},
			{advance: 4999 * time.Millisecond, token: k2Token, wantFetches: 2},
			{advance: time.Millisecond, token: k2Token, wantFetches: 3},
			{token: k2Token, wantFetches: 3},
		}},
		{"KnownKidsStillWorkDuringTheQuietPeriod", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{token: k2Token, wantFetches: 2},
			{token: validToken, wantOK: true, wantFetches: 2},
		}},
		{"KeyRotationIsAcceptedAfterOneFetch", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{before: func(iss *issuer) { iss.Publish(k1, k2) }, token: k2Token, wantOK: true, wantFetches: 2},
			{token: k2Token, wantOK: true, wantFetches: 2},
			{token: validToken, wantOK: true, wantFetches: 2},
		}},
		{"RetiredKeyIsRefusedAfterRefresh", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{before: func(iss *issuer) { iss.Publish(k2) }, token: k2Token, wantOK: true, wantFetches: 2},
			{advance: 11 * time.Second, token: validToken, wantFetches: 3},
		}},
		{"KeyWithUseEncIsIgnored", []step{
			{before: func(iss *issuer) { iss.Publish(k1, authtest.PublishedKey{ID: "k2", Key: authtest.Key(1), Use: "enc"}) },
				token: k2Token, wantFetches: 1},
			{token: validToken, wantOK: true, wantFetches: 1},
		}},
		{"KeyWithoutUseIsAccepted", []step{
			{before: func(iss *issuer) { iss.Publish(authtest.PublishedKey{ID: "k1", Key: authtest.Key(0)}) },
				token: validToken, wantOK: true, wantFetches: 1},
		}},
		{"IssuerDownIsUnavailableThenQuietThenRecovers", []step{
			{before: func(iss *issuer) { iss.SetDown(true) }, token: validToken, wantFetches: 1, unavailable: true},
			{advance: 9 * time.Second, token: validToken, wantFetches: 1, unavailable: true},
			{before: func(iss *issuer) { iss.SetDown(false) }, token: validToken, wantFetches: 1, unavailable: true},
			{advance: time.Second, token: validToken, wantOK: true, wantFetches: 2},
		}},
		{"IssuerDownKeepsCachedKeys", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{before: func(iss *issuer) { iss.SetDown(true) }, token: k2Token, wantFetches: 2, unavailable: true},
			{token: validToken, wantOK: true, wantFetches: 2},
		}},
		{"AnUnknownKidAfterAFetchThatWorkedIsRefused", []step{
			{token: validToken, wantOK: true, wantFetches: 1},
			{token: k2Token, wantFetches: 2},
			{token: k2Token, wantFetches: 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t)
			v := iss.verifier()
			for i, s := range tt.steps {
				iss.clock.Advance(s.advance)
				if s.before != nil {
					s.before(iss)
				}
				if s.token != nil {
					token := s.token(iss)
					_, _, err := v.Verify(context.Background(), token)
					if s.wantOK && err != nil {
						t.Fatalf("step %d: Verify: %v", i, err)
					}
					switch {
					case s.wantOK:
					case err == nil:
						t.Fatalf("step %d: Verify accepted the token", i)
					case s.unavailable:
						assertUnavailable(t, err, token, iss.logs.String())
					default:
						assertRefused(t, err, token, iss.logs.String())
						if pub := chat.Public(err); pub.Code != chat.CodeUnauthorized {
							t.Errorf("step %d: public error = %v, want unauthorized", i, pub)
						}
					}
				}
				if got := iss.Fetches(); got != s.wantFetches {
					t.Fatalf("step %d: JWKS fetches = %d, want %d", i, got, s.wantFetches)
				}
			}
		})
	}
}

func TestVerifyColdCacheMakesOneFetchForConcurrentCalls(t *testing.T) {
	iss := newIssuer(t)
	release := iss.Hold()
	v := iss.verifier()
	token := iss.token(nil)

	const callers = 50
	var started, done sync.WaitGroup
	errs := make(chan error, callers)
	started.Add(callers)
	done.Add(callers)
	for range callers {
		go func() {
			defer done.Done()
			started.Done()
			_, _, err := v.Verify(context.Background(), token)
			errs <- err
		}()
	}
	started.Wait()
	waitForFetch(t, iss)
	release()
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if got := iss.Fetches(); got != 1 {
		t.Errorf("JWKS fetches = %d, want 1", got)
	}
}

func TestVerifyWaiterGivesUpWithItsContext(t *testing.T) {
	iss := newIssuer(t)
	release := iss.Hold()
	v := iss.verifier()
	token := iss.token(nil)

	first := make(chan error, 1)
	go func() {
		_, _, err := v.Verify(context.Background(), token)
		first <- err
	}()
	waitForFetch(t, iss)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := v.Verify(ctx, token)
	if err == nil {
		t.Fatal("Verify with a cancelled context succeeded while the fetch was held")
	}
	assertUnavailable(t, err, token, iss.logs.String())

	release()
	if err := <-first; err != nil {
		t.Errorf("first Verify: %v", err)
	}
	if got := iss.Fetches(); got != 1 {
		t.Errorf("JWKS fetches = %d, want 1", got)
	}
}

// TestVerifyIssuerUnreachable: a token that cannot be checked because the
// issuer's keys cannot be fetched is unavailable (try again), not
// unauthorized: the person's sign-in may be fine, and telling them to sign
// in again would send every client back to Cognito during the outage.
func TestVerifyIssuerUnreachable(t *testing.T) {
	iss := newIssuer(t)
	iss.Close()
	v := iss.verifier()
	token := iss.token(nil)
	_, _, err := v.Verify(context.Background(), token)
	if err == nil {
		t.Fatal("Verify accepted a token with no JWKS")
	}
	assertUnavailable(t, err, token, iss.logs.String())
}

// assertUnavailable checks err is the unavailable error with a cause, and
// neither it nor the logs hold the token.
func assertUnavailable(t *testing.T, err error, token, logs string) {
	t.Helper()
	if pub := chat.Public(err); pub.Code != chat.CodeUnavailable {
		t.Errorf("Verify error = %v, want unavailable", err)
	}
	if errors.Unwrap(err) == nil {
		t.Error("Verify error has no cause")
	}
	if strings.Contains(err.Error(), token) || strings.Contains(logs, token) {
		t.Errorf("the error or the logs hold the raw token: %v", err)
	}
}

func TestNewVerifierDefaults(t *testing.T) {
	iss := newIssuer(t)
	v := auth.NewVerifier(auth.Config{Issuer: iss.URL + "/", ClientID: iss.ClientID, HTTPClient: iss.HTTPClient(), Now: iss.clock.Now})
	_, _, err := v.Verify(context.Background(), iss.token(nil))
	if err == nil {
		t.Fatal("Verify accepted a token whose iss lacks the configured trailing slash")
	}
	if got := iss.Fetches(); got != 1 {
		t.Errorf("JWKS fetches = %d, want 1 (JWKS URL built without a double slash)", got)
	}
	staff := iss.token(map[string]any{"cognito:groups": []string{"staff"}})
	v = auth.NewVerifier(auth.Config{Issuer: iss.URL, ClientID: iss.ClientID, HTTPClient: iss.HTTPClient(), Now: iss.clock.Now})
	id, _, err := v.Verify(context.Background(), staff)
	if err != nil || id.Role != chat.RoleStaff {
		t.Errorf("default staff group: role %q, err %v; want staff", id.Role, err)
	}
}

// waitForFetch waits until the issuer has received a JWKS request.
func waitForFetch(t *testing.T, iss *issuer) {
	t.Helper()
	select {
	case <-iss.FetchStarted():
	case <-time.After(5 * time.Second):
		t.Fatal("no JWKS request within 5s")
	}
}
