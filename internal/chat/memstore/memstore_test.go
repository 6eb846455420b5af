package memstore_test

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/chat/memstore"
	"github.com/confidechat/confide/internal/chat/storetest"
)

// TestContract holds the in-memory store to chat.Store's contract, the one
// internal/store passes on DynamoDB.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) chat.Store {
		return memstore.New(memstore.WithClock(now))
	})
}
