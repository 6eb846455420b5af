// Command connect is Confide's $connect function. It only wires: the handler is
// built by internal/app from the environment.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/app"
)

func main() {
	a, err := app.FromEnv(context.Background())
	if err != nil {
		slog.Error("configuration", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.WebSocket.Connect)
}
