package provision

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Servers the workbook started are stopped on Ctrl-C or SIGTERM too, so an
// interrupted test run or demo leaves no container or redis-server behind.
var (
	mu       sync.Mutex
	running  = map[*Server]bool{}
	watching sync.Once
)

func register(s *Server) {
	mu.Lock()
	running[s] = true
	mu.Unlock()
	watching.Do(func() {
		sig := make(chan os.Signal, 1)
		// SIGHUP too: closing the terminal must not leave a container behind.
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		go func() {
			s := <-sig
			CloseAll()
			code := 130 // 128 + SIGINT, as a shell reports it
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			os.Exit(code)
		}()
	})
}

func unregister(s *Server) {
	mu.Lock()
	delete(running, s)
	mu.Unlock()
}

// CloseAll stops every server still running.
func CloseAll() {
	mu.Lock()
	all := make([]*Server, 0, len(running))
	for s := range running {
		all = append(all, s)
	}
	mu.Unlock()
	for _, s := range all {
		_ = s.Close()
	}
}
