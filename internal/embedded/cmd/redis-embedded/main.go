// Command redis-embedded runs the workbook's embedded Redis on a TCP
// address, so that redis-cli or any client can use it without Docker or a
// redis-server binary:
//
//	go run ./internal/embedded/cmd/redis-embedded -addr 127.0.0.1:6380
//	redis-cli -p 6380
//
// It runs until Ctrl-C or SIGTERM. Data lives in memory only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/redis-go-workbook/workbook/internal/embedded"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run serves until stop receives; it returns the exit code.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("redis-embedded", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:6379", "host:port to listen on (loopback unless -public)")
	password := fs.String("password", "", "require clients to AUTH with this password")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until the server stops (for go tool pprof)")
	public := fs.Bool("public", false, "allow listening on a non-loopback address (anyone who can reach it gets an unprotected Redis)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := embedded.CheckLoopback(*addr); err != nil {
		if !errors.Is(err, embedded.ErrNotLoopback) {
			fmt.Fprintf(stderr, "redis-embedded: -addr: %v\n", err)
			return 2
		}
		if !*public {
			fmt.Fprintf(stderr, "redis-embedded: %v (or add -public if you really mean it).\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "redis-embedded: WARNING: listening on %s; anyone who can reach it can read and change the data.\n", *addr)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "redis-embedded: -cpuprofile: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "redis-embedded: -cpuprofile: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if os.Getenv("GOGC") == "" {
		// A server trades memory for speed: miniredis's LPUSH copies the
		// whole list, and with Go's default GOGC=100 a growing list makes
		// the collector run several times per command (LPUSH 2k/s instead
		// of 9k/s under redis-benchmark).
		debug.SetGCPercent(400)
	}
	var opts []embedded.Option
	if *password != "" {
		opts = append(opts, embedded.WithPassword(*password))
	}
	srv, err := embedded.Start(*addr, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "redis-embedded: %v\n", err)
		return 1
	}
	defer srv.Close()
	_, realPort, _ := net.SplitHostPort(srv.Addr())
	auth := ""
	if *password != "" {
		auth = " -a <password>"
	}
	fmt.Fprintf(stdout, "Embedded Redis %s listening on %s; connect with: redis-cli -p %s%s (Ctrl-C to stop)\n", embedded.Version, srv.Addr(), realPort, auth)
	<-stop
	fmt.Fprintln(stdout, "redis-embedded: stopped (the data was in memory only)")
	return 0
}
