// Command vigil is Vigil's command line: continuous compliance for container
// images.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vigilhq/vigil/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
