package provision

import "sync"

// Servers the workbook started and has not stopped yet. The program that
// started them owns its signals (a step, the runner and the test kit each
// decide what Ctrl-C means); CloseAll is what they call on the way out.
var (
	mu      sync.Mutex
	running = map[*Server]bool{}
)

func register(s *Server) {
	mu.Lock()
	running[s] = true
	mu.Unlock()
}

func unregister(s *Server) {
	mu.Lock()
	delete(running, s)
	mu.Unlock()
}

// CloseAll stops every server still running, and waits for one that another
// goroutine is stopping at that moment (Close blocks until it is done).
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
