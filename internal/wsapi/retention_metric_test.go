package wsapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/app/metric"
)

// emfRecord is the part of a log record CloudWatch reads as embedded
// metrics: the directive under "_aws" and the members it names.
type emfRecord struct {
	Msg string `json:"msg"`
	AWS *struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
	Members map[string]any `json:"-"`
}

// TestRetentionPublishesTheConnectionsOpen: the retention function's log
// record of a sweep is an embedded-metric record CloudWatch turns into
// Confide/OpenConnections for this deployment's table, with the number of
// connections open after the sweep, so the stack can alarm on it (API
// Gateway counts only new connections).
func TestRetentionPublishesTheConnectionsOpen(t *testing.T) {
	tests := []struct {
		name  string
		conns int // clients connected before the sweep
	}{
		{name: "none", conns: 0},
		{name: "three", conns: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			for i := range tt.conns {
				who := client("person-" + string(rune('a'+i)))
				s.connected(t, who, s.open(t, who))
			}
			if _, err := s.App.Retention(context.Background(), events.EventBridgeEvent{}); err != nil {
				t.Fatalf("Retention: %v", err)
			}
			var rec emfRecord
			sc := bufio.NewScanner(strings.NewReader(s.Logs.String()))
			for sc.Scan() {
				var r emfRecord
				if json.Unmarshal(sc.Bytes(), &r) != nil || r.Msg != "retention sweep" {
					continue
				}
				if err := json.Unmarshal(sc.Bytes(), &r.Members); err != nil {
					t.Fatal(err)
				}
				rec = r
			}
			if rec.AWS == nil || len(rec.AWS.CloudWatchMetrics) != 1 || rec.AWS.Timestamp == 0 {
				t.Fatalf("the sweep's log record has no embedded-metric directive: %s", s.Logs.String())
			}
			d := rec.AWS.CloudWatchMetrics[0]
			if d.Namespace != metric.Namespace || len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 1 || d.Dimensions[0][0] != metric.Dimension ||
				len(d.Metrics) != 1 || d.Metrics[0].Name != metric.OpenConnections || d.Metrics[0].Unit != "Count" {
				t.Errorf("directive = %+v, want %s/%s by %s, a Count", d, metric.Namespace, metric.OpenConnections, metric.Dimension)
			}
			if got := rec.Members[metric.Dimension]; got != s.App.Config.TableName {
				t.Errorf("dimension %s = %v, want the table %q", metric.Dimension, got, s.App.Config.TableName)
			}
			if got := rec.Members[metric.OpenConnections]; got != float64(tt.conns) {
				t.Errorf("%s = %v, want %d", metric.OpenConnections, got, tt.conns)
			}
		})
	}
}
