package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/store"
)

// functions are Confide's Lambda functions by name.
type functions map[routes.Function]awslambda.Function

// functionDeps is what the functions' environment and permissions refer to.
type functionDeps struct {
	assetRoot  string
	table      awsdynamodb.TableV2
	identity   *identity
	origins    *[]*string
	management awsapigatewayv2.WebSocketStage
	keys       *dataKeys
	urgent     awssns.ITopic
}

// DynamoDB actions by need. Scan is in neither: every access pattern is a
// key lookup or a Query (ARCHITECTURE.md), so no function may Scan.
// Transactions and batches are authorised per item by these same actions.
var (
	tableRead   = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"}
	tableWrite  = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
	tableDelete = []string{"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
)

// tableAccess is the data access each function gets. The authorizer reads
// (the conversation, the revocation) and deletes one item, the ticket it
// consumes; disconnect only reads and removes a connection's items; the
// others create and change items (retention closes idle conversations and
// writes audit entries besides deleting what has expired). A function
// missing here fails the synth.
var tableAccess = map[routes.Function][]string{
	routes.Authorizer: join(tableRead, []string{"dynamodb:DeleteItem"}),
	routes.Connect:    join(tableRead, tableWrite),
	routes.Message:    join(tableRead, tableWrite),
	routes.Disconnect: join(tableRead, tableDelete),
	routes.API:        join(tableRead, tableWrite),
	routes.Retention:  join(tableRead, tableWrite),
}

// memoryMB is the Lambda memory size of each function, from the
// measurements in docs/performance.md ("Lambda memory sizes"): every
// function peaks under 20 MB, so 128 MB; message gets 256 MB because its CPU
// time grows with the fan-out and the faster size costs the same. A function
// missing here fails the synth.
var memoryMB = map[routes.Function]int{
	routes.Authorizer: 128,
	routes.Connect:    128,
	routes.Message:    256,
	routes.Disconnect: 128,
	routes.API:        128,
	routes.Retention:  128,
}

// localOnly are variables the local stack sets and AWS never needs.
var localOnly = map[string]bool{envvar.DynamoDBEndpoint: true}

// functionNames returns the names of every function of the route table.
func functionNames() []string {
	names := make([]string, 0, len(routes.Functions))
	for _, f := range routes.Functions {
		names = append(names, string(f.Name))
	}
	return names
}

// newFunctions creates every function of routes.Functions with its own log
// group, role and environment (the variables envvar.ReadBy lists for it).
func newFunctions(stack awscdk.Stack, cfg settings, deps functionDeps) (functions, error) {
	env := map[string]*string{
		envvar.TableName:          deps.table.TableName(),
		envvar.Issuer:             deps.identity.issuer,
		envvar.ClientID:           deps.identity.client.UserPoolClientId(),
		envvar.StaffGroup:         jsii.String(deps.identity.staffGroup),
		envvar.SupervisorGroup:    jsii.String(deps.identity.supervisorGroup),
		envvar.AllowedOrigins:     awscdk.Fn_Join(jsii.String(","), deps.origins),
		envvar.ManagementEndpoint: deps.management.CallbackUrl(),
		envvar.UserPoolID:         deps.identity.pool.UserPoolId(),
		envvar.KeyTableName:       deps.keys.table.TableName(),
		envvar.KMSKeyID:           deps.keys.key.KeyArn(),
		envvar.UrgentTopicARN:     deps.urgent.TopicArn(),
	}
	for name, v := range cfg.limits {
		env[name] = jsii.String(v)
	}

	fns := functions{}
	for _, spec := range routes.Functions {
		reads, ok := envvar.ReadBy[spec.Name]
		if !ok {
			return nil, fmt.Errorf("function %s has no environment listed in internal/app/envvar", spec.Name)
		}
		vars := map[string]*string{}
		for _, name := range reads {
			if v, ok := env[name]; ok {
				vars[name] = v
				continue
			}
			if _, optional := limitContext[name]; !optional && !localOnly[name] {
				return nil, fmt.Errorf("function %s reads %s, which the stack does not know how to set", spec.Name, name)
			}
		}
		actions, ok := tableAccess[spec.Name]
		if !ok {
			return nil, fmt.Errorf("function %s has no table access defined in infra/functions.go", spec.Name)
		}
		memory, ok := memoryMB[spec.Name]
		if !ok {
			return nil, fmt.Errorf("function %s has no memory size defined in infra/functions.go", spec.Name)
		}
		fn, err := newFunction(stack, cfg, spec, deps, vars, actions, memory)
		if err != nil {
			return nil, err
		}
		fns[spec.Name] = fn
	}
	return fns, nil
}

func newFunction(stack awscdk.Stack, cfg settings, spec routes.FunctionSpec, deps functionDeps,
	vars map[string]*string, actions []string, memoryMB int) (awslambda.Function, error) {
	id := construct(string(spec.Name))
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     cfg.logRetention,
		RemovalPolicy: removalPolicy(cfg),
	})
	// A role of its own instead of AWSLambdaBasicExecutionRole, whose
	// statement allows writing to every log group in the account.
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Confide " + string(spec.Name) + " function"),
	})
	logs.GrantWrite(role)
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: tableResources(deps.table),
	}))
	if spec.Pushes {
		role.AddToPrincipalPolicy(manageConnections(stack, deps.management))
	}
	if slices.Contains(envvar.ReadBy[spec.Name], envvar.UserPoolID) {
		// The sweep asks whether the accounts holding connections are
		// still enabled, and nothing else of the pool.
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("cognito-idp:AdminGetUser"),
			Resources: jsii.Strings(*deps.identity.pool.UserPoolArn()),
		}))
	}
	grantUrgentAlerts(spec, deps.urgent, role)
	if err := deps.keys.grant(spec, role); err != nil {
		return nil, err
	}

	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Description:           jsii.String(spec.Description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(deps.assetRoot, string(spec.Name))), nil),
		MemorySize:            jsii.Number(memoryMB),
		Timeout:               awscdk.Duration_Seconds(jsii.Number(spec.Timeout.Seconds())),
		Environment:           &vars,
		Role:                  role,
		LogGroup:              logs,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: cfg.logLevel,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
	}), nil
}

// tableResources are the table's ARN and the ARN of each of its indexes,
// named one by one rather than as index/*.
func tableResources(table awsdynamodb.TableV2) *[]*string {
	arns := []*string{table.TableArn()}
	for _, ix := range store.Schema.Indexes {
		arns = append(arns, jsii.String(*table.TableArn()+"/index/"+ix.Name))
	}
	return &arns
}

// manageConnections lets a function post to, look up and close the
// connections of this API's stage only. AWS offers no narrower form than
// @connections/* since connection ids are made at run time.
func manageConnections(stack awscdk.Stack, stage awsapigatewayv2.WebSocketStage) awsiam.PolicyStatement {
	var arns []*string
	for _, method := range []string{"POST", "GET", "DELETE"} {
		arns = append(arns, stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("execute-api"),
			Resource:     stage.Api().ApiId(),
			ResourceName: jsii.String(*stage.StageName() + "/" + method + "/@connections/*"),
		}))
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("execute-api:ManageConnections"),
		Resources: &arns,
	})
}

// construct turns a function name into a construct id: "api" -> "Api".
func construct(name string) string {
	return strings.ToUpper(name[:1]) + name[1:]
}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
