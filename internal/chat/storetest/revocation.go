package storetest

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testRevocation(t *testing.T, f factory) {
	e := f.new(t)
	if err := e.Revoke(t.Context(), "u1", t0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// revoke, when not zero, is revoked before reading.
		revoke time.Time
		user   string
		now    time.Time
		want   time.Time
	}{
		{name: "NeverRevokedIsZero", user: "u2", now: t0, want: time.Time{}},
		{name: "RevokedIsTheInstant", user: "u1", now: t0.Add(time.Hour), want: t0},
		{name: "AnEarlierRevocationKeepsTheLater", revoke: t0.Add(-time.Hour), user: "u1", now: t0, want: t0},
		{name: "ALaterRevocationReplacesIt", revoke: t0.Add(time.Minute), user: "u1", now: t0.Add(time.Hour), want: t0.Add(time.Minute)},
		{name: "ExpiredRecordIsZero", user: "u1", now: t0.Add(time.Minute + chat.RevocationLifetime), want: time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.revoke.IsZero() {
				if err := e.Revoke(t.Context(), tt.user, tt.revoke); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.RevokedAt(t.Context(), tt.user, tt.now)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("RevokedAt = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("ExpiredRecordIsSwept", func(t *testing.T) {
		if _, err := e.DeleteExpired(t.Context(), t0.Add(time.Minute+chat.RevocationLifetime), 0); err != nil {
			t.Fatal(err)
		}
		if got, err := e.RevokedAt(t.Context(), "u1", t0); err != nil || !got.IsZero() {
			t.Errorf("RevokedAt after the sweep = %v, %v; want the record gone", got, err)
		}
	})
}
