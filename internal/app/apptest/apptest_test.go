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
