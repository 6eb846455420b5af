package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// testReaderConditions: a store holds the need-to-know conditions at the
// write (Reader: waiting unassigned or the counsellor's own; ClaimableBy:
// unassigned or theirs), whatever changed since the caller read.
func testReaderConditions(t *testing.T, f factory) {
	e := f.new(t)
	e.mustCreate(t, conversation("waiting", "u1", chat.Retention24h, t0))
	e.mustCreate(t, conversation("sams", "u2", chat.Retention24h, t0))
	e.mustCreate(t, conversation("samsclosed", "u3", chat.Retention24h, t0))
	e.mustCreate(t, conversation("unclaimed", "u4", chat.Retention24h, t0))
	sam, kim := "sam", "kim"
	for _, id := range []string{"sams", "samsclosed"} {
		if _, err := e.UpdateConversation(t.Context(), id, chat.ConversationUpdate{Assignee: &sam}); err != nil {
			t.Fatal(err)
		}
	}
	e.mustClose(t, "samsclosed", t0, nil)
	e.mustClose(t, "unclaimed", t0, nil)
	yes := true
	forbidden, conflict := chat.Sentinel(chat.CodeForbidden), chat.Sentinel(chat.CodeConflict)
	tests := []struct {
		name string
		id   string
		k    chat.Condition
		want error
	}{
		{"ReaderOfAWaitingOne", "waiting", chat.Condition{Reader: kim}, nil},
		{"ReaderWhoIsTheAssignee", "sams", chat.Condition{Reader: sam}, nil},
		{"ReaderWhoIsTheAssigneeOfAClosedOne", "samsclosed", chat.Condition{Reader: sam}, nil},
		{"ReaderOfAColleagues", "sams", chat.Condition{Reader: kim}, forbidden},
		{"ReaderOfAColleaguesClosed", "samsclosed", chat.Condition{Reader: kim}, forbidden},
		{"ReaderOfOneClosedUnclaimed", "unclaimed", chat.Condition{Reader: sam}, forbidden},
		{"ClaimableWhenUnassigned", "waiting", chat.Condition{ClaimableBy: kim}, nil},
		{"ClaimableAgainByTheAssignee", "sams", chat.Condition{ClaimableBy: sam}, nil},
		{"NotClaimableOnceAColleagueHasIt", "sams", chat.Condition{ClaimableBy: kim}, conflict},
		{"AssigneeWhoHasIt", "sams", chat.Condition{Assignee: sam}, nil},
		{"AssigneeOfAWaitingOne", "waiting", chat.Condition{Assignee: kim}, forbidden},
		{"AssigneeOfAColleagues", "sams", chat.Condition{Assignee: kim}, forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := e.GetConversation(t.Context(), tt.id, t0.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.UpdateConversation(t.Context(), tt.id, chat.ConversationUpdate{If: tt.k, UserDeleted: &yes})
			if tt.want == nil && err != nil {
				t.Fatalf("error = %v, want none", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			after, err := e.GetConversation(t.Context(), tt.id, t0.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if changed := after.Deleted != before.Deleted; changed != (tt.want == nil) {
				t.Errorf("the write changed the record: %t, want %t", changed, tt.want == nil)
			}
			// Put the record back for the next case.
			no := false
			if _, err := e.UpdateConversation(t.Context(), tt.id, chat.ConversationUpdate{UserDeleted: &no}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// testStaffPostsOnlyWhenAssigned: a staff message is stored on the
// condition the service sets (chat.PostCondition), which requires the
// conversation to be assigned to its sender: not while it waits unclaimed,
// not once a colleague has it (a reassignment between the sender's read and
// the write cannot slip through), and it stores nothing when refused.
func testStaffPostsOnlyWhenAssigned(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
	sam := chat.Identity{UserID: "sam", Role: chat.RoleStaff}
	kai := chat.Identity{UserID: "kai", Role: chat.RoleStaff, Supervisor: true}
	put := func(who chat.Identity, at time.Time) error {
		m := message(ids.at(at), "c1", who.UserID, chat.RoleStaff, at)
		m.Owner, m.ExpiresAt = "u1", chat.Retention24h.Expiry(at)
		_, _, err := e.PutMessage(t.Context(), m, chat.PostCondition(who, chat.Retention24h))
		return err
	}
	assign := func(to string) {
		if _, err := e.UpdateConversation(t.Context(), "c1", chat.ConversationUpdate{Assignee: &to}); err != nil {
			t.Fatal(err)
		}
	}
	forbidden := chat.Sentinel(chat.CodeForbidden)
	steps := []struct {
		name     string
		assignee string // "" leaves it as it is
		who      chat.Identity
		want     error
	}{
		{"CounsellorWhileItWaits", "", sam, forbidden},
		{"SupervisorWhileItWaits", "", kai, forbidden},
		{"CounsellorOnceTheirs", "sam", sam, nil},
		{"SupervisorInACounsellors", "", kai, forbidden},
		{"CounsellorOnceReassigned", "kai", sam, forbidden},
		{"SupervisorOnceTheirs", "", kai, nil},
	}
	stored := 0
	for i, st := range steps {
		if st.assignee != "" {
			assign(st.assignee)
		}
		err := put(st.who, t0.Add(time.Duration(i+1)*time.Second))
		if st.want == nil && err != nil || st.want != nil && !errors.Is(err, st.want) {
			t.Fatalf("%s: error = %v, want %v", st.name, err, st.want)
		}
		if err == nil {
			stored++
		}
		page, err := e.ListMessages(t.Context(), "c1", chat.MessageRange{Limit: 10}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != stored {
			t.Fatalf("%s: %d messages stored, want %d", st.name, len(page.Items), stored)
		}
	}
}

// testStaffDirectory: members are entered, refreshed and listed by
// username; a display name once chosen stays when a refresh brings none.
func testStaffDirectory(t *testing.T, f factory) {
	e := f.new(t)
	ctx := t.Context()
	if _, err := e.GetStaffMember(ctx, "nobody"); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
		t.Fatalf("GetStaffMember of nobody = %v, want not_found", err)
	}
	list, err := e.ListStaffMembers(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("an empty directory lists %+v, %v", list, err)
	}
	steps := []chat.StaffMember{
		{UserID: "s2", Username: "zoe", LastSeenAt: chat.At(t0)},
		{UserID: "s1", Username: "ann", DisplayName: "Ann", LastSeenAt: chat.At(t0)},
		{UserID: "s1", Username: "ann", Supervisor: true, LastSeenAt: chat.At(t0.Add(time.Hour))},
	}
	for _, m := range steps {
		if err := e.PutStaffMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.GetStaffMember(ctx, "s1")
	want := chat.StaffMember{UserID: "s1", Username: "ann", DisplayName: "Ann", Supervisor: true, LastSeenAt: chat.At(t0.Add(time.Hour))}
	if err != nil || got != want {
		t.Errorf("GetStaffMember(s1) = %+v, %v; want %+v", got, err, want)
	}
	list, err = e.ListStaffMembers(ctx)
	if err != nil || len(list) != 2 || list[0].Username != "ann" || list[1].Username != "zoe" {
		t.Errorf("ListStaffMembers = %+v, %v; want ann then zoe", list, err)
	}
}

// testAssigneeNameAndFeedbackMarks: an assignee's display name is kept
// with the assignee and removed by an empty one; feedback leaves its time
// and whether it came with a comment on the record in every read, the
// comment itself in GetConversation.
func testAssigneeNameAndFeedbackMarks(t *testing.T, f factory) {
	e := f.new(t)
	ctx := t.Context()
	e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
	e.mustCreate(t, conversation("c2", "u2", chat.Retention24h, t0))
	sam, name, none := "sam", "Sam", ""
	c, err := e.UpdateConversation(ctx, "c1", chat.ConversationUpdate{Assignee: &sam, AssigneeName: &name})
	if err != nil || c.AssigneeName == nil || *c.AssigneeName != "Sam" {
		t.Fatalf("assign with a name = %v, %v; want Sam", c.AssigneeName, err)
	}
	if c, _ = e.GetConversation(ctx, "c1", t0); c.AssigneeName == nil || *c.AssigneeName != "Sam" {
		t.Fatalf("read back: assigneeName %v, want Sam", c.AssigneeName)
	}
	if c, err = e.UpdateConversation(ctx, "c1", chat.ConversationUpdate{Assignee: &sam, AssigneeName: &none}); err != nil || c.AssigneeName != nil {
		t.Fatalf("assign without a name = %v, %v; want none", c.AssigneeName, err)
	}
	for _, id := range []string{"c1", "c2"} {
		e.mustClose(t, id, t0.Add(time.Minute), nil)
	}
	at := chat.At(t0.Add(2 * time.Minute))
	for id, comment := range map[string]string{"c1": "it helped", "c2": ""} {
		if _, err := e.UpdateConversation(ctx, id, chat.ConversationUpdate{If: chat.Condition{Unrated: true},
			Feedback: &chat.Feedback{Rating: 4, Comment: comment, At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	_, closed, err := e.StatsSample(ctx, 10, t0.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range closed {
		if c.RatedAt == nil || !c.RatedAt.Equal(at.Time) || c.HasComment != (c.ID == "c1") {
			t.Errorf("%s in the sample: ratedAt %v, hasComment %t; want %v, %t", c.ID, c.RatedAt, c.HasComment, at, c.ID == "c1")
		}
	}
	if c, _ = e.GetConversation(ctx, "c1", t0.Add(3*time.Minute)); c.Comment != "it helped" || !c.HasComment {
		t.Errorf("GetConversation comment = %q (hasComment %t), want it", c.Comment, c.HasComment)
	}
}
