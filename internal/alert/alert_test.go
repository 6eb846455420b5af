package alert_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/confidechat/confide/internal/alert"
	"github.com/confidechat/confide/internal/chat"
)

// publisher records what it is asked to publish.
type publisher struct {
	got []*sns.PublishInput
	err error
}

func (p *publisher) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	p.got = append(p.got, in)
	return &sns.PublishOutput{}, p.err
}

// TestUrgentPublishesIdLevelAndTime: the topic gets the conversation's id,
// the level and the time, in JSON, under the fixed subject; a failure is an
// error naming the conversation.
func TestUrgentPublishesIdLevelAndTime(t *testing.T) {
	at := time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		err     error
		wantErr bool
	}{
		{"Published", nil, false},
		{"SNSRefuses", errors.New("throttled"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &publisher{err: tt.err}
			topic := alert.Topic{Client: p, ARN: "arn:aws:sns:eu-west-1:111122223333:urgent", Now: func() time.Time { return at }}
			err := topic.Urgent(t.Context(), "01JCONVERSATION0000000000A")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Urgent() = %v, want error %v", err, tt.wantErr)
			}
			if len(p.got) != 1 {
				t.Fatalf("published %d times, want 1", len(p.got))
			}
			in := p.got[0]
			if aws.ToString(in.TopicArn) != topic.ARN || aws.ToString(in.Subject) != alert.Subject {
				t.Errorf("published to %s with subject %q", aws.ToString(in.TopicArn), aws.ToString(in.Subject))
			}
			var n alert.Notice
			if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &n); err != nil {
				t.Fatal(err)
			}
			if n != (alert.Notice{ConversationID: "01JCONVERSATION0000000000A", Level: chat.RiskUrgent, At: chat.At(at)}) {
				t.Errorf("notice = %+v", n)
			}
		})
	}
}
