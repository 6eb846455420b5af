package admin

// SetExportPage makes Export read n messages a page, so a test can force
// paging, and returns what restores it.
func SetExportPage(n int) (restore func()) {
	old := exportPage
	exportPage = n
	return func() { exportPage = old }
}

// DemoConversationCount is how many conversations Seed makes.
var DemoConversationCount = len(demoConversations)
