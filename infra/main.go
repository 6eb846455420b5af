// Command infra is Confide's AWS CDK app: `cdk synth` and `cdk deploy` run
// it (see cdk.json and mk/infra.mk). Context keys are listed in settings.go.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "confide infra:", err)
		os.Exit(1)
	}
}

// run synthesizes the app; jsii's runtime is closed before main exits.
func run() error {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	name := contextOr(app, "stackName", "Confide")
	_, err := NewStack(app, name, &StackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("Confide: confidential chat between clients and counsellors"),
		},
		AssetRoot: contextOr(app, "assetRoot", "../build"),
		WebRoot:   contextOr(app, "webRoot", "../build/web"),
	})
	if err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// contextOr returns the string context value key, or def when it is unset.
func contextOr(app awscdk.App, key, def string) string {
	if v, ok := app.Node().TryGetContext(&key).(string); ok && v != "" {
		return v
	}
	return def
}
