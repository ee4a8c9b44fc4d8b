package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

// A row is one line of the tutorial's troubleshooting table: how to make
// its error happen on purpose, and which entry of the workbook's catalogue
// (internal/diagnose, the same one the runner's doctor uses) explains it.
type row struct {
	title string
	entry string // the catalogue entry that must explain the error
	needs []features.Feature
	// reproduce returns got, the error a learner would see from go-redis
	// (or from the go tool), and err when the demonstration itself failed.
	reproduce func(ctx context.Context, l *lab) (got error, err error)
}

// The table, in the tutorial's order, with WRONGPASS beside NOAUTH and the
// Go versions of the two Python-only rows at the end.
var rows = []row{
	{"Connection refused: nothing listens on the port", "refused", nil, connectionRefused},
	{"NOAUTH: the server wants a password, the client sends none", "noauth", []features.Feature{features.Config}, noPassword},
	{"WRONGPASS: the client sends the wrong password", "wrongpass", []features.Feature{features.Config}, wrongPassword},
	{"WRONGTYPE: a string command on a hash", "wrongtype", nil, wrongType},
	{"Too many connections: maxclients reached", "maxclients", []features.Feature{features.MaxClients}, tooManyClients},
	{"Read timeout: the server answers later than the client waits", "timeout", nil, readTimeout},
	{"OOM: maxmemory reached with the noeviction policy", "oom", []features.Feature{features.Eviction}, outOfMemory},
	{"redis.TxFailedErr: a watched key changed before EXEC", "txfailed", nil, transactionFailed},
	{"MISCONF: the last background save failed", "misconf", []features.Feature{features.Persistence}, misconf},
	{"Unknown command JSON.SET: a server without JSON", "nojson", nil, noJSON},
	{"A module missing from go.mod (Python: ModuleNotFoundError)", "nomodule", nil, missingModule},
	{"A value go-redis can't marshal (Python: DataError)", "marshal", nil, cannotMarshal},
}

// lab is what every row works with: the throwaway server, and one admin
// connection that stays open (and authenticated) while the rows change the
// server's settings and put them back.
type lab struct {
	srv   *provision.Server
	pool  *redis.Client
	admin *redis.Conn // one connection taken from pool
}

// newLab opens the admin connection to srv, which must be a server the
// workbook started: the rows change its settings.
func newLab(ctx context.Context, srv *provision.Server) (*lab, error) {
	if !srv.Owned {
		return nil, errors.New("the troubleshooting step changes server settings: give it a server the workbook started (provision.StartOwned), never your own")
	}
	// A single connection (redis.Conn), not a pool: after CONFIG SET
	// requirepass, only connections opened before it stay authenticated.
	pool := srv.NewClient()
	l := &lab{srv: srv, pool: pool, admin: pool.Conn()}
	if err := l.admin.Ping(ctx).Err(); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

func (l *lab) close() {
	_ = l.admin.Close()
	_ = l.pool.Close()
}

// useRealRedis is the advice for a row the server cannot reproduce. This
// step never uses your `make up` server, so that is not the way to a real one.
const useRealRedis = "start Docker (the step then runs its own Redis container) or put redis-server on PATH (WORKBOOK_REDIS=binary)"

// skipped is a row this server cannot reproduce, with the reason.
type skipped struct{ reason string }

func (s *skipped) Error() string { return s.reason }

// troubleshoot reproduces every row against srv, a server the workbook owns,
// and prints the real error with the catalogue's cause and fix.
func troubleshoot(ctx context.Context, out io.Writer, srv *provision.Server) error {
	l, err := newLab(ctx, srv)
	if err != nil {
		return err
	}
	defer l.close()

	fmt.Fprintln(out, "The troubleshooting table, one row at a time: the error go-redis really")
	fmt.Fprintln(out, "returns, and the cause and fix the workbook's catalogue gives for it.")
	for i, r := range rows {
		fmt.Fprintf(out, "\n%d. %s\n", i+1, r.title)
		got, err := l.run(ctx, r)
		var skip *skipped
		switch {
		case errors.As(err, &skip):
			fmt.Fprintf(out, "   skipped: %s\n", skip.reason)
		case err != nil:
			return fmt.Errorf("row %q: %w", r.title, err)
		default:
			explain(out, got)
		}
	}
	return nil
}

// run reproduces one row, or says why this server cannot.
func (l *lab) run(ctx context.Context, r row) (error, error) {
	for _, f := range r.needs {
		if !l.srv.Features.Has(f) {
			return nil, &skipped{l.srv.Features.Missing(f)}
		}
	}
	got, err := r.reproduce(ctx, l)
	if err == nil && got == nil {
		err = errors.New("the error did not happen")
	}
	return got, err
}

// explain prints an error the way the runner's doctor does: the message,
// then the catalogue entry that matches it.
func explain(out io.Writer, got error) {
	lines := strings.Split(strings.TrimSpace(got.Error()), "\n")
	fmt.Fprintf(out, "   error: %s\n", lines[0])
	for _, line := range lines[1:] {
		fmt.Fprintf(out, "          %s\n", strings.TrimSpace(line))
	}
	e, ok := diagnose.Explain(got)
	if !ok {
		fmt.Fprintln(out, "   entry: none (the catalogue does not know this error)")
		return
	}
	fmt.Fprintf(out, "   entry: %s\n   cause: %s\n   fix:   %s\n", e.ID, e.Cause, e.Fix)
}

// client is a new client to the lab's server with opts edited. It never
// retries, so each row shows the first error as it happened.
func (l *lab) client(edit func(*redis.Options)) *redis.Client {
	opts := l.srv.Options()
	opts.MaxRetries = -1
	if edit != nil {
		edit(opts)
	}
	return redis.NewClient(opts)
}

// set changes one server setting and returns the function that puts the old
// value back. Every row that changes a setting defers that function, so the
// server is as it was even when a row fails halfway.
func (l *lab) set(ctx context.Context, name, value string) (restore func() error, err error) {
	old, err := l.admin.ConfigGet(ctx, name).Result()
	if err != nil {
		return nil, fmt.Errorf("CONFIG GET %s: %w", name, err)
	}
	previous, ok := old[name]
	if !ok {
		return nil, &skipped{fmt.Sprintf("the %s setting is not available on %s: %s", name, l.srv.Features.Server, useRealRedis)}
	}
	if err := l.admin.ConfigSet(ctx, name, value).Err(); err != nil {
		return nil, fmt.Errorf("CONFIG SET %s: %w", name, err)
	}
	return func() error {
		// A context of its own: the restore must happen even if ctx ended.
		return l.admin.ConfigSet(context.WithoutCancel(ctx), name, previous).Err()
	}, nil
}

// infoField reads one field of an INFO section.
func (l *lab) infoField(ctx context.Context, section, name string) (string, error) {
	info, err := l.admin.Info(ctx, section).Result()
	if err != nil {
		return "", err
	}
	v := features.InfoField(info, name)
	if v == "" {
		return "", fmt.Errorf("INFO %s has no %s", section, name)
	}
	return v, nil
}

// cleanup removes the keys a row wrote, whatever happened.
func (l *lab) cleanup(ctx context.Context, keys ...string) {
	_ = l.admin.Unlink(context.WithoutCancel(ctx), keys...).Err()
}

// restoreInto runs restore and keeps its error if the row had none: for
// deferred restores with a named err result.
func restoreInto(err *error, restore func() error) {
	if e := restore(); e != nil && *err == nil {
		*err = fmt.Errorf("putting the setting back: %w", e)
	}
}
