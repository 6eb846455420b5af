package auth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

const (
	// fetchTimeout bounds one JWKS fetch.
	fetchTimeout = 10 * time.Second
	// quietPeriod is how long no JWKS fetch is made after a failed fetch or
	// after a fetch that did not hold the key asked for, so forged kids
	// cannot make the verifier hammer the issuer.
	quietPeriod = 10 * time.Second
	// maxJWKSSize bounds the JWKS document read.
	maxJWKSSize = 1 << 20
)

// keyCache holds the issuer's RS256 signing keys by kid. It fetches the JWKS
// lazily, at most one fetch at a time (concurrent callers wait for it), and
// re-fetches only for an unknown kid and not within quietPeriod of a failed
// or fruitless fetch.
type keyCache struct {
	url    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger

	mu         sync.Mutex
	keys       map[string]*rsa.PublicKey
	quietUntil time.Time
	// fetchFailed: the last fetch failed (the issuer did not answer, or
	// not with a JWKS), as opposed to answering without the key asked for.
	fetchFailed bool
	inflight    *fetchCall
}

// fetchCall is one JWKS fetch that several callers may wait for.
type fetchCall struct {
	done chan struct{}
	err  error
}

func newKeyCache(url string, client *http.Client, now func() time.Time, log *slog.Logger) *keyCache {
	return &keyCache{url: url, client: client, now: now, log: log}
}

// errUnknownKey is the cause when no usable key has the token's kid.
var errUnknownKey = errors.New("no signing key with the token's kid")

// errKeysUnavailable is a key that could not be looked up because the
// issuer's keys could not be fetched: the token may be fine.
var errKeysUnavailable = errors.New("the issuer's signing keys could not be fetched")

// key returns the signing key with id kid, fetching the JWKS when kid is not
// cached and fetching is allowed.
func (c *keyCache) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	c.mu.Lock()
	if k, ok := c.keys[kid]; ok {
		c.mu.Unlock()
		return k, nil
	}
	call := c.inflight
	if call == nil {
		if c.now().Before(c.quietUntil) {
			why := errUnknownKey
			if c.fetchFailed {
				why = errKeysUnavailable
			}
			c.mu.Unlock()
			return nil, fmt.Errorf("%w (JWKS not re-fetched until %s)", why, c.quietUntil.UTC().Format(time.RFC3339))
		}
		call = &fetchCall{done: make(chan struct{})}
		c.inflight = call
		c.mu.Unlock()
		// The fetch is shared: one caller's cancellation must not fail it
		// for the others, so it runs on its own deadline.
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		c.refresh(fetchCtx, call)
		cancel()
	} else {
		c.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for JWKS: %w: %w", errKeysUnavailable, ctx.Err())
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if call.err != nil {
		return nil, fmt.Errorf("%w: %w", errKeysUnavailable, call.err)
	}
	if k, ok := c.keys[kid]; ok {
		return k, nil
	}
	if q := c.now().Add(quietPeriod); q.After(c.quietUntil) {
		c.quietUntil = q
	}
	return nil, errUnknownKey
}

// refresh fetches the JWKS and, on success, replaces the cached keys; on
// failure it keeps them and starts a quiet period. It ends call.
func (c *keyCache) refresh(ctx context.Context, call *fetchCall) {
	keys, err := c.fetch(ctx)
	c.mu.Lock()
	c.fetchFailed = err != nil
	if err != nil {
		call.err = err
		c.quietUntil = c.now().Add(quietPeriod)
		c.log.WarnContext(ctx, "JWKS fetch failed", "url", c.url, "error", err.Error())
	} else {
		c.keys = keys
		c.log.InfoContext(ctx, "JWKS fetched", "url", c.url, "keys", len(keys))
	}
	c.inflight = nil
	c.mu.Unlock()
	close(call.done)
}

// fetch downloads the JWKS and keeps the keys usable for RS256 signatures:
// RSA, with a kid, use "sig" or unset, alg RS256 or unset.
func (c *keyCache) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	set, err := jwk.Fetch(ctx, c.url, jwk.WithHTTPClient(c.client), jwk.WithMaxFetchBodySize(maxJWKSSize))
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey, set.Len())
	for i := range set.Len() {
		k, _ := set.Key(i)
		kid, ok := k.KeyID()
		if !ok || kid == "" || k.KeyType() != jwa.RSA() {
			continue
		}
		if use, ok := k.KeyUsage(); ok && use != string(jwk.ForSignature) {
			continue
		}
		if alg, ok := k.Algorithm(); ok && alg.String() != jwa.RS256().String() {
			continue
		}
		var pub rsa.PublicKey
		if err := jwk.Export(k, &pub); err != nil {
			continue
		}
		keys[kid] = &pub
	}
	return keys, nil
}
