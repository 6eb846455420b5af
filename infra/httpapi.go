package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/routes"
)

// httpAPI is the API Gateway HTTP API with its default stage.
type httpAPI struct {
	api   awsapigatewayv2.HttpApi
	stage awsapigatewayv2.HttpStage
	// origins are the browser origins allowed to call it.
	origins *[]*string
}

// corsMaxAgeMinutes lets browsers cache a preflight answer.
const corsMaxAgeMinutes = 10

// newHTTPAPI creates the HTTP API with CORS for origins and a JWT
// authorizer for the user pool on every route. The functions verify the
// token too; the authorizer keeps unauthenticated traffic from invoking
// them at all.
func newHTTPAPI(stack awscdk.Stack, cfg settings, id *identity, origins *[]*string) *httpAPI {
	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("CognitoJwt"), id.issuer,
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			// Cognito access tokens carry no aud; API Gateway then compares
			// the audience with their client_id claim.
			JwtAudience:    &[]*string{id.client.UserPoolClientId()},
			IdentitySource: jsii.Strings("$request.header.Authorization"),
		})
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("Confide conversations, messages, stats and audit"),
		CreateDefaultStage: jsii.Bool(false),
		DefaultAuthorizer:  authorizer,
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: origins,
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_PATCH,
				awsapigatewayv2.CorsHttpMethod_DELETE,
			},
			AllowHeaders:     jsii.Strings("authorization", "content-type"),
			AllowCredentials: jsii.Bool(false),
			MaxAge:           awscdk.Duration_Minutes(jsii.Number(corsMaxAgeMinutes)),
		},
	})
	stage := awsapigatewayv2.NewHttpStage(stack, jsii.String("HttpStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(cfg.httpRate),
			BurstLimit: jsii.Number(cfg.httpBurst),
		},
	})
	return &httpAPI{api: api, stage: stage, origins: origins}
}

// route wires every route of routes.HTTP to its function, one Lambda
// integration per function; each route gets the default JWT authorizer.
func (h *httpAPI) route(fns functions) {
	integrations := map[routes.Function]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range routes.HTTP {
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewHttpLambdaIntegration(
				jsii.String(construct(string(r.Function))+"HttpIntegration"), fns[r.Function], nil)
			integrations[r.Function] = in
		}
		h.api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: in,
		})
	}
}
