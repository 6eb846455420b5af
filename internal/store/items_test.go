package store_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/chat/storetest"
)

// These tests look at the table's items themselves, which only this store
// has; what any reader sees of the same data is the contract's
// (storetest: EraseUser, DeleteExpired, Connections).

// dump returns every item of the test's table as "pk|sk" -> attributes,
// read with a client of its own: the test may Scan, the store may not.
func (e *env) dump(t *testing.T) map[string]map[string]any {
	t.Helper()
	raw := local.Client(t.Context())
	out := map[string]map[string]any{}
	pages := dynamodb.NewScanPaginator(raw, &dynamodb.ScanInput{TableName: &e.table})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprint(m["pk"], "|", m["sk"])] = m
		}
	}
	return out
}

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

// TestEraseUser: erasure deletes every item that holds anything of the
// client (memberships, markers, rate windows, the lock), nothing else, and
// counts the items it deleted.
func TestEraseUser(t *testing.T) {
	e := newEnv(t, atT0)
	storetest.SeedErasure(t, e)
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
}

// TestDeleteExpired: the sweep deletes exactly the expired items, each
// connection with all four of its items and an expired conversation record
// with its whole partition, in batches of its limit, counting items.
func TestDeleteExpired(t *testing.T) {
	e := newEnv(t, atT0)
	sc := storetest.SeedExpiry(t, e)
	day := sc.Day
	before := e.dump(t)
	var want []string
	for k, it := range before {
		switch {
		case strings.HasPrefix(k, "CONV#cclosed|"),
			k == "CONV#c24|MSG#"+day[0].ID, k == "CONV#c24|CMID#"+day[0].ClientMessageID, k == "CONV#c24|READ#staff-1",
			it["id"] == "k1", it["id"] == "f1":
			want = append(want, k)
		}
	}
	sort.Strings(want)
	if len(want) != 14 {
		t.Fatalf("setup: %d items should expire, want 14: %v", len(want), want)
	}
	total := 0
	for range 10 {
		n, err := e.DeleteExpired(t.Context(), sc.Now, 4)
		if err != nil {
			t.Fatal(err)
		}
		if n > 4 {
			t.Fatalf("DeleteExpired(limit 4) removed %d", n)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != len(want) {
		t.Errorf("removed %d items in all, want %d", total, len(want))
	}
	after := e.dump(t)
	var gone []string
	for k := range before {
		if _, ok := after[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	if strings.Join(gone, " ") != strings.Join(want, " ") {
		t.Errorf("removed %v\nwant %v", gone, want)
	}
}

// TestFanOutIsOneQuery: each connection lookup a fan-out makes is exactly
// one DynamoDB Query, whatever it finds.
func TestFanOutIsOneQuery(t *testing.T) {
	e := newEnv(t, atT0)
	now := storetest.SeedConnections(t, e)
	for _, tt := range storetest.ConnectionListings {
		t.Run(tt.Name, func(t *testing.T) {
			before := e.ops.count()
			if _, err := tt.List(t.Context(), e, now); err != nil {
				t.Fatal(err)
			}
			if calls := e.ops.since(before); !slices.Equal(calls, []string{"Query"}) {
				t.Errorf("fan-out issued %v, want exactly one Query", calls)
			}
		})
	}
}
