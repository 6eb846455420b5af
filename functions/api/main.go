// Command api is Confide's HTTP API function. It only wires: internal/app builds
// everything from the environment.
package main

import "github.com/confidechat/confide/internal/app"

func main() { app.StartSealed(func(a *app.App) any { return a.HTTP.Handle }) }
