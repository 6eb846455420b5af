package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/app/metric"
	"github.com/confidechat/confide/internal/routes"
)

func TestAlarmsWatchFunctionsTableAndAPIs(t *testing.T) {
	cases := []struct {
		name    string
		context map[string]any
		ceiling float64
		open    float64
	}{
		{"DefaultCeilings", nil, 9000, 5000},
		{"ContextCeilings", map[string]any{"connectionCeiling": "1200", "openConnectionCeiling": "300"}, 1200, 300},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := standard(t)
			if c.context != nil {
				tpl = synth(t, c.context, false)
			}
			alarms := tpl.ofType("AWS::CloudWatch::Alarm")
			if want := 2*len(routes.Functions) + 8; len(alarms) != want {
				t.Errorf("alarms: got %d, want %d", len(alarms), want)
			}
			count := map[string]int{}
			for _, id := range alarms {
				names := metricNames(tpl.Resources[id].Properties)
				for _, n := range names {
					count[n]++
				}
				if slices.Contains(names, "ConnectCount") && tpl.Resources[id].Properties["Threshold"] != c.ceiling {
					t.Errorf("connection alarm threshold: got %v, want %v", tpl.Resources[id].Properties["Threshold"], c.ceiling)
				}
				if slices.Contains(names, metric.OpenConnections) {
					p := tpl.Resources[id].Properties
					if p["Threshold"] != c.open {
						t.Errorf("open connections alarm threshold: got %v, want %v", p["Threshold"], c.open)
					}
					// The most of each sweep's count, per sweep, for this deployment's table.
					body := render(p)
					for _, want := range []string{`"Namespace":"` + metric.Namespace + `"`, `"Stat":"Maximum"`,
						`"Period":` + strconv.Itoa(retentionEvery*60), `"Name":"` + metric.Dimension + `","Value":{"Ref":"` + tpl.mainTable(t) + `"}`} {
						if !strings.Contains(body, want) {
							t.Errorf("open connections alarm lacks %s: %s", want, body)
						}
					}
				}
			}
			want := map[string]int{
				"Errors": len(routes.Functions), "Throttles": len(routes.Functions),
				"ConnectCount": 1, "5xx": 1, "Count": 1, metric.OpenConnections: 1,
				metric.DeliveryFailures: 1, metric.UnavailableAnswers: 1, metric.InternalAnswers: 1,
			}
			for name, n := range want {
				if count[name] != n {
					t.Errorf("alarms on %s: got %d, want %d", name, count[name], n)
				}
			}
			if count["ThrottledRequests"] == 0 || count["SystemErrors"] == 0 {
				t.Errorf("no alarm on DynamoDB ThrottledRequests or SystemErrors: %v", count)
			}
		})
	}
}

func TestDashboardShowsConnectionsMessagesAndDurations(t *testing.T) {
	tpl := standard(t)
	dashboards := tpl.ofType("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("dashboards: got %d, want 1", len(dashboards))
	}
	body := render(tpl.Resources[dashboards[0]].Properties["DashboardBody"])
	for _, want := range []string{`"ConnectCount"`, `"` + metric.OpenConnections + `"`, `"MessageCount"`, `"Duration"`, `"stat":"p99"`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	for _, id := range tpl.functionIDs(t) {
		if !strings.Contains(body, "${"+id+"}") {
			t.Errorf("dashboard lacks function %s", id)
		}
	}
}

// metricNames returns the metric names an alarm watches, directly or in a
// math expression.
func metricNames(alarm map[string]any) []string {
	if name, ok := alarm["MetricName"].(string); ok {
		return []string{name}
	}
	var names []string
	for _, m := range list(alarm["Metrics"]) {
		stat, _ := m.(map[string]any)["MetricStat"].(map[string]any)
		metric, _ := stat["Metric"].(map[string]any)
		if name, ok := metric["MetricName"].(string); ok {
			names = append(names, name)
		}
	}
	return names
}

// TestEveryAlarmNotifiesTheAlarmTopic: an alarm nobody hears is no alarm.
// Every alarm notifies one SNS topic when it fires and when it clears; the
// addresses of the alarmEmails context are subscribed to it.
func TestEveryAlarmNotifiesTheAlarmTopic(t *testing.T) {
	cases := []struct {
		name    string
		context map[string]any
		emails  []string
	}{
		{"NoSubscribersByDefault", nil, nil},
		{"EmailsFromContext", map[string]any{"alarmEmails": "oncall@example.org, lead@example.org"}, []string{"lead@example.org", "oncall@example.org"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := standard(t)
			if c.context != nil {
				tpl = synth(t, c.context, false)
			}
			topics := slices.DeleteFunc(tpl.ofType("AWS::SNS::Topic"), func(id string) bool { return !strings.HasPrefix(id, "AlarmTopic") })
			if len(topics) != 1 {
				t.Fatalf("alarm topics: got %v, want one", topics)
			}
			topic := topics[0]
			for _, id := range tpl.ofType("AWS::CloudWatch::Alarm") {
				props := tpl.Resources[id].Properties
				for _, key := range []string{"AlarmActions", "OKActions"} {
					refs := refsIn(props[key])
					if len(refs) != 1 || refs[0] != topic {
						t.Errorf("alarm %s %s: got %v, want the topic %s", id, key, refs, topic)
					}
				}
			}
			var emails []string
			for _, id := range tpl.ofType("AWS::SNS::Subscription") {
				props := tpl.Resources[id].Properties
				if refID(props["TopicArn"]) != topic {
					continue
				}
				if props["Protocol"] != "email" {
					t.Errorf("subscription %s: %v, want e-mail to the alarm topic", id, props)
				}
				emails = append(emails, props["Endpoint"].(string))
			}
			slices.Sort(emails)
			if !slices.Equal(emails, c.emails) {
				t.Errorf("subscribed: got %v, want %v", emails, c.emails)
			}
		})
	}
}

// TestLogLinesBecomeMetrics: every function's log group counts the lines
// the alarms watch, each filter matching the line the code writes
// (internal/app/metric names both), into Confide's namespace.
func TestLogLinesBecomeMetrics(t *testing.T) {
	tpl := standard(t)
	want := map[string]string{
		metric.DeliveryFailures:   `{ $.msg = "` + metric.DeliveryFailed + `" }`,
		metric.UnavailableAnswers: `{ $.` + metric.CodeField + ` = "unavailable" }`,
		metric.InternalAnswers:    `{ $.` + metric.CodeField + ` = "internal" }`,
	}
	got := map[string][]string{}
	for _, id := range tpl.ofType("AWS::Logs::MetricFilter") {
		p := tpl.Resources[id].Properties
		transforms := list(p["MetricTransformations"])
		if len(transforms) != 1 {
			t.Fatalf("filter %s has %d transformations", id, len(transforms))
		}
		tr := transforms[0].(map[string]any)
		name := render(tr["MetricName"])
		if render(tr["MetricNamespace"]) != metric.Namespace || render(tr["MetricValue"]) != "1" {
			t.Errorf("filter %s: %s", id, render(tr))
		}
		if p["FilterPattern"] != want[name] {
			t.Errorf("filter %s of %s: pattern %v, want %s", id, name, p["FilterPattern"], want[name])
		}
		got[name] = append(got[name], render(p["LogGroupName"]))
	}
	for name := range want {
		if len(got[name]) != len(routes.Functions) {
			t.Errorf("%s is counted in %d log groups %v, want every function's %d", name, len(got[name]), got[name], len(routes.Functions))
		}
	}
}
