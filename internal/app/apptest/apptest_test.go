package apptest

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPostsRecordsEveryPostAndAnswersGoneForMarkedConnections(t *testing.T) {
	p := newPosts(t)
	p.MarkGone("gone1")
	send := func(id, data string) int {
		t.Helper()
		res, err := http.Post(p.url+"/@connections/"+id, "application/json", strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := send("live1", `{"n":1}`); got != http.StatusOK {
		t.Errorf("post to a live connection: status = %d, want 200", got)
	}
	if got := send("gone1", `{"n":2}`); got != http.StatusGone {
		t.Errorf("post to a gone connection: status = %d, want 410", got)
	}
	send("live1", `{"n":3}`)

	if got := p.Count(); got != 3 {
		t.Errorf("Count() = %d, want 3", got)
	}
	wantAll := []Post{{"live1", `{"n":1}`}, {"gone1", `{"n":2}`}, {"live1", `{"n":3}`}}
	if got := p.All(); !reflect.DeepEqual(got, wantAll) {
		t.Errorf("All() = %+v, want %+v", got, wantAll)
	}
	wantSince := map[string][]string{"gone1": {`{"n":2}`}, "live1": {`{"n":3}`}}
	if got := p.Since(1); !reflect.DeepEqual(got, wantSince) {
		t.Errorf("Since(1) = %v, want %v", got, wantSince)
	}
}

func TestClockStandsStillUntilMoved(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("Now() = %v, want %v", got, t0)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("after Advance: Now() = %v, want %v", got, want)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("after Set: Now() = %v, want %v", got, t0)
	}
}

func TestPostsRecordsDeletesAndTheConnectionIsGoneAfter(t *testing.T) {
	p := newPosts(t)
	do := func(method, id string) int {
		t.Helper()
		req, _ := http.NewRequest(method, p.url+"/@connections/"+id, strings.NewReader(`{}`))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := do(http.MethodDelete, "conn1"); got != http.StatusNoContent {
		t.Errorf("first delete: status = %d, want 204", got)
	}
	if got := do(http.MethodPost, "conn1"); got != http.StatusGone {
		t.Errorf("post after delete: status = %d, want 410", got)
	}
	if got := do(http.MethodDelete, "conn1"); got != http.StatusGone {
		t.Errorf("second delete: status = %d, want 410", got)
	}
	if got, want := p.Deletes(), []string{"conn1", "conn1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Deletes() = %v, want %v", got, want)
	}
}

func TestSequentialDepthCountsCallsThatWaitedOnEachOther(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(startMs, endMs int) Call {
		return Call{Service: "DynamoDB", Start: t0.Add(time.Duration(startMs) * time.Millisecond), End: t0.Add(time.Duration(endMs) * time.Millisecond)}
	}
	tests := []struct {
		name  string
		calls []Call
		want  int
	}{
		{"None", nil, 0},
		{"One", []Call{at(0, 10)}, 1},
		{"SideBySideCountOnce", []Call{at(0, 10), at(1, 12), at(2, 9)}, 1},
		{"OneAfterAnotherCountEach", []Call{at(0, 10), at(10, 20), at(21, 30)}, 3},
		{"ReadsSideBySideThenAWrite", []Call{at(0, 10), at(1, 25), at(2, 9), at(26, 40)}, 2},
		{"LongestChainWins", []Call{at(0, 50), at(0, 5), at(6, 10), at(11, 15), at(51, 60)}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SequentialDepth(tt.calls); got != tt.want {
				t.Errorf("SequentialDepth = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBeforeKeepsTheServiceCallsStartedBeforeTheFirstOfAnOperation(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	c := func(service, op string, ms int) Call {
		return Call{Service: service, Operation: op, Start: t0.Add(time.Duration(ms) * time.Millisecond)}
	}
	calls := []Call{c("DynamoDB", "GetItem", 0), c("DynamoDB", "TransactWriteItems", 5),
		c("ApiGatewayManagementApi", "PostToConnection", 10), c("DynamoDB", "BatchWriteItem", 12),
		c("ApiGatewayManagementApi", "PostToConnection", 11)}
	got := Before(calls, "DynamoDB", "PostToConnection")
	if len(got) != 2 || got[0].Operation != "GetItem" || got[1].Operation != "TransactWriteItems" {
		t.Errorf("Before = %+v, want GetItem and TransactWriteItems", got)
	}
	if all := Before(calls, "DynamoDB", "DeleteConnection"); len(all) != 3 {
		t.Errorf("Before an operation never called = %d calls, want every DynamoDB call (3)", len(all))
	}
}
