package apptest

import (
	"time"

	"github.com/confidechat/confide/internal/testkit"
)

// Clock is a settable clock for tests: testkit.Clock, under the name the
// app harness's users know.
type Clock = testkit.Clock

// NewClock returns a Clock standing at t.
func NewClock(t time.Time) *Clock { return testkit.NewClock(t) }
