package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/routes"
)

// retentionEvery is how often the retention sweep runs.
const retentionEvery = 15

// scheduleRetention runs the retention function every retentionEvery
// minutes. A run that could not start in time is dropped: the next one
// sweeps the same items.
func scheduleRetention(stack awscdk.Stack, fns functions) {
	awsevents.NewRule(stack, jsii.String("RetentionSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Confide retention sweep: expired items, idle sessions, stale connections"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(retentionEvery))),
		Targets: &[]awsevents.IRuleTarget{
			awseventstargets.NewLambdaFunction(fns[routes.Retention], &awseventstargets.LambdaFunctionProps{
				RetryAttempts: jsii.Number(2),
				MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(retentionEvery - 1)),
			}),
		},
	})
}
