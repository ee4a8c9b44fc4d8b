package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/config"
)

// showSetup loads the configuration exactly as every step does, prints it
// with the password hidden, and shows where things live in the project.
func showSetup(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// config.Load reads .env (if there is one) without overriding variables
	// already set in the environment, then validates every setting.
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	printConfig(out, cfg)

	fmt.Fprintln(out)
	fmt.Fprint(out, layout)

	// The client we were handed is the one the workbook chose (see the first
	// line on stderr): prove it answers.
	pong, err := rdb.Ping(ctx).Result()
	if err != nil {
		return fmt.Errorf("PING failed: %w", err)
	}
	fmt.Fprintf(out, "\nPING → %s\n", pong)
	return nil
}

// printConfig shows each setting and what go-redis makes of it. The
// password is never printed: Config.String and RedactedURL hide it.
func printConfig(out io.Writer, cfg config.Config) {
	fmt.Fprintln(out, "Configuration:")
	if !cfg.Explicit {
		fmt.Fprintln(out, "  (no REDIS_URL or REDIS_HOST: the workbook finds or starts a Redis itself)")
	}
	opts := cfg.Options()
	fmt.Fprintf(out, "  address:    %s\n", opts.Addr)
	fmt.Fprintf(out, "  database:   %d\n", opts.DB)
	fmt.Fprintf(out, "  user:       %s\n", orDefault(opts.Username, "default"))
	fmt.Fprintf(out, "  password:   %s\n", passwordState(opts.Password))
	fmt.Fprintf(out, "  TLS:        %t\n", opts.TLSConfig != nil)
	fmt.Fprintf(out, "  URL:        %s\n", cfg.RedactedURL())
	fmt.Fprintf(out, "  timeouts:   dial %s, read %s, write %s\n",
		durationOr(opts.DialTimeout, "5s"), durationOr(opts.ReadTimeout, "3s"), durationOr(opts.WriteTimeout, "same as read"))
	if opts.PoolSize == 0 {
		fmt.Fprintln(out, "  pool size:  go-redis default (10 connections per CPU)")
	} else {
		fmt.Fprintf(out, "  pool size:  %d connections\n", opts.PoolSize)
	}
}

func passwordState(pw string) string {
	if pw == "" {
		return "none"
	}
	return "set (hidden)"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// durationOr prints a timeout, or go-redis's default when it is unset (0).
func durationOr(d time.Duration, def string) string {
	if d == 0 {
		return def + " (go-redis default)"
	}
	return d.String()
}

const layout = `Project layout:
  go.mod                 the Go module: go-redis, testcontainers-go, testify, godotenv
  .env.example           every setting, documented; copy it to .env to change one
  docker-compose.yml     Redis 8.6 for ` + "`make up`" + `
  Makefile               make help lists every command
  steps/NN-name/         one runnable program per step: main.go, the lesson, its tests
  steps/NN-name/testdata the step's expected output
  docs/                  one chapter per step
  runner/                go run ./runner walks you through the steps
  internal/              shared code that is not a lesson (config, finding a Redis, ...)
`
