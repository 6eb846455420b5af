package seal

import (
	"context"
	"time"
)

// WrappedKey is a data key as it is stored: encrypted by KMS under the
// customer-managed key, never in the clear.
type WrappedKey struct {
	ID KeyID
	// Serial is drawn at random when the key is made and written in every
	// ciphertext the key seals, so a ciphertext of an earlier key with the
	// same id opens as ErrKeyGone.
	Serial uint64
	// Wrapped is KMS's CiphertextBlob of the data key, made under the
	// encryption context {"confide-data-key": ID}.
	Wrapped []byte
	// KMSKeyARN is the KMS key that wrapped it, as GenerateDataKey named
	// it; Decrypt is asked to use exactly that key.
	KMSKeyARN string
	CreatedAt time.Time
	// ExpiresAt is when the key table's TTL may delete the key, a safety
	// net behind DestroyExpiredHours; zero for a client key, which lasts
	// until DestroyClient.
	ExpiresAt time.Time
}

// KeyStore keeps wrapped data keys. DynamoKeyStore is the implementation
// on a DynamoDB table; its methods are safe for concurrent use, and so must
// any other's be.
type KeyStore interface {
	// Create stores k unless a key with k.ID exists. It reports whether it
	// stored k: false (and no error) when another writer's key is there,
	// which the caller then reads and uses, so concurrent writers agree on
	// one key.
	Create(ctx context.Context, k WrappedKey) (created bool, err error)
	// Get returns the key id names, strongly consistent with Create and
	// Delete; found is false when there is none.
	Get(ctx context.Context, id KeyID) (k WrappedKey, found bool, err error)
	// Delete removes the key id names. Deleting a missing key is no error.
	Delete(ctx context.Context, id KeyID) error
	// HourKeysBefore lists the hour keys (HourKey) whose hour starts
	// before t.
	HourKeysBefore(ctx context.Context, t time.Time) ([]KeyID, error)
	// Link stores a copy of client key k under a conversation's id, so
	// that a writer who knows only the conversation finds it, and records
	// the copy beside k, all in one write conditional on k still being the
	// stored key of its id (linked is false, with no error, when it is
	// not). Deleting k deletes every copy.
	Link(ctx context.Context, conversationID string, k WrappedKey) (linked bool, err error)
	// Linked returns the copy of a client key stored under a
	// conversation's id by Link; found is false when there is none.
	Linked(ctx context.Context, conversationID string) (k WrappedKey, found bool, err error)
}
