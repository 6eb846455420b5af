package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/auth/authtest"
	"github.com/confidechat/confide/internal/testlog"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

const testSub = "7d8e2c1a-0000-4000-8000-000000000001"

// issuer is the fake Cognito pool of authtest on a settable clock, with the
// logs of the verifiers made for it.
type issuer struct {
	*authtest.Issuer
	clock *apptest.Clock
	log   *slog.Logger
	logs  *testlog.Buffer
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	log, logs := testlog.New()
	iss := &issuer{
		Issuer: authtest.NewIssuer(t),
		clock:  apptest.NewClock(time.Date(2026, 11, 26, 22, 10, 0, 0, time.UTC)),
		log:    log,
		logs:   logs,
	}
	iss.Now = iss.clock.Now
	return iss
}

// verifier returns a Verifier of this issuer whose logs go to iss.logs.
func (iss *issuer) verifier() *auth.Verifier {
	return auth.NewVerifier(auth.Config{
		Issuer:     iss.URL,
		ClientID:   iss.ClientID,
		HTTPClient: iss.HTTPClient(),
		Now:        iss.clock.Now,
		Logger:     iss.log,
	})
}

// claims returns the claims of alice's valid access token at the issuer's now.
func (iss *issuer) claims() map[string]any { return iss.Claims(testSub, "alice", nil) }

// token is alice's valid access token with claims changed by edit (a nil
// value deletes the claim).
func (iss *issuer) token(edit map[string]any) string {
	return iss.AccessToken(testSub, "alice", nil, authtest.WithClaims(edit))
}

// signWith makes a token with any algorithm and header over claims: the
// forgeries a fake pool would never sign.
func signWith(t testing.TB, alg jwa.SignatureAlgorithm, key any, hdr jws.Headers, claims any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	must(t, err)
	tok, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	must(t, err)
	return string(tok)
}

// kidHeader is a protected header naming kid.
func kidHeader(t testing.TB, kid string) jws.Headers {
	t.Helper()
	hdr := jws.NewHeaders()
	must(t, hdr.Set(jws.KeyIDKey, kid))
	return hdr
}

// b64 encodes s as unpadded base64url.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
