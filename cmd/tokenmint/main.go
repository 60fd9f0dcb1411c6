package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tokenmint/tokenmint/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	c := newCLI(os.Stdin, os.Stdout, os.Stderr)
	c.processLogger = setProcessLoggers
	code := c.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status. The
// environment is the process's own.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return newCLI(stdin, stdout, stderr).run(ctx, args)
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer) *cli {
	return &cli{env: os.Getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
}

// setProcessLoggers routes what logs through process-wide loggers into
// the server's logger, so that --log-format json holds for every line:
// go-redis's (redis.SetLogger is global to the process, hence set here
// in main, once the server's logger is built, and never by tests, which
// run many servers in one process) and the log package's (slog.SetDefault
// sends it to log at info).
func setProcessLoggers(log *slog.Logger) {
	redis.SetLogger(server.RedisLogging{Log: log})
	slog.SetDefault(log)
}
