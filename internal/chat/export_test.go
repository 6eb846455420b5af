package chat

import "testing"

// SetTranscriptPage makes Transcript read n messages at a time until t
// ends, so that tests see its paging.
func SetTranscriptPage(t testing.TB, n int) {
	old := transcriptPage
	transcriptPage = n
	t.Cleanup(func() { transcriptPage = old })
}
