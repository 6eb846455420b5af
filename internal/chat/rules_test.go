package chat_test

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// The rules of rules.go, each on its own: who may do what to which
// conversation or message, and why not.

// conv returns a conversation of alice in status s.
func conv(s chat.Status) chat.Conversation {
	return chat.Conversation{ID: "01JCONVERSATION0000000000A", UserID: alice.UserID, Status: s, Retention: chat.Retention24h}
}

// hidden returns c as its client hid it.
func hidden(c chat.Conversation) chat.Conversation { c.Deleted = true; return c }

// assigned returns c claimed by who.
func assigned(c chat.Conversation, who chat.Identity) chat.Conversation {
	c.Assignee = &who.UserID
	return c
}

// rated returns c with feedback given.
func rated(c chat.Conversation) chat.Conversation { c.Rating = 4; return c }

// refusal is the answer a rule gives: nil, or an error with a code and
// message (a message of "" is not checked), or exactly err.
type refusal struct {
	code    chat.Code
	message string
	err     error
}

var (
	allowed  = refusal{}
	notFound = refusal{code: chat.CodeNotFound, message: "Not found."}
	closed   = refusal{code: chat.CodeConflict, message: "This conversation is closed."}
	// colleagues is what a counsellor is told of a colleague's conversation.
	colleagues = refusal{code: chat.CodeForbidden, message: "This conversation is assigned to a colleague; only they and a supervisor can read it."}
	// unclaimed is what a counsellor is told of one that closed unclaimed.
	unclaimed = refusal{code: chat.CodeForbidden, message: "This conversation closed before anyone claimed it; only a supervisor can read it."}
	// claimFirst is what staff are told when they would reply unclaimed.
	claimFirst = refusal{code: chat.CodeForbidden, message: "Claim this conversation to reply."}
	// colleaguesReply is what a supervisor is told when they would reply in
	// a colleague's conversation.
	colleaguesReply = refusal{code: chat.CodeForbidden, message: "This conversation is assigned to a colleague; only they can reply (a supervisor can reassign it)."}
)

func conflict(message string) refusal { return refusal{code: chat.CodeConflict, message: message} }

// check fails unless got is the refusal r.
func (r refusal) check(t *testing.T, got error) {
	t.Helper()
	switch {
	case r.err != nil:
		if !errors.Is(got, r.err) {
			t.Fatalf("got %v, want %v", got, r.err)
		}
	case r.code == "":
		if got != nil {
			t.Fatalf("got %v, want allowed", got)
		}
	default:
		wantError(t, got, r.code, r.message)
	}
}

func TestCanRead(t *testing.T) {
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   bool
	}{
		{"ClientReadsTheirOwn", alice, conv(chat.StatusActive), true},
		{"ClientReadsTheirOwnClosed", alice, conv(chat.StatusClosed), true},
		{"ClientCannotReadWhatTheyHid", alice, hidden(conv(chat.StatusClosed)), false},
		{"ClientCannotReadAnothers", bob, conv(chat.StatusActive), false},
		{"CounsellorReadsAWaitingOne", sam, conv(chat.StatusActive), true},
		{"CounsellorReadsTheirs", sam, assigned(conv(chat.StatusActive), sam), true},
		{"CounsellorReadsTheirsClosed", sam, assigned(conv(chat.StatusClosed), sam), true},
		{"CounsellorReadsTheirsHidden", sam, hidden(assigned(conv(chat.StatusClosed), sam)), true},
		{"CounsellorCannotReadAColleagues", kim, assigned(conv(chat.StatusActive), sam), false},
		{"CounsellorCannotReadAColleaguesClosed", kim, assigned(conv(chat.StatusClosed), sam), false},
		{"CounsellorCannotReadOneClosedUnclaimed", sam, conv(chat.StatusClosed), false},
		{"SupervisorReadsEvery", kai, assigned(conv(chat.StatusActive), sam), true},
		{"SupervisorReadsClosedUnclaimed", kai, conv(chat.StatusClosed), true},
		{"SupervisorReadsHidden", kai, hidden(conv(chat.StatusClosed)), true},
		{"SupervisorFlagWithoutStaffIsAClient", chat.Identity{UserID: "x", Supervisor: true}, conv(chat.StatusActive), false},
		{"NoRoleIsAClient", chat.Identity{UserID: "nobody"}, conv(chat.StatusActive), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chat.CanRead(tt.caller, tt.c); got != tt.want {
				t.Errorf("CanRead = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCanPost(t *testing.T) {
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   refusal
	}{
		{"ClientToTheirActive", alice, conv(chat.StatusActive), allowed},
		{"ClientToTheirClosed", alice, conv(chat.StatusClosed), closed},
		{"ClientToAnothers", bob, conv(chat.StatusActive), notFound},
		{"ClientToAnothersClosedIsStillNotFound", bob, conv(chat.StatusClosed), notFound},
		{"ClientToWhatTheyHid", alice, hidden(conv(chat.StatusActive)), notFound},
		{"CounsellorToAWaitingOneMustClaimFirst", sam, conv(chat.StatusActive), claimFirst},
		{"CounsellorToTheirs", sam, assigned(conv(chat.StatusActive), sam), allowed},
		{"CounsellorToHiddenActiveUnclaimed", sam, hidden(conv(chat.StatusActive)), claimFirst},
		{"CounsellorToTheirHiddenActive", sam, assigned(hidden(conv(chat.StatusActive)), sam), allowed},
		{"CounsellorToAColleagues", kim, assigned(conv(chat.StatusActive), sam), colleagues},
		{"CounsellorToTheirsClosed", sam, assigned(conv(chat.StatusClosed), sam), closed},
		{"CounsellorToOneClosedUnclaimed", sam, conv(chat.StatusClosed), unclaimed},
		{"SupervisorToAColleagues", kai, assigned(conv(chat.StatusActive), sam), colleaguesReply},
		{"SupervisorToAWaitingOneMustClaimFirst", kai, conv(chat.StatusActive), claimFirst},
		{"SupervisorToTheirs", kai, assigned(conv(chat.StatusActive), kai), allowed},
		{"SupervisorToClosed", kai, conv(chat.StatusClosed), closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, chat.CanPost(tt.caller, tt.c)) })
	}
}

func TestCanEdit(t *testing.T) {
	m := chat.Message{ID: "01JMESSAGE0000000000000000", SenderID: alice.UserID, SenderRole: chat.RoleClient}
	deleted := m
	deleted.Deleted = true
	tests := []struct {
		name   string
		caller chat.Identity
		m      chat.Message
		want   bool
	}{
		{"TheSender", alice, m, true},
		{"AnotherClient", bob, m, false},
		{"StaffCannotEditAClients", sam, m, false},
		{"NotOnceDeleted", alice, deleted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chat.CanEdit(tt.caller, tt.m); got != tt.want {
				t.Errorf("CanEdit = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCanRate(t *testing.T) {
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   refusal
	}{
		{"TheClientOnceClosed", alice, conv(chat.StatusClosed), allowed},
		{"NotWhileActive", alice, conv(chat.StatusActive), conflict("Feedback can be given once the conversation is closed.")},
		{"Once", alice, rated(conv(chat.StatusClosed)), conflict("Feedback was already given for this conversation.")},
		{"AnotherClient", bob, conv(chat.StatusClosed), notFound},
		{"Staff", sam, conv(chat.StatusClosed), notFound},
		{"NotWhatTheyHid", alice, hidden(conv(chat.StatusClosed)), notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, chat.CanRate(tt.caller, tt.c)) })
	}
}

func TestCanHide(t *testing.T) {
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   refusal
	}{
		{"TheClientOnceClosed", alice, conv(chat.StatusClosed), allowed},
		{"RatedToo", alice, rated(conv(chat.StatusClosed)), allowed},
		{"NotWhileActive", alice, conv(chat.StatusActive), conflict("Close the conversation before deleting it.")},
		{"NotTwice", alice, hidden(conv(chat.StatusClosed)), notFound},
		{"AnotherClient", bob, conv(chat.StatusClosed), notFound},
		{"Staff", sam, conv(chat.StatusClosed), notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, chat.CanHide(tt.caller, tt.c)) })
	}
}

// TestConditionCheck: every branch of Condition.Check, and the order in
// which a record that fails several is answered (owner, status, retention,
// feedback).
func TestConditionCheck(t *testing.T) {
	custom := chat.Errorf(chat.CodeConflict, "A refusal of its own.")
	active, closedC := conv(chat.StatusActive), conv(chat.StatusClosed)
	tests := []struct {
		name string
		k    chat.Condition
		c    chat.Conversation
		want refusal
	}{
		{"NothingRequired", chat.Condition{}, hidden(rated(closedC)), allowed},
		{"Owner", chat.Condition{Owner: alice.UserID}, active, allowed},
		{"AnotherOwner", chat.Condition{Owner: bob.UserID}, active, notFound},
		{"OwnerWhoHidIt", chat.Condition{Owner: alice.UserID}, hidden(closedC), notFound},
		{"HiddenIsNoMatterWithoutOwner", chat.Condition{Status: chat.StatusClosed}, hidden(closedC), allowed},
		{"Status", chat.Condition{Status: chat.StatusActive}, active, allowed},
		{"ClosedWhenActiveIsWanted", chat.Condition{Status: chat.StatusActive}, closedC, closed},
		{"ActiveWhenClosedIsWanted", chat.Condition{Status: chat.StatusClosed}, active, conflict("This conversation is active.")},
		{"StatusRefusalOfItsOwn", chat.Condition{Status: chat.StatusActive, StatusRefusal: custom}, closedC, refusal{err: custom}},
		{"StatusRefusalOnlyWhenTheStatusDiffers", chat.Condition{Status: chat.StatusActive, StatusRefusal: custom}, active, allowed},
		{"Retention", chat.Condition{Retention: chat.Retention24h}, active, allowed},
		{"RetentionChanged", chat.Condition{Retention: chat.RetentionPermanent}, active, refusal{err: chat.ErrStale}},
		{"Unrated", chat.Condition{Unrated: true}, closedC, allowed},
		{"AlreadyRated", chat.Condition{Unrated: true}, rated(closedC), conflict("Feedback was already given for this conversation.")},
		{"OwnerComesFirst", chat.Condition{Owner: bob.UserID, Status: chat.StatusActive, Retention: chat.RetentionPermanent, Unrated: true}, rated(closedC), notFound},
		{"StatusBeforeRetention", chat.Condition{Status: chat.StatusActive, Retention: chat.RetentionPermanent}, closedC, closed},
		{"RetentionBeforeFeedback", chat.Condition{Retention: chat.RetentionPermanent, Unrated: true}, rated(closedC), refusal{err: chat.ErrStale}},
		{"ReaderOfAWaitingOne", chat.Condition{Reader: sam.UserID}, active, allowed},
		{"ReaderWhoIsTheAssignee", chat.Condition{Reader: sam.UserID}, assigned(closedC, sam), allowed},
		{"ReaderOfAColleagues", chat.Condition{Reader: kim.UserID}, assigned(active, sam), colleagues},
		{"ReaderOfOneClosedUnclaimed", chat.Condition{Reader: sam.UserID}, closedC, unclaimed},
		{"ReaderBeforeStatus", chat.Condition{Reader: kim.UserID, Status: chat.StatusActive}, assigned(closedC, sam), colleagues},
		{"ClaimableWhenUnassigned", chat.Condition{ClaimableBy: sam.UserID}, active, allowed},
		{"ClaimableAgainByTheAssignee", chat.Condition{ClaimableBy: sam.UserID}, assigned(active, sam), allowed},
		{"NotClaimableOnceAColleagueHasIt", chat.Condition{ClaimableBy: kim.UserID}, assigned(active, sam),
			conflict("A colleague has already claimed this conversation; a supervisor can reassign it.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.k.Check(tt.c)
			tt.want.check(t, got)
			if tt.want.err == custom && got != custom {
				t.Errorf("Check = %p, want the condition's own refusal %p", got, custom)
			}
		})
	}
}

func TestMessageConditionCheck(t *testing.T) {
	m := chat.Message{ID: "01JMESSAGE0000000000000000", SenderID: alice.UserID}
	deleted := m
	deleted.Deleted = true
	tests := []struct {
		name string
		k    chat.MessageCondition
		m    chat.Message
		want refusal
	}{
		{"NothingRequired", chat.MessageCondition{}, deleted, allowed},
		{"Sender", chat.MessageCondition{Sender: alice.UserID}, m, allowed},
		{"AnotherSender", chat.MessageCondition{Sender: bob.UserID}, m, notFound},
		{"Undeleted", chat.MessageCondition{Undeleted: true}, m, allowed},
		{"Deleted", chat.MessageCondition{Undeleted: true}, deleted, notFound},
		{"SenderOfADeletedOne", chat.MessageCondition{Sender: alice.UserID, Undeleted: true}, deleted, notFound},
		{"EditConditionIsSenderAndUndeleted", chat.EditCondition(bob), m, notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, tt.k.Check(tt.m)) })
	}
}

func TestRetentionExpiry(t *testing.T) {
	// Sub-millisecond and in another zone: the expiry is in protocol time.
	at := time.Date(2026, 3, 10, 13, 0, 0, 123456789, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		r    chat.Retention
		want *time.Time
	}{
		{"TwentyFourHoursLater", chat.Retention24h, new(time.Date(2026, 3, 11, 12, 0, 0, 123e6, time.UTC))},
		{"PermanentNever", chat.RetentionPermanent, nil},
		{"UnknownNever", chat.Retention("forever"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.Expiry(at)
			switch {
			case tt.want == nil && got != nil:
				t.Errorf("Expiry = %v, want never", got)
			case tt.want != nil && (got == nil || !got.Equal(*tt.want) || got.Location() != time.UTC):
				t.Errorf("Expiry = %v, want %v UTC", got, tt.want)
			}
		})
	}
}

// TestCanSee: every member of staff sees the queue's records (never its
// words: CanRead); a closed conversation only those who may read it.
func TestCanSee(t *testing.T) {
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   bool
	}{
		{"CounsellorSeesAColleaguesActive", kim, assigned(conv(chat.StatusActive), sam), true},
		{"CounsellorDoesNotSeeAColleaguesClosed", kim, assigned(conv(chat.StatusClosed), sam), false},
		{"CounsellorSeesTheirClosed", sam, assigned(conv(chat.StatusClosed), sam), true},
		{"SupervisorSeesEveryClosed", kai, conv(chat.StatusClosed), true},
		{"ClientSeesTheirOwn", alice, conv(chat.StatusClosed), true},
		{"ClientDoesNotSeeAnothersActive", bob, conv(chat.StatusActive), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chat.CanSee(tt.caller, tt.c); got != tt.want {
				t.Errorf("CanSee = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCanClaim: staff claim a conversation waiting for a counsellor (or
// theirs again); a colleague's is a conflict; clients may not.
func TestCanClaim(t *testing.T) {
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   refusal
	}{
		{"CounsellorClaimsAWaitingOne", sam, conv(chat.StatusActive), allowed},
		{"CounsellorClaimsTheirsAgain", sam, assigned(conv(chat.StatusActive), sam), allowed},
		{"CounsellorClaimsAColleagues", kim, assigned(conv(chat.StatusActive), sam),
			conflict("A colleague has already claimed this conversation; a supervisor can reassign it.")},
		{"SupervisorClaimsAColleagues", kai, assigned(conv(chat.StatusActive), sam),
			conflict("A colleague has already claimed this conversation; a supervisor can reassign it.")},
		{"CounsellorClaimsAClosedOne", sam, conv(chat.StatusClosed), closed},
		{"ClientClaimsTheirOwn", alice, conv(chat.StatusActive), refusal{code: chat.CodeForbidden, message: "Only counsellors can claim a conversation."}},
		{"ClientClaimsAnothers", bob, conv(chat.StatusActive), notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, chat.CanClaim(tt.caller, tt.c)) })
	}
}

// TestCanAssign: only a supervisor assigns, only an active conversation.
func TestCanAssign(t *testing.T) {
	onlySupervisors := refusal{code: chat.CodeForbidden, message: "Only a supervisor can assign a conversation."}
	tests := []struct {
		name   string
		caller chat.Identity
		c      chat.Conversation
		want   refusal
	}{
		{"SupervisorAssignsAWaitingOne", kai, conv(chat.StatusActive), allowed},
		{"SupervisorReassigns", kai, assigned(conv(chat.StatusActive), sam), allowed},
		{"SupervisorAssignsAClosedOne", kai, conv(chat.StatusClosed), closed},
		{"CounsellorAssignsTheirs", sam, assigned(conv(chat.StatusActive), sam), onlySupervisors},
		{"CounsellorAssignsAColleaguesActive", kim, assigned(conv(chat.StatusActive), sam), onlySupervisors},
		{"CounsellorAssignsAColleaguesClosed", kim, assigned(conv(chat.StatusClosed), sam), colleagues},
		{"ClientAssignsTheirOwn", alice, conv(chat.StatusActive), onlySupervisors},
		{"ClientAssignsAnothers", bob, conv(chat.StatusActive), notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, chat.CanAssign(tt.caller, tt.c)) })
	}
}

func TestCanAudit(t *testing.T) {
	for _, tt := range []struct {
		caller chat.Identity
		want   bool
	}{{alice, false}, {sam, false}, {kai, true}, {chat.Identity{UserID: "x", Supervisor: true}, false}} {
		if got := chat.CanAudit(tt.caller); got != tt.want {
			t.Errorf("CanAudit(%s) = %v, want %v", tt.caller.Username, got, tt.want)
		}
	}
}
