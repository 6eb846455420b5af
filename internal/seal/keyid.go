package seal

import (
	"fmt"
	"strings"
	"time"
)

// KeyID names a data key. Every ciphertext carries the id of the key that
// sealed it, so Open needs nothing but the ciphertext and its additional
// data. There are two kinds, made by HourKey and ClientKey.
type KeyID string

const (
	hourPrefix   = "hour#"
	clientPrefix = "client#"
	// linkPrefix starts the partition of a conversation's copy of its
	// client's key (KeyStore.Link).
	linkPrefix = "conversation#"
	// hourLayout is an hour in UTC; its strings sort as the hours do.
	hourLayout = "2006-01-02T15"
	// maxSubLen bounds a client's sub (a Cognito sub is a 36-character
	// UUID), so a key id always fits the ciphertext's one-byte length.
	maxSubLen = 128
)

// HourKey returns the id of the data key shared by every message whose
// expiry falls in the same UTC hour as expiry, for example
// "hour#2026-12-03T14" for 14:00 to 14:59:59.999… on 3 December 2026. The
// key outlives the last message it sealed by at most an hour and the grace
// DestroyExpiredHours is given.
func HourKey(expiry time.Time) KeyID {
	var buf [len(hourPrefix) + len(hourLayout)]byte
	return KeyID(expiry.UTC().AppendFormat(append(buf[:0], hourPrefix...), hourLayout))
}

// ClientKey returns the id of the data key of a client's permanent
// conversations: "client#" and the client's sub. Seal refuses a sub that is
// empty, longer than 128 bytes, or has characters other than ASCII letters,
// digits and . _ - : @ +.
func ClientKey(sub string) KeyID { return KeyID(clientPrefix + sub) }

// keyKind tells the two kinds of data key apart.
type keyKind int

const (
	kindHour keyKind = iota + 1
	kindClient
)

// keyName is a parsed KeyID.
type keyName struct {
	id   KeyID
	kind keyKind
	// hour is the start of an hour key's hour.
	hour time.Time
	// sub is a client key's client.
	sub string
}

// hourEnd is the instant an hour key's hour ends: every message it sealed
// has expired by then.
func (k keyName) hourEnd() time.Time { return k.hour.Add(time.Hour) }

// endedBy reports whether k is an hour key whose hour has ended at now.
// Client keys never end.
func (k keyName) endedBy(now time.Time) bool {
	return k.kind == kindHour && !now.Before(k.hourEnd())
}

// parseKeyID checks that id is one HourKey or ClientKey makes, in its one
// spelling.
func parseKeyID(id KeyID) (keyName, error) {
	s := string(id)
	if rest, ok := strings.CutPrefix(s, hourPrefix); ok {
		h, err := time.Parse(hourLayout, rest)
		var buf [len(hourLayout)]byte
		if err != nil || string(h.AppendFormat(buf[:0], hourLayout)) != rest {
			return keyName{}, fmt.Errorf("%w: %q is no hour", ErrBadKeyID, rest)
		}
		return keyName{id: id, kind: kindHour, hour: h}, nil
	}
	if sub, ok := strings.CutPrefix(s, clientPrefix); ok {
		if !validSub(sub) {
			return keyName{}, fmt.Errorf("%w: client sub of %d bytes with characters outside the allowed set", ErrBadKeyID, len(sub))
		}
		return keyName{id: id, kind: kindClient, sub: sub}, nil
	}
	return keyName{}, fmt.Errorf("%w: neither an hour nor a client key", ErrBadKeyID)
}

// validConversationID reports whether id may name a conversation in the
// key table: the characters and length a client's sub may have (a
// conversation id is a 26-character ULID).
func validConversationID(id string) bool { return validSub(id) }

func validSub(sub string) bool {
	if sub == "" || len(sub) > maxSubLen {
		return false
	}
	for _, c := range []byte(sub) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("._-:@+", c) >= 0:
		default:
			return false
		}
	}
	return true
}
