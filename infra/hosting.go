package main

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/webconfig"
	"github.com/confidechat/confide/internal/webpolicy"
)

// site is the static hosting of the widget and the dashboard: a private
// bucket behind CloudFront.
type site struct {
	bucket       awss3.Bucket
	distribution awscloudfront.Distribution
	// origin is the distribution's https origin, e.g. https://d1234.cloudfront.net.
	origin *string
}

// hstsSeconds is two years, the max-age HSTS preload lists ask for.
const hstsSeconds = 2 * 365 * 24 * 60 * 60

// newSite creates the bucket and the distribution. connectSources are the
// hosts the pages may open connections to (the APIs and Cognito).
func newSite(stack awscdk.Stack, cfg settings, connectSources []string) *site {
	bucket := awss3.NewBucket(stack, jsii.String("WebBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		RemovalPolicy:     removalPolicy(cfg),
		// Outside production the bucket is emptied so the stack can be
		// destroyed; the web assets are rebuilt from the repository anyway.
		AutoDeleteObjects: jsii.Bool(!cfg.prod),
	})

	// Sites embedding the widget may load it as a module script, which
	// browsers fetch with CORS. Without configured origins the pages are
	// served to their own origin only and need no CORS.
	var cors *awscloudfront.ResponseHeadersCorsBehavior
	if len(cfg.allowedOrigins) > 0 {
		cors = &awscloudfront.ResponseHeadersCorsBehavior{
			AccessControlAllowOrigins:     jsii.Strings(cfg.allowedOrigins...),
			AccessControlAllowMethods:     jsii.Strings("GET", "HEAD"),
			AccessControlAllowHeaders:     jsii.Strings("content-type"),
			AccessControlAllowCredentials: jsii.Bool(false),
			OriginOverride:                jsii.Bool(true),
		}
	}
	headers := awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment:      jsii.String("Confide widget and dashboard: strict security headers"),
		CorsBehavior: cors,
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(webpolicy.ContentSecurityPolicy(connectSources)),
				Override:              jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(hstsSeconds)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY,
				Override:    jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER,
				Override:       jsii.Bool(true),
			},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{
			CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{{
				Header:   jsii.String("Permissions-Policy"),
				Value:    jsii.String(webpolicy.PermissionsPolicy),
				Override: jsii.Bool(true),
			}},
		},
	})

	distribution := awscloudfront.NewDistribution(stack, jsii.String("WebDistribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String("Confide widget and dashboard"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
		},
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
	})
	return &site{
		bucket:       bucket,
		distribution: distribution,
		origin:       jsii.String("https://" + *distribution.DistributionDomainName()),
	}
}

// connectSources are the hosts the widget and dashboard talk to: the
// WebSocket API, the HTTP API and Cognito's sign-in endpoint. Without an
// HTTP API (see NewStack) it names every execute-api host of the region.
func connectSources(stack awscdk.Stack, ws *webSocketAPI, h *httpAPI) []string {
	httpSource := "https://*.execute-api." + *stack.Region() + "." + *stack.UrlSuffix()
	if h != nil {
		httpSource = *h.api.ApiEndpoint()
	}
	return []string{
		httpSource,
		*ws.api.ApiEndpoint(),
		"https://cognito-idp." + *stack.Region() + ".amazonaws.com",
	}
}

// url returns the https URL of path on the distribution.
func (s *site) url(path string) *string {
	return jsii.String(*s.origin + "/" + path)
}

// webCacheSeconds is how long browsers and CloudFront keep a web file. The
// deployment does not invalidate the distribution (CDK would grant
// cloudfront:CreateInvalidation on every distribution for that), so a new
// version reaches everyone within this time instead.
const webCacheSeconds = 300

// deploy uploads the web folder and a config.json with the endpoints the
// pages need. The upload function gets a role and log group of its own, so
// it holds no AWSLambdaBasicExecutionRole: only the grants CDK adds for the
// asset bucket and this bucket.
func (s *site) deploy(stack awscdk.Stack, cfg settings, webRoot string, config map[string]any) {
	logs := awslogs.NewLogGroup(stack, jsii.String("WebDeploymentLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.logRetention,
		RemovalPolicy: removalPolicy(cfg),
	})
	role := awsiam.NewRole(stack, jsii.String("WebDeploymentRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Confide web upload"),
	})
	logs.GrantWrite(role)
	awss3deployment.NewBucketDeployment(stack, jsii.String("WebDeployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: s.bucket,
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(webRoot), nil),
			awss3deployment.Source_JsonData(jsii.String("config.json"), config, nil),
		},
		CacheControl: &[]awss3deployment.CacheControl{
			awss3deployment.CacheControl_SetPublic(),
			awss3deployment.CacheControl_MaxAge(awscdk.Duration_Seconds(jsii.Number(webCacheSeconds))),
		},
		Prune:       jsii.Bool(true),
		MemoryLimit: jsii.Number(256),
		Role:        role,
		LogGroup:    logs,
	})
}

// webConfig is the config.json the widget and the dashboard read, the
// shape the local stack serves (webconfig.Config): the endpoints (tokens,
// resolved at deploy time) and the limits the functions apply, from the
// same maxMessageChars context they get, and the canned replies of the
// cannedReplies context.
func webConfig(stack awscdk.Stack, cfg settings, id *identity, ws *webSocketAPI, h *httpAPI) (map[string]any, error) {
	return webConfigOf(cfg, webconfig.Config{
		HTTPAPI:          *h.stage.Url(),
		WebSocket:        *ws.stage.Url(),
		CognitoEndpoint:  "https://cognito-idp." + *stack.Region() + ".amazonaws.com/",
		UserPoolClientID: *id.client.UserPoolClientId(),
	})
}

// webConfigOf is c with the limits cfg gives the functions and the
// widget's theme, as JSON.
func webConfigOf(cfg settings, c webconfig.Config) (map[string]any, error) {
	var limits chat.Limits
	if v, ok := cfg.limits[envvar.MaxMessageChars]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("context %s: %q is not a positive whole number", limitContext[envvar.MaxMessageChars], v)
		}
		limits.MaxMessageChars = n
	}
	c.Limits = webconfig.LimitsOf(limits)
	c.Theme = cfg.theme
	c.CannedReplies = []webconfig.CannedReply{}
	if cfg.cannedReplies != "" {
		replies, err := webconfig.ParseCannedReplies(cfg.cannedReplies, c.Limits.MessageChars)
		if err != nil {
			return nil, fmt.Errorf("context %s: %w", ctxCannedReplies, err)
		}
		c.CannedReplies = replies
	}
	return c.Map(), nil
}
