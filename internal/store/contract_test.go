package store_test

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/chat/storetest"
)

// TestContract holds the store to chat.Store's contract (the one
// internal/chat/memstore passes too), each test on a fresh table.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) chat.Store { return newEnv(t, now) })
}

// TestSealedContract holds the store that seals to the same contract: the
// words it encrypts read back as they were written.
func TestSealedContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) chat.Store { return newSealedEnv(t, now) })
}
