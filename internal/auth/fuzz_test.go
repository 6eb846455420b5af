package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/auth/authtest"
)

// FuzzVerifyToken: whatever arrives as a bearer token that the pool did not
// sign, Verify refuses it as unauthorized (never anything else, never a
// panic), and neither the error nor the logs repeat it.
func FuzzVerifyToken(f *testing.F) {
	iss, logs := newFuzzIssuer(f)
	v := iss.verifier()
	// Tokens signed with an attacker's key that name where to find it (an
	// embedded jwk, a jku, an x5u), under an unknown kid and under the
	// pool's own: only the pool's JWKS may vouch for a key. They are made
	// here because signing needs the keys of this run.
	attacker, err := jwk.Import(authtest.Key(1).Public())
	must(f, err)
	for _, kid := range []string{"attacker", authtest.DefaultKeyID} {
		hdr := kidHeader(f, kid)
		must(f, hdr.Set(jws.JWKKey, attacker))
		must(f, hdr.Set(jws.JWKSetURLKey, "https://evil.example/jwks.json"))
		must(f, hdr.Set(jws.X509URLKey, "https://evil.example/cert.pem"))
		f.Add(signWith(f, jwa.RS256(), authtest.Key(1), hdr, iss.claims()))
	}
	f.Fuzz(func(t *testing.T, token string) {
		logs.Reset()
		id, _, err := v.Verify(context.Background(), token)
		if err == nil {
			t.Fatalf("Verify(%q) accepted %+v: only the issuer's signature can make a token", token, id)
		}
		if len(token) < 8 {
			token = "" // too short to tell apart from ordinary words
		}
		assertRefused(t, err, token, logs.String())
	})
}

// newFuzzIssuer is newIssuer with the verifiers' logs in a buffer a fuzz
// function empties before each input (the issuer's own buffer only grows).
func newFuzzIssuer(f *testing.F) (*issuer, *bytes.Buffer) {
	iss := newIssuer(f)
	var logs bytes.Buffer
	iss.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return iss, &logs
}

// FuzzVerifyClaims: any payload signed with the pool's own key is accepted
// exactly when it is an access token of this pool and app client, with an
// exp in the future, a sub and a username, and a groups claim that is a
// list of strings when present; the role is staff exactly when the groups
// hold the staff group.
func FuzzVerifyClaims(f *testing.F) {
	iss, logs := newFuzzIssuer(f)
	v := iss.verifier()
	now := iss.clock.Now()
	// The pool's address is chosen when the test runs, so the seeds that
	// name it are made here; testdata/ holds the ones that need not.
	for _, edit := range []map[string]any{
		nil,
		{"cognito:groups": []string{"volunteers", "staff"}},
		{"cognito:groups": "staff"},
		{"exp": now.Unix()},
		{"token_use": "id"},
		{"username": 7},
	} {
		c := iss.claims()
		for k, val := range edit {
			c[k] = val
		}
		b, err := json.Marshal(c)
		must(f, err)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, payload string) {
		logs.Reset()
		signed, err := jws.Sign([]byte(payload), jws.WithKey(jwa.RS256(), authtest.Key(0),
			jws.WithProtectedHeaders(kidHeader(t, authtest.DefaultKeyID))))
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		token := string(signed)
		id, exp, err := v.Verify(context.Background(), token)
		if err != nil {
			assertRefused(t, err, token, logs.String())
			return
		}
		var c map[string]any
		if jerr := json.Unmarshal([]byte(payload), &c); jerr != nil {
			t.Fatalf("Verify accepted a payload that is not a claims object: %q (%v)", payload, jerr)
		}
		claimExp, _ := c["exp"].(float64)
		switch {
		case c["iss"] != iss.URL, c["client_id"] != iss.ClientID, c["token_use"] != "access":
			t.Fatalf("Verify accepted a token of another pool, client or use: %q", payload)
		case !exp.After(now) || int64(claimExp) != exp.Unix():
			t.Fatalf("Verify accepted exp %v (answered %v) at %v: %q", c["exp"], exp, now, payload)
		case c["sub"] == "" || c["sub"] != id.UserID, c["username"] == "" || c["username"] != id.Username:
			t.Fatalf("Verify answered %+v for %q", id, payload)
		}
		groups, ok := groupsOf(c)
		if !ok {
			t.Fatalf("Verify accepted a groups claim that is not a list of strings: %q", payload)
		}
		if want := slices.Contains(groups, auth.DefaultStaffGroup); id.IsStaff() != want {
			t.Fatalf("role %s for groups %v", id.Role, groups)
		}
	})
}

// groupsOf reads the cognito:groups claim: its strings, and false when it
// is there but not a list of strings.
func groupsOf(claims map[string]any) ([]string, bool) {
	raw, ok := claims["cognito:groups"]
	if !ok {
		return nil, true
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, false
	}
	groups := make([]string, 0, len(list))
	for _, g := range list {
		s, ok := g.(string)
		if !ok {
			return nil, false
		}
		groups = append(groups, s)
	}
	return groups, true
}

// FuzzBearerToken: a token is taken from an Authorization header exactly
// when it is "Bearer" (any case) and one run of characters without white
// space.
func FuzzBearerToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, header string) {
		token, ok := auth.BearerToken(header)
		if !ok {
			if token != "" {
				t.Fatalf("BearerToken(%q) refused but returned %q", header, token)
			}
			return
		}
		scheme, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
		if !strings.EqualFold(scheme, "bearer") || token == "" || strings.ContainsAny(token, " \t\r\n") ||
			strings.TrimLeft(rest, " ") != token {
			t.Fatalf("BearerToken(%q) = %q", header, token)
		}
	})
}
