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

// Metrics the stack counts from the functions' JSON log lines with metric
// filters (infra/), and the lines they count.
const (
	// DeliveryFailures counts posts to a connection that failed after
	// their retries (not 410 Gone): lines whose msg is DeliveryFailed.
	DeliveryFailures = "DeliveryFailures"
	// DeliveryFailed is the msg of that log line (internal/push).
	DeliveryFailed = "delivery failed"
	// UnavailableAnswers counts answers of code unavailable (a service
	// Confide depends on failed in a way retrying fixes), and
	// InternalAnswers of code internal (something unexpected): lines
	// whose code is CodeField's value.
	UnavailableAnswers = "UnavailableAnswers"
	InternalAnswers    = "InternalAnswers"
	// CodeField is the log attribute holding an answer's error code.
	CodeField = "code"
)
