// Command callsout is a bootstrap that calls DynamoDB during its init, what
// Confide's functions must not do: the cold start test checks that the
// measurement sees such a call.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/app/envvar"
)

func main() {
	if res, err := http.Get(os.Getenv(envvar.DynamoDBEndpoint)); err == nil {
		res.Body.Close()
	}
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
