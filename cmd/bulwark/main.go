// Command bulwark is the Bulwark ISMS: web UI, JSON API and CLI in one binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	// The time zone database travels in the binary: incident deadlines and due dates follow the organisation's
	// zone on machines without one (Windows, scratch containers).
	_ "time/tzdata"

	"github.com/bulwark-isms/bulwark/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bulwark: "+cli.Message(err))
	}
	os.Exit(cli.ExitCode(err))
}
