package devstack

import (
	"slices"
	"testing"

	"github.com/coder/websocket"
)

func TestConnectionIDsListTheOpenConnections(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	if got := s.gw.ConnectionIDs(); len(got) != 0 {
		t.Fatalf("before any connection: %v, want none", got)
	}
	first, a := s.dial(t, "first", nil)
	_, b := s.dial(t, "second", nil)
	want := []string{a, b}
	slices.Sort(want)
	if got := s.gw.ConnectionIDs(); !slices.Equal(got, want) {
		t.Errorf("two open: %v, want %v", got, want)
	}
	first.Close(websocket.StatusNormalClosure, "bye")
	s.disconnected(t, a)
	if got := s.gw.ConnectionIDs(); !slices.Equal(got, []string{b}) {
		t.Errorf("after the first closed: %v, want [%s]", got, b)
	}
}
