package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/metric"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
)

// Alarm settings. Every function error is a fault: application errors are
// answered to the caller, so Lambda counts only crashes and timeouts.
const (
	alarmPeriodMinutes = 5
	// http5xxPercent is the share of HTTP API answers that may be 5xx
	// before the alarm fires (in 2 of 3 periods).
	http5xxPercent = 1
	// tableSystemErrors, deliveryFailures and unavailableAnswers are how
	// many DynamoDB 500s, failed posts and unavailable answers a period may
	// hold before their alarms fire (in 2 of 3 periods): the SDK retries
	// each, and clients resend, so a few are expected.
	tableSystemErrors  = 5
	deliveryFailures   = 10
	unavailableAnswers = 10
)

// throttledOperations are the DynamoDB operations the functions use; the
// alarm sums their throttled requests (an alarm takes at most 10 metrics).
var throttledOperations = []awsdynamodb.Operation{
	awsdynamodb.Operation_GET_ITEM, awsdynamodb.Operation_BATCH_GET_ITEM,
	awsdynamodb.Operation_QUERY, awsdynamodb.Operation_PUT_ITEM,
	awsdynamodb.Operation_UPDATE_ITEM, awsdynamodb.Operation_DELETE_ITEM,
	awsdynamodb.Operation_BATCH_WRITE_ITEM, awsdynamodb.Operation_TRANSACT_WRITE_ITEMS,
	awsdynamodb.Operation_TRANSACT_GET_ITEMS,
}

// newMonitoring creates the alarms and the dashboard and returns the
// dashboard's console URL.
func newMonitoring(stack awscdk.Stack, cfg settings, fns functions, table awsdynamodb.TableV2,
	ws *webSocketAPI, h *httpAPI) *string {
	period := awscdk.Duration_Minutes(jsii.Number(alarmPeriodMinutes))
	sum := &awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}
	// Every alarm notifies one topic, when it fires and when it clears:
	// subscribe people by context (alarmEmails) or any other endpoint later.
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Confide alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	for _, address := range cfg.alarmEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(address), nil))
	}
	notify := awscloudwatchactions.NewSnsAction(topic)
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64, evaluate, breaching int) {
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(evaluate),
			DatapointsToAlarm:  jsii.Number(breaching),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(notify)
		a.AddOkAction(notify)
	}

	var durations []awscloudwatch.IMetric
	for _, spec := range routes.Functions {
		fn, id := fns[spec.Name], construct(string(spec.Name))
		alarm(id+"Errors", "Confide "+string(spec.Name)+" failed (crash or timeout)", fn.MetricErrors(sum), 1, 1, 1)
		alarm(id+"Throttles", "Confide "+string(spec.Name)+" was throttled (account concurrency)", fn.MetricThrottles(sum), 1, 1, 1)
		durations = append(durations, fn.MetricDuration(&awscloudwatch.MetricOptions{
			Period: period, Statistic: jsii.String("p99"), Label: jsii.String(string(spec.Name) + " p99"),
		}))
	}

	alarm("TableThrottles", "DynamoDB throttled Confide's requests",
		table.MetricThrottledRequestsForOperations(&awsdynamodb.OperationsMetricOptions{
			Operations: &throttledOperations, Period: period,
		}), 1, 1, 1)
	// DynamoDB's own 500s: the functions retry them, so a few are noise; a
	// run of them is an AWS-side failure clients feel as "unavailable".
	systemErrors := table.MetricSystemErrorsForOperations(&awsdynamodb.SystemErrorsForOperationsMetricOptions{
		Operations: &throttledOperations, Period: period,
	})
	alarm("TableSystemErrors", "DynamoDB answered Confide's requests with 500s (InternalServerError)",
		systemErrors, tableSystemErrors, 3, 2)

	// What the functions' JSON log lines say, counted by metric filters on
	// every function's log group: posts that failed after their retries,
	// and answers of unavailable (AWS failed in a way retrying fixes: the
	// client resends) and internal (something unexpected).
	logCount := func(id, name, label string, pattern awslogs.IFilterPattern) awscloudwatch.IMetric {
		for _, spec := range routes.Functions {
			awslogs.NewMetricFilter(stack, jsii.String(construct(string(spec.Name))+id+"Filter"), &awslogs.MetricFilterProps{
				LogGroup:        fns[spec.Name].LogGroup(),
				FilterPattern:   pattern,
				MetricNamespace: jsii.String(metric.Namespace),
				MetricName:      jsii.String(name),
				MetricValue:     jsii.String("1"),
				DefaultValue:    jsii.Number(0),
			})
		}
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(metric.Namespace), MetricName: jsii.String(name),
			Period: period, Statistic: jsii.String("Sum"), Label: jsii.String(label),
		})
	}
	failedPosts := logCount("DeliveryFailures", metric.DeliveryFailures, "failed posts",
		awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(metric.DeliveryFailed)))
	alarm("DeliveryFailures", "Posts to WebSocket connections failed after their retries (management API 429 or 5xx): live frames missed",
		failedPosts, deliveryFailures, 3, 2)
	unavailable := logCount("Unavailable", metric.UnavailableAnswers, "unavailable answers",
		awslogs.FilterPattern_StringValue(jsii.String("$."+metric.CodeField), jsii.String("="), jsii.String(string(chat.CodeUnavailable))))
	alarm("UnavailableAnswers", "Confide answered 'unavailable' (DynamoDB, KMS or Cognito failing in a way retrying fixes): clients are resending",
		unavailable, unavailableAnswers, 3, 2)
	internal := logCount("Internal", metric.InternalAnswers, "internal errors",
		awslogs.FilterPattern_StringValue(jsii.String("$."+metric.CodeField), jsii.String("="), jsii.String(string(chat.CodeInternal))))
	alarm("InternalAnswers", "Confide answered 'internal': something unexpected failed (the log line has the error)",
		internal, 1, 1, 1)

	wsMetric := func(name, label string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/ApiGateway"),
			MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{
				"ApiId": ws.api.ApiId(),
				"Stage": ws.stage.StageName(),
			},
			Period:    period,
			Statistic: jsii.String("Sum"),
			Label:     jsii.String(label),
		})
	}
	connects := wsMetric("ConnectCount", "new connections")
	messages := wsMetric("MessageCount", "messages")
	// API Gateway reports new connections, not open ones: many of them in a
	// period is the early sign of nearing the account's connection rate
	// (API Gateway's WebSocket quota is new connections per second).
	alarm("WebSocketConnections", "New WebSocket connections to Confide near the configured ceiling (connectionCeiling per 5 minutes)",
		connects, cfg.connectionCeiling, 1, 1)
	// The connections open at once, counted by every retention sweep and
	// written as an embedded-metric log record (internal/app).
	open := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(metric.Namespace),
		MetricName:    jsii.String(metric.OpenConnections),
		DimensionsMap: &map[string]*string{metric.Dimension: table.TableName()},
		Period:        awscdk.Duration_Minutes(jsii.Number(retentionEvery)),
		Statistic:     jsii.String("Maximum"),
		Label:         jsii.String("open connections"),
	})
	alarm("OpenWebSocketConnections", "WebSocket connections open at once near the configured ceiling (openConnectionCeiling)",
		open, cfg.openCeiling, 1, 1)

	errorRate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":   h.api.MetricServerError(sum),
			"requests": h.api.MetricCount(sum),
		},
		Period: period,
		Label:  jsii.String("HTTP 5xx %"),
	})
	alarm("HttpServerErrors", "Confide's HTTP API answers 5xx", errorRate, http5xxPercent, 3, 2)

	dashboard := awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8),
		})
	}
	dashboard.AddWidgets(
		graph("WebSocket connections", connects, open),
		graph("WebSocket messages", messages),
		graph("p99 duration by function (ms)", durations...),
	)
	dashboard.AddWidgets(
		graph("HTTP API 5xx %", errorRate),
		graph("DynamoDB throttled requests", table.MetricThrottledRequestsForOperations(
			&awsdynamodb.OperationsMetricOptions{Operations: &throttledOperations, Period: period})),
		graph("DynamoDB 500s", systemErrors),
	)
	dashboard.AddWidgets(graph("Failed posts, unavailable and internal answers", failedPosts, unavailable, internal))
	return jsii.String("https://console.aws.amazon.com/cloudwatch/home?region=" + *stack.Region() +
		"#dashboards:name=" + *dashboard.DashboardName())
}
