package admin

// DemoConversationCount is how many conversations Seed makes.
var DemoConversationCount = len(demoConversations)
