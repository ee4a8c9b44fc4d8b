package testkit

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Recorder is a go-redis hook that records every round trip a client makes:
// one trip per command sent on its own, one per pipeline, with MULTI and EXEC
// in it when the pipeline is a transaction. Tests use it to check what the
// chapters claim about round trips and atomicity: a pipeline is one trip, a
// transaction is wrapped in MULTI/EXEC, a walk uses SCAN and never KEYS.
//
// The commands go-redis sends to set up a new connection (HELLO, AUTH,
// SELECT, CLIENT SETINFO...) are not recorded.
type Recorder struct {
	mu    sync.Mutex
	trips [][]string
	args  [][]any
	sent  []Trip
}

// Trip is one round trip as it was sent: its commands, which hold their
// replies (and errors) once it has run.
type Trip struct{ Cmds []redis.Cmder }

// Names are the trip's command names in upper case, as Redis writes them.
func (t Trip) Names() []string {
	names := make([]string, len(t.Cmds))
	for i, c := range t.Cmds {
		names[i] = strings.ToUpper(c.Name())
	}
	return names
}

func (t Trip) String() string { return strings.Join(t.Names(), " ") }

// Record adds a Recorder to rdb's hooks and returns it.
func Record(rdb *redis.Client) *Recorder {
	r := &Recorder{}
	rdb.AddHook(r)
	return r
}

var setup = map[string]bool{"hello": true, "auth": true, "select": true, "readonly": true}

// isSetup says whether c is one of the commands a new connection starts with.
func isSetup(c redis.Cmder) bool {
	name := strings.ToLower(c.Name())
	if setup[name] {
		return true
	}
	if args := c.Args(); name == "client" && len(args) > 1 {
		sub, _ := args[1].(string)
		sub = strings.ToLower(sub)
		return sub == "setinfo" || sub == "maint_notifications"
	}
	return false
}

func (r *Recorder) add(cmds []redis.Cmder) {
	var names []string
	var kept []redis.Cmder
	for _, c := range cmds {
		if isSetup(c) {
			continue
		}
		kept = append(kept, c)
		names = append(names, strings.ToLower(c.Name()))
		r.mu.Lock()
		r.args = append(r.args, c.Args())
		r.mu.Unlock()
	}
	if len(names) == 0 {
		return
	}
	r.mu.Lock()
	r.trips = append(r.trips, names)
	r.sent = append(r.sent, Trip{Cmds: kept})
	r.mu.Unlock()
}

// DialHook is part of redis.Hook.
func (r *Recorder) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook is part of redis.Hook: one command, one trip.
func (r *Recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.add([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook is part of redis.Hook: a pipeline (or a transaction)
// is one trip.
func (r *Recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.add(cmds)
		return next(ctx, cmds)
	}
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trips, r.args, r.sent = nil, nil, nil
}

// Sent returns the round trips recorded so far, with their commands, and
// forgets everything recorded (as Reset does).
func (r *Recorder) Sent() []Trip {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.trips, r.args, r.sent = nil, nil, nil
	return out
}

// Trips is every round trip recorded, each as its commands' lower-case names.
func (r *Recorder) Trips() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]string, len(r.trips))
	for i, t := range r.trips {
		out[i] = append([]string(nil), t...)
	}
	return out
}

// Commands is every command recorded, in order, as lower-case names.
func (r *Recorder) Commands() []string {
	var out []string
	for _, t := range r.Trips() {
		out = append(out, t...)
	}
	return out
}

// Count is how many times the command name (lower case, e.g. "scan") was sent.
func (r *Recorder) Count(name string) int {
	n := 0
	for _, c := range r.Commands() {
		if c == name {
			n++
		}
	}
	return n
}

// Args is every command recorded with its arguments, in order.
func (r *Recorder) Args() [][]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]any(nil), r.args...)
}

// Transactions counts the trips that were MULTI ... EXEC with something
// between.
func (r *Recorder) Transactions() int {
	n := 0
	for _, t := range r.Trips() {
		if len(t) > 2 && t[0] == "multi" && t[len(t)-1] == "exec" {
			n++
		}
	}
	return n
}

var _ redis.Hook = (*Recorder)(nil)
