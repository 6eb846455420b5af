package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/routes"
)

// TestUrgentConversationsTellTheUrgentTopic: the stack has a topic for
// urgent conversations waiting for a counsellor, the urgentAlertEmails
// context subscribes people to it, the functions that screen messages get
// its ARN and may publish to it, and no other function may.
func TestUrgentConversationsTellTheUrgentTopic(t *testing.T) {
	tpl := synth(t, map[string]any{"urgentAlertEmails": "duty-lead@example.org"}, false)
	var topic string
	for _, id := range tpl.ofType("AWS::SNS::Topic") {
		if strings.HasPrefix(id, "UrgentTopic") {
			topic = id
		}
	}
	if topic == "" {
		t.Fatalf("no urgent topic among %v", tpl.ofType("AWS::SNS::Topic"))
	}
	var emails []string
	for _, id := range tpl.ofType("AWS::SNS::Subscription") {
		props := tpl.Resources[id].Properties
		if refID(props["TopicArn"]) == topic {
			emails = append(emails, props["Protocol"].(string)+":"+props["Endpoint"].(string))
		}
	}
	if want := []string{"email:duty-lead@example.org"}; !slices.Equal(emails, want) {
		t.Errorf("urgent topic subscriptions = %v, want %v", emails, want)
	}
	fns := tpl.functionIDs(t)
	for _, spec := range routes.Functions {
		reads := slices.Contains(envvar.ReadBy[spec.Name], envvar.UrgentTopicARN)
		vars := environment(tpl.Resources[fns[spec.Name]])
		if _, set := vars[envvar.UrgentTopicARN]; set != reads || (set && render(vars[envvar.UrgentTopicARN]) != "${"+topic+"}") {
			t.Errorf("%s: %s = %v, want the topic's ARN: %v", spec.Name, envvar.UrgentTopicARN, render(vars[envvar.UrgentTopicARN]), reads)
		}
		publishes := slices.Contains(tpl.roleActions(tpl.functionRole(fns[spec.Name])), "sns:Publish")
		if publishes != reads {
			t.Errorf("%s may publish to SNS: %v, want %v", spec.Name, publishes, reads)
		}
	}
}
