package apptest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Posts is the API Gateway management API of a Stack, on an httptest
// server: it records every PostToConnection and answers 410 GoneException
// for the connections marked gone, 200 for the others; it records every
// DeleteConnection too, after which the connection is gone.
type Posts struct {
	url string

	mu      sync.Mutex
	posts   []Post
	gone    map[string]bool
	deletes []string
}

// Post is one PostToConnection call.
type Post struct {
	ConnectionID string
	Data         string
}

func newPosts(t testing.TB) *Posts {
	p := &Posts{gone: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /@connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		id := r.PathValue("id")
		p.mu.Lock()
		p.posts = append(p.posts, Post{ConnectionID: id, Data: buf.String()})
		gone := p.gone[id]
		p.mu.Unlock()
		if gone {
			writeGone(w)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("DELETE /@connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		p.mu.Lock()
		p.deletes = append(p.deletes, id)
		gone := p.gone[id]
		p.gone[id] = true
		p.mu.Unlock()
		if gone {
			writeGone(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// writeGone answers as the management API does for a connection that is
// not open.
func writeGone(w http.ResponseWriter) {
	w.Header().Set("X-Amzn-ErrorType", "GoneException")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusGone)
	_, _ = w.Write([]byte(`{"message":null}`))
}

// Deletes returns the connections closed through DeleteConnection so far,
// in order.
func (p *Posts) Deletes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.deletes...)
}

// MarkGone makes posts to the connection id answer 410 from now on.
func (p *Posts) MarkGone(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gone[id] = true
}

// All returns every post so far, in order.
func (p *Posts) All() []Post {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Post(nil), p.posts...)
}

// Count returns how many posts there have been.
func (p *Posts) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.posts)
}

// Since returns the data of the posts after the first n, by connection id.
func (p *Posts) Since(n int) map[string][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string][]string{}
	for _, post := range p.posts[n:] {
		out[post.ConnectionID] = append(out[post.ConnectionID], post.Data)
	}
	return out
}
