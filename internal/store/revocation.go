package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/confidechat/confide/internal/chat"
)

// skRevoked is the sort key of a person's revocation, USER#<sub> / REVOKED.
const skRevoked = "REVOKED"

// revocationItem records when a person's credentials were last revoked.
type revocationItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	expiry

	RevokedAt string `dynamodbav:"revokedAt"`
}

// Revoke records that every credential of userID issued at or before at is
// void, in USER#<sub> / REVOKED. The write is conditional, so a later
// revocation is never replaced by an earlier one. The item expires
// chat.RevocationLifetime after at.
func (s *Store) Revoke(ctx context.Context, userID string, at time.Time) error {
	pk := userPK(userID)
	_, err := s.putIfAbsentOr(ctx, revocationItem{
		PK: pk, SK: skRevoked, expiry: expiryOf(pk, chatTime(at.Add(chat.RevocationLifetime))),
		RevokedAt: stamp(at),
	}, expression.Name("revokedAt").LessThan(expression.Value(stamp(at))))
	if err != nil {
		return fmt.Errorf("revoke %s: %w", userID, err)
	}
	return nil
}

// RevokedAt returns when userID's credentials were last revoked, or the
// zero time when they never were or that record has expired at now.
func (s *Store) RevokedAt(ctx context.Context, userID string, now time.Time) (time.Time, error) {
	var it revocationItem
	found, err := s.getItem(ctx, userPK(userID), skRevoked, &it)
	if err != nil {
		return time.Time{}, fmt.Errorf("revocation of %s: %w", userID, err)
	}
	if !found || it.expiredAt(now) {
		return time.Time{}, nil
	}
	return parseStamp(it.RevokedAt).Time, nil
}
