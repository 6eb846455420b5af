// Command webbuild writes the widget and the dashboard as browsers get them
// (scripts and style sheets minified, with source maps) for the stack's
// static hosting: `make build` runs it into build/web, which `cdk deploy`
// uploads. The local stack serves the same output from web/ as it goes.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/confidechat/confide/internal/webbuild"
)

func main() {
	src := flag.String("src", "web", "folder of the web clients' sources")
	out := flag.String("out", "build/web", "folder to write (emptied first)")
	flag.Parse()
	if err := webbuild.Build(*src, *out, webbuild.Bundles); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
