package main

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/routes"
)

// newUrgentTopic creates the topic told when a conversation waiting for a
// counsellor becomes urgent (safeguarding triage): the conversation's id and
// level, never words. People subscribe by context (urgentAlertEmails) or
// any other endpoint later (SMS, a pager's e-mail).
func newUrgentTopic(stack awscdk.Stack, cfg settings) awssns.Topic {
	topic := awssns.NewTopic(stack, jsii.String("UrgentTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Confide urgent conversations"),
		EnforceSSL:  jsii.Bool(true),
	})
	for _, address := range cfg.urgentAlertEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(address), nil))
	}
	return topic
}

// grantUrgentAlerts lets a function that reads the topic's ARN publish to
// it, and nothing else of SNS.
func grantUrgentAlerts(spec routes.FunctionSpec, topic awssns.ITopic, role awsiam.Role) {
	if !slices.Contains(envvar.ReadBy[spec.Name], envvar.UrgentTopicARN) {
		return
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sns:Publish"),
		Resources: jsii.Strings(*topic.TopicArn()),
	}))
}
