package endpoints

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const outputs = `{"Confide": {
  "HttpApiUrl": "https://abc.execute-api.eu-west-2.amazonaws.com/",
  "WebSocketUrl": "wss://def.execute-api.eu-west-2.amazonaws.com/prod",
  "UserPoolId": "eu-west-2_Pool",
  "UserPoolClientId": "client123",
  "Issuer": "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Pool",
  "Region": "eu-west-2",
  "WidgetUrl": "https://d1.cloudfront.net/widget/widget.js",
  "WidgetDemoUrl": "https://d1.cloudfront.net/widget/demo.html",
  "DashboardUrl": "https://d1.cloudfront.net/dashboard/index.html",
  "CloudWatchDashboardUrl": "https://console.aws.amazon.com/cloudwatch/home",
  "TableName": "Confide-Table",
  "KeyTableName": "Confide-KeyTable",
  "KmsKeyArn": "arn:aws:kms:eu-west-2:111122223333:key/k-1"
}}`

func TestLoad(t *testing.T) {
	want := Endpoints{
		HTTPAPI:          "https://abc.execute-api.eu-west-2.amazonaws.com",
		WebSocket:        "wss://def.execute-api.eu-west-2.amazonaws.com/prod",
		CognitoEndpoint:  "https://cognito-idp.eu-west-2.amazonaws.com/",
		UserPoolID:       "eu-west-2_Pool",
		UserPoolClientID: "client123",
		Issuer:           "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Pool",
		DynamoDBEndpoint: "https://dynamodb.eu-west-2.amazonaws.com",
		KMSEndpoint:      "https://kms.eu-west-2.amazonaws.com",
		TableName:        "Confide-Table",
		KMSKeyID:         "arn:aws:kms:eu-west-2:111122223333:key/k-1",
		KeyTableName:     "Confide-KeyTable",
		WidgetDemo:       "https://d1.cloudfront.net/widget/demo.html",
		Dashboard:        "https://d1.cloudfront.net/dashboard/index.html",
	}
	dir := t.TempDir()
	if err := want.Write(dir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, content string
		want                Endpoints
		wantErr             string
	}{
		{name: "StackOutputsBecomeEndpoints", file: "outputs.json", content: outputs, want: want},
		{name: "EndpointsFileReadAsIs", file: FileName, want: want},
		{name: "MissingOutputIsNamed", file: "old.json",
			content: strings.Replace(outputs, `"WidgetDemoUrl"`, `"Other"`, 1), wantErr: "no output WidgetDemoUrl"},
		{name: "TwoStacksNeedAName", file: "two.json",
			content: `{"A": {}, "B": {}}`, wantErr: "hold 2 stacks"},
		{name: "NotJSON", file: "bad.json", content: "nope", wantErr: "bad.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRegion(t *testing.T) {
	tests := []struct{ issuer, want string }{
		{"https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Pool", "eu-west-2"},
		{"http://127.0.0.1:4513/local_pool", "us-east-1"},
		{"", "us-east-1"},
	}
	for _, tt := range tests {
		if got := (Endpoints{Issuer: tt.issuer}).Region(); got != tt.want {
			t.Errorf("Region of %q = %q, want %q", tt.issuer, got, tt.want)
		}
	}
}
