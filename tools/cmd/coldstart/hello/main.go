// Command hello is the baseline of the cold start measurement: the smallest
// aws-lambda-go function, built like Confide's bootstraps, that answers
// every event with "hello".
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
