package app

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/confidechat/confide/internal/push"
)

// idleConnsPerHost is how many idle connections the AWS clients keep to
// one endpoint: as many as one fan-out posts at once. The SDK keeps 10, so
// a fan-out to more connections than that closed the surplus after every
// message and opened (on AWS, TLS-handshook) them again for the next.
const idleConnsPerHost = push.DefaultConcurrency

// pooledHTTP returns cfg with the SDK's HTTP client keeping
// idleConnsPerHost idle connections per host. A client that is not the
// SDK's own (given through WithAWSConfig) is left as it is.
func pooledHTTP(cfg aws.Config) aws.Config {
	keep := func(t *http.Transport) { t.MaxIdleConnsPerHost = idleConnsPerHost }
	switch c := cfg.HTTPClient.(type) {
	case nil:
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(keep)
	case *awshttp.BuildableClient:
		cfg.HTTPClient = c.WithTransportOptions(keep)
	}
	return cfg
}
