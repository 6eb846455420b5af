package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/store"
)

// mentions lists the items that hold s in any attribute.
func mentions(items map[string]map[string]any, s ...string) []string {
	var found []string
	for k, it := range items {
		text := fmt.Sprint(it)
		for _, x := range s {
			if strings.Contains(text, x) {
				found = append(found, k)
				break
			}
		}
	}
	slices.Sort(found)
	return found
}

func TestEraseUser(t *testing.T) {
	e := newEnv(t)
	ids := newIDs()
	// alice: a closed, user-deleted conversation and an active one, with
	// messages both ways, read markers, connections and a rate window.
	e.mustCreate(t, conversation("alice-old", "alice-sub", chat.Retention24h, t0))
	e.mustPut(t, message(ids.at(t0), "alice-old", "alice-sub", chat.RoleClient, t0), chat.Retention24h)
	e.mustClose(t, "alice-old", t0.Add(time.Hour), nil)
	yes := true
	if _, err := e.UpdateConversation(t.Context(), "alice-old", chat.ConversationUpdate{UserDeleted: &yes}); err != nil {
		t.Fatal(err)
	}
	e.mustCreate(t, conversation("alice-now", "alice-sub", chat.RetentionPermanent, t0.Add(2*time.Hour)))
	for i, role := range []chat.Role{chat.RoleClient, chat.RoleStaff} {
		sender := map[chat.Role]string{chat.RoleClient: "alice-sub", chat.RoleStaff: "staff-sub"}[role]
		at := t0.Add(2*time.Hour + time.Duration(i)*time.Minute)
		m := e.mustPut(t, message(ids.at(at), "alice-now", sender, role, at), chat.RetentionPermanent)
		for _, reader := range []string{"alice-sub", "staff-sub"} {
			if err := e.PutReadMarker(t.Context(), "alice-now", reader, m.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []chat.Connection{
		connection("alice-conn", "alice-sub", chat.RoleClient, "alice-now"),
		connection("staff-conn", "staff-sub", chat.RoleStaff, "alice-now"),
		connection("staff-feed", "staff-sub", chat.RoleStaff, ""),
		connection("bob-conn", "bob-sub", chat.RoleClient, "bob-now"),
	} {
		if err := e.PutConnection(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Hit(t.Context(), "alice-sub", t0, 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	// bob: untouched by alice's erasure.
	e.mustCreate(t, conversation("bob-now", "bob-sub", chat.RetentionPermanent, t0))
	e.mustPut(t, message(ids.at(t0), "bob-now", "bob-sub", chat.RoleClient, t0), chat.RetentionPermanent)

	before := e.dump(t)
	alice := mentions(before, "alice-")
	bob := mentions(before, "bob-")
	n, err := e.EraseUser(t.Context(), "alice-sub")
	if err != nil {
		t.Fatal(err)
	}
	after := e.dump(t)
	if left := mentions(after, "alice-"); len(left) > 0 {
		t.Errorf("items of alice left after erasure: %v", left)
	}
	if n != len(before)-len(after) || n != len(alice) {
		t.Errorf("EraseUser = %d; %d items went, %d mentioned alice", n, len(before)-len(after), len(alice))
	}
	if got := mentions(after, "bob-"); !slices.Equal(got, bob) {
		t.Errorf("bob's items after = %v, want %v", got, bob)
	}
	if got, _ := e.ActiveConversationID(t.Context(), "alice-sub"); got != "" {
		t.Errorf("alice's lock survived: %q", got)
	}
	if feed, _ := e.FeedConnections(t.Context(), t0); len(feed) != 1 {
		t.Errorf("staff feed connections = %d, want 1", len(feed))
	}
	n, err = e.EraseUser(t.Context(), "alice-sub")
	if err != nil || n != 0 {
		t.Errorf("erasing again = %d, %v; want 0", n, err)
	}
}

func TestAudit(t *testing.T) {
	e := newEnv(t)
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

func TestCreateTable(t *testing.T) {
	e := newEnv(t)
	if err := store.CreateTable(t.Context(), e.db, e.table); err != nil {
		t.Errorf("CreateTable on an existing table error = %v, want nil", err)
	}
	out, err := e.db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	projections := map[string]types.ProjectionType{}
	for _, ix := range out.Table.GlobalSecondaryIndexes {
		projections[aws.ToString(ix.IndexName)] = ix.Projection.ProjectionType
	}
	want := map[string]types.ProjectionType{
		store.IndexUser: types.ProjectionTypeAll, store.IndexStatus: types.ProjectionTypeAll, store.IndexExpiry: types.ProjectionTypeKeysOnly,
	}
	for name, p := range want {
		if projections[name] != p {
			t.Errorf("index %s projection = %q, want %q", name, projections[name], p)
		}
	}
	in := store.CreateTableInput("x")
	if in.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %s, want on demand", in.BillingMode)
	}
	if got := len(in.AttributeDefinitions); got != 8 {
		t.Errorf("%d attribute definitions, want 8 (pk, sk and three index key pairs)", got)
	}
}
