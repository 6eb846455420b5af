// Package authtest is a fake Cognito user pool for tests: an httptest server
// that publishes a JWKS and counts its fetches, and helpers that mint access
// and id tokens signed with the pool's keys, with chosen claims. Point an
// auth.Verifier (or app.Config's Issuer and ClientID) at an Issuer and its
// tokens verify as Cognito's would.
package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// DefaultClientID is the app client id an Issuer's tokens carry.
const DefaultClientID = "confide-test-client"

// DefaultKeyID is the kid under which NewIssuer publishes Key(0), and the
// kid tokens are signed with unless SignedBy says otherwise.
const DefaultKeyID = "k1"

// poolPath is the path of the issuer URL on the test server, like a
// Cognito pool id after the region host.
const poolPath = "/local_pool"

// keys are generated once per process: RSA key generation is slow under
// -race.
var keys = sync.OnceValue(func() []*rsa.PrivateKey {
	ks := make([]*rsa.PrivateKey, 3)
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("authtest: generate RSA key: " + err.Error())
		}
		ks[i] = k
	}
	return ks
})

// Key returns test RSA key i (0, 1 or 2). The keys are made once per test
// binary and are the same for every Issuer; NewIssuer publishes Key(0).
func Key(i int) *rsa.PrivateKey { return keys()[i] }

// PublishedKey is one entry of an Issuer's JWKS.
type PublishedKey struct {
	// ID is the key's kid.
	ID string
	// Key is the private key; its public half is published.
	Key *rsa.PrivateKey
	// Use is the JWK "use" ("sig", "enc"); empty leaves it out.
	Use string
}

// Issuer is a fake Cognito user pool serving its JWKS at
// URL + "/.well-known/jwks.json". It is safe for concurrent use once set up.
type Issuer struct {
	// URL is the issuer: the iss claim of its tokens and the base of its
	// JWKS URL.
	URL string
	// ClientID is the client_id (access tokens) or aud (id tokens) its
	// tokens carry.
	ClientID string
	// Now is the clock for iat, auth_time and exp (default time.Now). Set
	// it before minting tokens.
	Now func() time.Time

	t       testing.TB
	srv     *httptest.Server
	fetches atomic.Int64
	down    atomic.Bool
	started chan struct{}

	mu   sync.Mutex
	jwks []byte
	hold chan struct{}
}

// NewIssuer starts an Issuer publishing Key(0) under kid DefaultKeyID with
// use "sig". Its server is closed when the test ends; t also fails the test
// should minting or publishing ever fail, so an Issuer belongs to one test.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{
		t:        t,
		ClientID: DefaultClientID,
		Now:      time.Now,
		started:  make(chan struct{}, 100),
	}
	iss.Publish(PublishedKey{ID: DefaultKeyID, Key: Key(0), Use: "sig"})
	iss.srv = httptest.NewServer(http.HandlerFunc(iss.serveJWKS))
	t.Cleanup(iss.srv.Close)
	iss.URL = iss.srv.URL + poolPath
	return iss
}

// HTTPClient returns a client for the Issuer's server, for the verifier's
// JWKS fetches.
func (iss *Issuer) HTTPClient() *http.Client { return iss.srv.Client() }

// Close stops the server: from then on every JWKS fetch fails to connect.
func (iss *Issuer) Close() { iss.srv.Close() }

// Fetches returns how many JWKS requests the Issuer has received.
func (iss *Issuer) Fetches() int { return int(iss.fetches.Load()) }

// FetchStarted receives a value (while its buffer of 100 has room) each time
// a JWKS request arrives, before any Hold takes effect.
func (iss *Issuer) FetchStarted() <-chan struct{} { return iss.started }

// SetDown makes the JWKS endpoint answer 503 while down is true.
func (iss *Issuer) SetDown(down bool) { iss.down.Store(down) }

// Hold makes every JWKS request wait until release is called.
func (iss *Issuer) Hold() (release func()) {
	ch := make(chan struct{})
	iss.mu.Lock()
	iss.hold = ch
	iss.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			iss.mu.Lock()
			iss.hold = nil
			iss.mu.Unlock()
			close(ch)
		})
	}
}

// Publish replaces the keys the JWKS serves. Every key is published as RS256.
func (iss *Issuer) Publish(keys ...PublishedKey) {
	t := iss.t
	t.Helper()
	set := jwk.NewSet()
	for _, p := range keys {
		k, err := jwk.Import(&p.Key.PublicKey)
		must(t, err)
		must(t, k.Set(jwk.KeyIDKey, p.ID))
		must(t, k.Set(jwk.AlgorithmKey, jwa.RS256()))
		if p.Use != "" {
			must(t, k.Set(jwk.KeyUsageKey, p.Use))
		}
		must(t, set.AddKey(k))
	}
	doc, err := json.Marshal(set)
	must(t, err)
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.jwks = doc
}

func (iss *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	iss.fetches.Add(1)
	select {
	case iss.started <- struct{}{}:
	default:
	}
	iss.mu.Lock()
	hold := iss.hold
	iss.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if r.URL.Path != poolPath+"/.well-known/jwks.json" || iss.down.Load() {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	iss.mu.Lock()
	doc := iss.jwks
	iss.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}

// Claims returns the claims of a valid Cognito access token for sub and
// username at the Issuer's now, valid for an hour. groups, when not nil,
// become cognito:groups.
func (iss *Issuer) Claims(sub, username string, groups []string) map[string]any {
	now := iss.Now()
	c := map[string]any{
		"sub":       sub,
		"iss":       iss.URL,
		"client_id": iss.ClientID,
		"token_use": "access",
		"scope":     "aws.cognito.signin.user.admin",
		"auth_time": now.Unix(),
		"iat":       now.Unix(),
		"exp":       now.Add(time.Hour).Unix(),
		"jti":       "b1f6b3a0-1111-4222-8333-444455556666",
		"username":  username,
	}
	if groups != nil {
		c["cognito:groups"] = groups
	}
	return c
}

// TokenOption changes a token being minted.
type TokenOption func(*tokenOptions)

type tokenOptions struct {
	edit map[string]any
	kid  string
	key  *rsa.PrivateKey
}

// WithClaims sets claims on the token; a nil value deletes the claim. For
// example WithClaims(map[string]any{"exp": past.Unix()}) mints an expired
// token and WithClaims(map[string]any{"client_id": "other"}) one for another
// app client.
func WithClaims(edit map[string]any) TokenOption {
	return func(o *tokenOptions) {
		if o.edit == nil {
			o.edit = map[string]any{}
		}
		for k, v := range edit {
			o.edit[k] = v
		}
	}
}

// SignedBy signs the token with key under kid instead of Key(0) under
// DefaultKeyID (a kid the JWKS does not publish, or a key it does not hold,
// makes a token that must be refused).
func SignedBy(kid string, key *rsa.PrivateKey) TokenOption {
	return func(o *tokenOptions) { o.kid, o.key = kid, key }
}

func collect(opts []TokenOption) tokenOptions {
	o := tokenOptions{kid: DefaultKeyID, key: Key(0)}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// AccessToken mints a valid access token (token_use "access") for sub and
// username, with cognito:groups when groups is not nil, changed by opts.
func (iss *Issuer) AccessToken(sub, username string, groups []string, opts ...TokenOption) string {
	iss.t.Helper()
	return iss.mint(iss.Claims(sub, username, groups), opts)
}

// IDToken mints an id token (token_use "id", aud instead of client_id) for
// sub and username, changed by opts: what a verifier of access tokens must
// refuse.
func (iss *Issuer) IDToken(sub, username string, opts ...TokenOption) string {
	iss.t.Helper()
	c := iss.Claims(sub, username, nil)
	delete(c, "client_id")
	delete(c, "scope")
	c["aud"] = iss.ClientID
	c["token_use"] = "id"
	return iss.mint(c, opts)
}

func (iss *Issuer) mint(claims map[string]any, opts []TokenOption) string {
	iss.t.Helper()
	o := collect(opts)
	for k, v := range o.edit {
		if v == nil {
			delete(claims, k)
			continue
		}
		claims[k] = v
	}
	return sign(iss.t, o.kid, o.key, claims)
}

// Sign signs any payload (a claims map, or something that is not one) as a
// compact RS256 JWS with Key(0) under DefaultKeyID, or as SignedBy says;
// WithClaims is ignored.
func (iss *Issuer) Sign(payload any, opts ...TokenOption) string {
	iss.t.Helper()
	o := collect(opts)
	return sign(iss.t, o.kid, o.key, payload)
}

func sign(t testing.TB, kid string, key *rsa.PrivateKey, payload any) string {
	t.Helper()
	body, err := json.Marshal(payload)
	must(t, err)
	hdr := jws.NewHeaders()
	must(t, hdr.Set(jws.KeyIDKey, kid))
	tok, err := jws.Sign(body, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	must(t, err)
	return string(tok)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
