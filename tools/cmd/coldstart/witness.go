package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/dev/localkms"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
)

// witness is a loopback HTTP server that notes when every connection to it
// opened, so a measurement can tell whether a function called out during
// its init.
type witness struct {
	url string
	srv *http.Server

	mu     sync.Mutex
	opened []time.Time
}

func startWitness(h http.Handler) (*witness, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &witness{url: "http://" + ln.Addr().String()}
	w.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			w.mu.Lock()
			w.opened = append(w.opened, time.Now())
			w.mu.Unlock()
		}
	}}
	go w.srv.Serve(ln) //nolint:errcheck // Serve returns when Close is called.
	return w, nil
}

// between counts the connections opened from a to b.
func (w *witness) between(a, b time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, t := range w.opened {
		if !t.Before(a) && !t.After(b) {
			n++
		}
	}
	return n
}

func (w *witness) close() { _ = w.srv.Close() }

// witnesses are every service a function may call: DynamoDB (the local
// one behind a proxy, with the table), the token issuer (its JWKS) and the management API.
type witnesses struct {
	dynamo, issuer, management, kms *witness
	// db is the local DynamoDB the dynamo witness passes requests to, and
	// keys the local KMS the kms witness passes requests to, with the key
	// kmsKeyID that wraps the data keys of message encryption.
	db       *localdynamo.Server
	keys     *localkms.Server
	kmsKeyID string
}

// keyTable is the table of wrapped data keys beside table.
func keyTable(table string) string { return table + "-keys" }

func startWitnesses(ctx context.Context, table string) (*witnesses, error) {
	var ws witnesses
	var err error
	db, err := localdynamo.Start()
	if err != nil {
		return nil, err
	}
	target, err := url.Parse(db.Endpoint)
	if err != nil {
		db.Close()
		return nil, err
	}
	if ws.dynamo, err = startWitness(httputil.NewSingleHostReverseProxy(target)); err != nil {
		db.Close()
		return nil, err
	}
	ws.db = db
	if err := store.CreateTable(ctx, localdynamo.NewClient(ws.dynamo.url), table); err != nil {
		ws.close()
		return nil, err
	}
	if err := seal.CreateKeyTable(ctx, localdynamo.NewClient(ws.dynamo.url), keyTable(table)); err != nil {
		ws.close()
		return nil, err
	}
	if ws.keys, err = localkms.Start(ctx); err != nil {
		ws.close()
		return nil, err
	}
	if ws.kmsKeyID, err = ws.keys.CreateKey(ctx); err != nil {
		ws.close()
		return nil, err
	}
	kmsTarget, err := url.Parse(ws.keys.Endpoint)
	if err != nil {
		ws.close()
		return nil, err
	}
	if ws.kms, err = startWitness(httputil.NewSingleHostReverseProxy(kmsTarget)); err != nil {
		ws.close()
		return nil, err
	}
	if ws.issuer, err = startWitness(http.NotFoundHandler()); err != nil {
		ws.close()
		return nil, err
	}
	ws.management, err = startWitness(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	if err != nil {
		ws.close()
		return nil, err
	}
	return &ws, nil
}

// between counts the connections to any of them from a to b.
func (ws *witnesses) between(a, b time.Time) int {
	return ws.dynamo.between(a, b) + ws.issuer.between(a, b) + ws.management.between(a, b) + ws.kms.between(a, b)
}

func (ws *witnesses) close() {
	for _, w := range []*witness{ws.dynamo, ws.issuer, ws.management, ws.kms} {
		if w != nil {
			w.close()
		}
	}
	if ws.keys != nil {
		ws.keys.Close()
	}
	if ws.db != nil {
		ws.db.Close()
	}
}
