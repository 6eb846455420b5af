// Package metric names Confide's own CloudWatch metric: the retention
// function writes it as an embedded-metric log record after every sweep
// (internal/app), and the stack (infra/) alarms on it and graphs it. API
// Gateway counts new connections only; this is the number open at once.
package metric

const (
	// Namespace is the namespace of Confide's own metrics.
	Namespace = "Confide"
	// Dimension names the deployment a value is of: its table.
	Dimension = "Table"
	// OpenConnections is the WebSocket connections open when a sweep ended.
	OpenConnections = "OpenConnections"
)
