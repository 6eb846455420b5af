package app

import (
	"log/slog"
	"time"

	"github.com/confidechat/confide/internal/app/metric"
)

// A log record in CloudWatch's embedded metric format: the "_aws" member
// names the metrics of the record, and CloudWatch Logs turns their values,
// members of the same record, into metric data. Publishing costs no API call
// and no permission beyond writing logs.
type (
	emfMetadata struct {
		Timestamp         int64          `json:"Timestamp"`
		CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
	}
	emfDirective struct {
		Namespace  string      `json:"Namespace"`
		Dimensions [][]string  `json:"Dimensions"`
		Metrics    []emfMetric `json:"Metrics"`
	}
	emfMetric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
)

// openConnectionsRecord is the members that make a log record the metric
// metric.OpenConnections of the deployment whose table is table: n
// connections open at at.
func openConnectionsRecord(at time.Time, table string, n int) []slog.Attr {
	return []slog.Attr{
		slog.Any("_aws", emfMetadata{
			Timestamp: at.UnixMilli(),
			CloudWatchMetrics: []emfDirective{{
				Namespace:  metric.Namespace,
				Dimensions: [][]string{{metric.Dimension}},
				Metrics:    []emfMetric{{Name: metric.OpenConnections, Unit: "Count"}},
			}},
		}),
		slog.String(metric.Dimension, table),
		slog.Int(metric.OpenConnections, n),
	}
}
