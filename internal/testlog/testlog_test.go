package testlog_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/confidechat/confide/internal/testlog"
)

func TestNewCapturesDebugJSONLines(t *testing.T) {
	log, buf := testlog.New()
	log.Debug("fetched keys", "count", 2)
	want := `"level":"DEBUG","msg":"fetched keys","count":2}`
	if got := buf.String(); !strings.HasSuffix(got, want+"\n") {
		t.Errorf("logs = %q, want a line ending in %q", got, want)
	}
}

func TestBufferKeepsEveryConcurrentWrite(t *testing.T) {
	log, buf := testlog.New()
	const writers = 20
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() { log.Info("handled") })
	}
	wg.Wait()
	if got := strings.Count(buf.String(), `"msg":"handled"`); got != writers {
		t.Errorf("lines = %d, want %d", got, writers)
	}
}
