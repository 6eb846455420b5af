package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testAudit(t *testing.T, f factory) {
	e := f.new(t)
	days := []time.Time{t0, t0.Add(24 * time.Hour), t0.Add(72 * time.Hour)}
	var all []chat.AuditEntry
	for d, day := range days {
		for i := range 3 {
			entry := chat.AuditEntry{
				At: chat.At(day.Add(time.Duration(i) * time.Hour)), Actor: fmt.Sprintf("staff-%d", i),
				Action: chat.AuditConversationClaimed, Target: fmt.Sprintf("c%d%d", d, i),
			}
			if err := e.PutAudit(t.Context(), entry); err != nil {
				t.Fatal(err)
			}
			all = append(all, entry)
		}
	}
	targets := func(es []chat.AuditEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Target)
		}
		return out
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []chat.AuditEntry
	}{
		{"Everything", t0.Add(-time.Hour), t0.Add(100 * time.Hour), all},
		{"BoundsAreInclusive", all[1].At.Time, all[7].At.Time, all[1:8]},
		{"OneDay", days[1], days[1].Add(23 * time.Hour), all[3:6]},
		{"EmptyDayBetween", days[1].Add(3 * time.Hour), days[2].Add(-time.Hour), nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 4, 50} {
			t.Run(fmt.Sprintf("%s/PagesOf%d", tt.name, limit), func(t *testing.T) {
				var got []chat.AuditEntry
				after := ""
				for range 20 {
					page, err := e.ListAudit(t.Context(), tt.from, tt.to, after, limit)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Items) > limit {
						t.Fatalf("page of %d, limit %d", len(page.Items), limit)
					}
					got = append(got, page.Items...)
					if after = page.Next; after == "" {
						break
					}
				}
				if !slices.Equal(targets(got), targets(tt.want)) {
					t.Errorf("listed %v, want %v", targets(got), targets(tt.want))
				}
				for i := range got {
					if got[i].Actor != tt.want[i].Actor || got[i].Action != tt.want[i].Action || !got[i].At.Equal(tt.want[i].At.Time) || got[i].ID == "" {
						t.Errorf("entry %d = %+v, want %+v", i, got[i], tt.want[i])
					}
				}
			})
		}
	}
	t.Run("BadPosition", func(t *testing.T) {
		_, err := e.ListAudit(t.Context(), t0, t0.Add(time.Hour), "garbage", 5)
		wantCode(t, err, chat.CodeBadRequest)
	})
}
