package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// cognitoLocalKeyFile is the signing key cognito-local ships with and signs
// every token of the local stack's pool with (its JWKS publishes the public
// half).
const cognitoLocalKeyFile = "../node_modules/cognito-local/lib/keys/cognitoLocal.private.json"

// expiringToken returns p's real access token with only its exp moved to
// expiresAt, signed again with the local pool's own key: the stack verifies
// it exactly as it verifies the token Cognito issued. Only the local stack's
// pool key is at hand, so this works against the local stack only.
func expiringToken(t *testing.T, p *e2ekit.Person, expiresAt time.Time) string {
	t.Helper()
	parts := strings.Split(p.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("%s's access token is not a compact JWS", p.Username)
	}
	header, err := jws.Parse([]byte(p.Token), jws.WithCompact())
	if err != nil {
		t.Fatalf("parse %s's access token: %v", p.Username, err)
	}
	kid, _ := header.Signatures()[0].ProtectedHeaders().KeyID()
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode %s's token payload: %v", p.Username, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("decode %s's token claims: %v", p.Username, err)
	}
	claims["exp"] = expiresAt.Unix()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	key := cognitoLocalKey(t)
	if id, _ := key.KeyID(); id != kid {
		t.Fatalf("the local pool signs with kid %q, the key file holds %q", kid, id)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	if err := hdr.Set(jws.TypeKey, "JWT"); err != nil {
		t.Fatal(err)
	}
	signed, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	token := string(signed)
	remember("access token", token)
	return token
}

// cognitoLocalKey reads the private JWK cognito-local signs with.
func cognitoLocalKey(t *testing.T) jwk.Key {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(cognitoLocalKeyFile))
	if err != nil {
		t.Fatalf("read cognito-local's key: %v", err)
	}
	var file struct {
		JWK json.RawMessage `json:"jwk"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatalf("decode %s: %v", cognitoLocalKeyFile, err)
	}
	key, err := jwk.ParseKey(file.JWK)
	if err != nil {
		t.Fatalf("parse cognito-local's key: %v", err)
	}
	return key
}

// waitUntilRefused waits until the stack answers c's GET /me with 401, and
// fails the test when that has not happened within the deadline, or when
// the call fails other than with an answer of the API.
func waitUntilRefused(t *testing.T, c *client.Client, within time.Duration) {
	t.Helper()
	e2ekit.Eventually(t, "the stack to refuse the expired token", within, func(ctx context.Context) (bool, error) {
		_, err := c.Me(ctx)
		var e *client.APIError
		switch {
		case errors.As(err, &e):
			return e.Status == 401, nil
		case errors.Is(err, context.DeadlineExceeded):
			return false, nil // a slow answer: ask again
		}
		return false, err
	})
}
