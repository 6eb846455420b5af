// Command message is Confide's WebSocket actions ($default, sendMessage, typing, markRead, ping) function. It only wires: internal/app builds
// everything from the environment.
package main

import "github.com/confidechat/confide/internal/app"

func main() { app.StartSealed(func(a *app.App) any { return a.WebSocket.Frame }) }
