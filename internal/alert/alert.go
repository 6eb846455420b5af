// Package alert tells people outside the dashboards that a conversation
// waiting for a counsellor became urgent: the subscribers of an SNS topic
// (e-mail, SMS, a pager). What it sends is the conversation's id and level
// and when, never a word of the conversation.
package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/confidechat/confide/internal/chat"
)

// Publisher is the part of the SNS API Topic calls. *sns.Client satisfies
// it.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ Publisher = (*sns.Client)(nil)

// Topic is chat.Alerter on an SNS topic.
type Topic struct {
	Client Publisher
	// ARN is the topic's ARN.
	ARN string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

var _ chat.Alerter = Topic{}

// Subject is the subject of every alert (e-mail subscribers see it).
const Subject = "Confide: an urgent conversation is waiting for a counsellor"

// Notice is the body of an alert, as JSON.
type Notice struct {
	ConversationID string         `json:"conversationId"`
	Level          chat.RiskLevel `json:"level"`
	At             chat.Time      `json:"at"`
}

// Urgent publishes that conversation id became urgent while it waits.
func (t Topic) Urgent(ctx context.Context, conversationID string) error {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	b, err := json.Marshal(Notice{ConversationID: conversationID, Level: chat.RiskUrgent, At: chat.At(now())})
	if err != nil {
		return fmt.Errorf("encode alert: %w", err)
	}
	if _, err := t.Client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(t.ARN),
		Subject:  aws.String(Subject),
		Message:  aws.String(string(b)),
	}); err != nil {
		return fmt.Errorf("publish urgent alert for %s: %w", conversationID, err)
	}
	return nil
}
