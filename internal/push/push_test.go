package push_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/push"
	"github.com/confidechat/confide/internal/testkit"
)

// managementAPI answers like API Gateway's management API: 410 Gone for
// connections in gone, 500 for those in broken, 200 otherwise, and records
// how many posts were in flight at once.
type managementAPI struct {
	gone, broken map[string]bool
	mu           sync.Mutex
	got          map[string]string
	inFlight     atomic.Int32
	maxInFlight  atomic.Int32
	release      chan struct{}
}

func (m *managementAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := m.inFlight.Add(1)
	defer m.inFlight.Add(-1)
	for {
		old := m.maxInFlight.Load()
		if n <= old || m.maxInFlight.CompareAndSwap(old, n) {
			break
		}
	}
	if m.release != nil {
		<-m.release
	}
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	body, _ := io.ReadAll(r.Body)
	switch {
	case m.gone[id]:
		w.Header().Set("X-Amzn-ErrorType", "GoneException")
		w.WriteHeader(http.StatusGone)
		w.Write([]byte(`{"message":"gone"}`))
	case m.broken[id]:
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"bad"}`))
	default:
		m.mu.Lock()
		m.got[id] = string(body)
		m.mu.Unlock()
	}
}

func newFanout(t *testing.T, m *managementAPI, concurrency int) *push.Fanout {
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	client := apigatewaymanagementapi.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	}, func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return push.New(client, concurrency, nil)
}

func TestDeliverReachesEveryoneDespiteFailures(t *testing.T) {
	m := &managementAPI{
		gone:   map[string]bool{"gone-1": true, "gone-2": true},
		broken: map[string]bool{"broken": true},
		got:    map[string]string{},
	}
	f := newFanout(t, m, 4)
	ids := []string{"a", "gone-1", "b", "broken", "c", "gone-2", "d"}
	var ds []chat.Delivery
	for _, id := range ids {
		ds = append(ds, chat.Delivery{ConnectionID: id, Frame: []byte(`{"to":"` + id + `"}`)})
	}
	gone := f.Deliver(context.Background(), ds)
	sort.Strings(gone)
	if strings.Join(gone, ",") != "gone-1,gone-2" {
		t.Errorf("gone = %v, want gone-1 and gone-2", gone)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if want := `{"to":"` + id + `"}`; m.got[id] != want {
			t.Errorf("connection %s got %q, want %q", id, m.got[id], want)
		}
	}
}

func TestDeliverBoundsConcurrency(t *testing.T) {
	m := &managementAPI{got: map[string]string{}, release: make(chan struct{})}
	f := newFanout(t, m, 3)
	var ds []chat.Delivery
	for i := range 12 {
		ds = append(ds, chat.Delivery{ConnectionID: "c" + string(rune('a'+i)), Frame: []byte("{}")})
	}
	done := make(chan []string)
	go func() { done <- f.Deliver(context.Background(), ds) }()
	// Hold every post until the bound is reached, then let them all go.
	reached := testkit.Within(time.Minute, func() bool { return m.inFlight.Load() >= 3 })
	close(m.release)
	<-done
	if !reached {
		t.Fatal("the posts in flight never reached the bound 3")
	}
	if got := m.maxInFlight.Load(); got != 3 {
		t.Errorf("at most %d posts were in flight, want the bound 3", got)
	}
	if len(m.got) != 12 {
		t.Errorf("%d connections received the frame, want 12", len(m.got))
	}
}

func TestDisconnectOfAGoneConnectionIsNotAnError(t *testing.T) {
	m := &managementAPI{gone: map[string]bool{"gone": true}, got: map[string]string{}}
	f := newFanout(t, m, 0)
	if err := f.Disconnect(context.Background(), "gone"); err != nil {
		t.Fatalf("Disconnect(gone) = %v, want nil", err)
	}
}
