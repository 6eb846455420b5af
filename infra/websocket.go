package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/routes"
)

// webSocketAPI is the API Gateway WebSocket API and its one stage.
type webSocketAPI struct {
	api   awsapigatewayv2.WebSocketApi
	stage awsapigatewayv2.WebSocketStage
}

// newWebSocketAPI creates the API and its throttled stage; route adds the
// routes once the functions exist (they need the stage's callback URL).
func newWebSocketAPI(stack awscdk.Stack, cfg settings) *webSocketAPI {
	api := awsapigatewayv2.NewWebSocketApi(stack, jsii.String("WebSocketApi"), &awsapigatewayv2.WebSocketApiProps{
		Description:              jsii.String("Confide live chat"),
		RouteSelectionExpression: jsii.String(routes.RouteSelectionExpression),
	})
	stage := awsapigatewayv2.NewWebSocketStage(stack, jsii.String("WebSocketStage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: api,
		StageName:    jsii.String(cfg.wsStage),
		AutoDeploy:   jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(cfg.wsRate),
			BurstLimit: jsii.Number(cfg.wsBurst),
		},
	})
	return &webSocketAPI{api: api, stage: stage}
}

// route wires every route of routes.WebSocket to its function, one Lambda
// integration per function. Every route but $connect and $disconnect
// returns the handler's response body to the sender (the pong, an error).
// The route routes.WebSocketAuthorizer guards (only $connect may have one)
// runs that Lambda REQUEST authorizer first: it consumes the one-time
// ticket of the query string (its identity source, so a connect without a
// ticket is refused before any Lambda runs) and its context reaches every
// later event of the connection. WebSocket authorizers are never cached,
// so a ticket still works only once.
func (w *webSocketAPI) route(fns functions) {
	spec := routes.WebSocketAuthorizer
	authorizer := awsapigatewayv2authorizers.NewWebSocketLambdaAuthorizer(jsii.String(spec.Name), fns[spec.Function],
		&awsapigatewayv2authorizers.WebSocketLambdaAuthorizerProps{
			AuthorizerName: jsii.String(spec.Name),
			IdentitySource: jsii.Strings(spec.IdentitySource...),
		})
	integrations := map[routes.Function]awsapigatewayv2integrations.WebSocketLambdaIntegration{}
	for _, r := range routes.WebSocket {
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewWebSocketLambdaIntegration(
				jsii.String(construct(string(r.Function))+"WebSocketIntegration"), fns[r.Function], nil)
			integrations[r.Function] = in
		}
		opts := &awsapigatewayv2.WebSocketRouteOptions{
			Integration:    in,
			ReturnResponse: jsii.Bool(r.Key != "$connect" && r.Key != "$disconnect"),
		}
		if r.Key == spec.Route {
			opts.Authorizer = authorizer
		}
		w.api.AddRoute(jsii.String(r.Key), opts)
	}
}
