package store

import (
	"hash/fnv"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/confidechat/confide/internal/chat"
)

// Key prefixes and fixed sort keys.
const (
	prefixConv     = "CONV#"
	prefixUser     = "USER#"
	prefixMsg      = "MSG#"
	prefixCMID     = "CMID#"
	prefixRead     = "READ#"
	prefixConn     = "CONN#"
	prefixPresence = "PRESENCE#"
	prefixTicket   = "TICKET#"
	prefixRate     = "RATE#"
	prefixAudit    = "AUDIT#"
	prefixStatus   = "STATUS#"
	prefixExpiry   = "EXP#"

	skMeta   = "META"
	skActive = "ACTIVE"
	feedPK   = "FEED#staff"
	// supervisorFeedPK holds the supervisors' feed connections again, so
	// that an assigned conversation's fan-out reads them without every
	// counsellor's.
	supervisorFeedPK = "FEED#supervisors"

	// msgEnd sorts after every MSG#<id> sort key ('$' follows '#').
	msgEnd = "MSG$"
)

// Shard counts: the expiry index and the presence partitions spread their
// writes over this many partition keys.
const (
	expiryShards   = 4
	presenceShards = 4
)

// Attribute names used in expressions.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrGSI1SK    = "gsi1sk"
	attrGSI1PK    = "gsi1pk"
	attrGSI2PK    = "gsi2pk"
	attrGSI2SK    = "gsi2sk"
	attrGSI3PK    = "gsi3pk"
	attrGSI3SK    = "gsi3sk"
	attrExpiresAt = "expiresAt"
	attrExpiry    = "expiry"
)

func convPK(id string) string       { return prefixConv + id }
func userPK(sub string) string      { return prefixUser + sub }
func msgSK(id string) string        { return prefixMsg + id }
func cmidSK(cmid string) string     { return prefixCMID + cmid }
func readSK(sub string) string      { return prefixRead + sub }
func connPK(id string) string       { return prefixConn + id }
func statusPK(s chat.Status) string { return prefixStatus + string(s) }

// presencePK is the presence partition of a connection of role.
func presencePK(role chat.Role, connID string) string {
	return presencePartition(role, shard(connID, presenceShards))
}

func presencePartition(role chat.Role, n int) string {
	return prefixPresence + string(role) + "#" + strconv.Itoa(n)
}

// activitySK orders conversations by last activity: "<activityAt>#<id>".
func activitySK(c chat.Conversation) string {
	return stamp(c.ActivityAt()) + "#" + c.ID
}

// stamp writes t in the protocol format, which sorts as text.
func stamp(t time.Time) string { return chat.At(t).String() }

// shard spreads s over n buckets.
func shard(s string, n int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return int(h.Sum32() % uint32(n))
}

// Items without an expiry still carry every expiry attribute, set to
// "never": the last instant the protocol format can write, in the expiry
// index partitions EXP#none#<shard> that DeleteExpired never reads. Only
// attribute values ever change, for two reasons found in minidyn v0.8.2:
// an UpdateItem that adds or removes an item's index keys corrupts the
// index (later queries miss items), and REMOVE in an update expression is
// silently ignored. On DynamoDB the far-future TTL value is simply never
// reached.
var (
	never     = chat.At(time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC))
	noExpiry  = "none"
	neverSecs = never.Unix() + 1
)

// expiry is the expiry of an item: TTL attribute, exact instant and expiry
// index keys.
type expiry struct {
	// ExpiresAt is Unix seconds, rounded up, for DynamoDB TTL.
	ExpiresAt int64 `dynamodbav:"expiresAt,omitempty"`
	// Expiry is the exact instant in protocol time; reads compare it.
	Expiry string `dynamodbav:"expiry,omitempty"`
	GSI3PK string `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK string `dynamodbav:"gsi3sk,omitempty"`
}

// expiryOf returns the expiry attributes of the item in partition pk that
// expires at at (nil: never).
func expiryOf(pk string, at *chat.Time) expiry {
	n := shard(pk, expiryShards)
	if at == nil {
		return expiry{
			ExpiresAt: neverSecs,
			Expiry:    never.String(),
			GSI3PK:    prefixExpiry + noExpiry + "#" + strconv.Itoa(n),
			GSI3SK:    never.String(),
		}
	}
	t := at.UTC()
	secs := t.Unix()
	if t.Nanosecond() > 0 {
		secs++ // TTL must never remove an item before it expires
	}
	return expiry{ExpiresAt: secs, Expiry: at.String(), GSI3PK: expiryPartition(t, n), GSI3SK: at.String()}
}

// expiryPartition is the expiry index partition of a day and shard.
func expiryPartition(day time.Time, n int) string {
	return prefixExpiry + day.UTC().Format(time.DateOnly) + "#" + strconv.Itoa(n)
}

// time returns the expiry instant, nil when the item never expires.
func (e expiry) time() *chat.Time {
	if e.Expiry == "" || e.Expiry == never.String() {
		return nil
	}
	t, err := chat.ParseTime(e.Expiry)
	if err != nil {
		return nil
	}
	return &t
}

// expiredAt reports whether the item has expired at now.
func (e expiry) expiredAt(now time.Time) bool {
	return e.Expiry != "" && e.Expiry <= stamp(now)
}

// set adds the changes that give an item this expiry to u.
func (e expiry) set(u expression.UpdateBuilder) expression.UpdateBuilder {
	return u.Set(expression.Name(attrGSI3PK), expression.Value(e.GSI3PK)).
		Set(expression.Name(attrGSI3SK), expression.Value(e.GSI3SK)).
		Set(expression.Name(attrExpiresAt), expression.Value(e.ExpiresAt)).
		Set(expression.Name(attrExpiry), expression.Value(e.Expiry))
}

// notExpired is the condition that an item has not expired at now.
func notExpired(now time.Time) expression.ConditionBuilder {
	return expression.Or(
		expression.Name(attrExpiry).AttributeNotExists(),
		expression.Name(attrExpiry).GreaterThan(expression.Value(stamp(now))),
	)
}

// chatTime returns t as an optional protocol time.
func chatTime(t time.Time) *chat.Time { return chat.At(t).Ptr() }
