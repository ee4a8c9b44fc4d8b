package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// workload is a few goroutines that write new keys and read each one back
// through one client, counting everything, until stopped.
type workload struct {
	prefix string
	stop   chan struct{}
	wg     sync.WaitGroup

	writes, writeErrors atomic.Int64
	reads, readErrors   atomic.Int64
	wrongReads          atomic.Int64

	// hot, when set, aims the even-numbered goroutines' keys at a few
	// slots (one hash tag per slot): the slots about to move.
	hot atomic.Pointer[[]string]

	mu     sync.Mutex
	acked  []string  // every key whose SET returned OK
	errs   []opError // every failed command, when and how long it took
	maxErr time.Duration
	start  time.Time
}

// opError is one failed command of the workload.
type opError struct {
	at   time.Duration // since the workload started
	took time.Duration
	err  error
}

// startWorkload starts workers goroutines writing keys prefix:w:i.
func startWorkload(ctx context.Context, rdb redis.Cmdable, prefix string, workers int) *workload {
	w := &workload{prefix: prefix, stop: make(chan struct{}), start: time.Now()}
	for id := range workers {
		w.wg.Go(func() { w.run(ctx, rdb, id) })
	}
	return w
}

func (w *workload) run(ctx context.Context, rdb redis.Cmdable, id int) {
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		key := w.prefix + ":" + strconv.Itoa(id) + ":" + strconv.Itoa(i)
		if hot := w.hot.Load(); hot != nil && id%2 == 0 {
			key = w.prefix + ":{" + (*hot)[i%len(*hot)] + "}:" + strconv.Itoa(id) + ":" + strconv.Itoa(i)
		}
		// SET to a value is safe to retry: applying it twice is applying
		// it once. (An INCR retried after a lost reply would count twice.)
		began := time.Now()
		if err := rdb.Set(ctx, key, i, 0).Err(); err != nil {
			w.failed(began, err)
			w.writeErrors.Add(1)
			continue
		}
		w.writes.Add(1)
		w.mu.Lock()
		w.acked = append(w.acked, key)
		w.mu.Unlock()

		began = time.Now()
		got, err := rdb.Get(ctx, key).Result()
		switch {
		case err != nil:
			w.failed(began, err)
			w.readErrors.Add(1)
		case got != strconv.Itoa(i):
			w.wrongReads.Add(1)
		default:
			w.reads.Add(1)
		}
	}
}

func (w *workload) failed(began time.Time, err error) {
	if err == context.Canceled {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	took := time.Since(began)
	w.errs = append(w.errs, opError{at: began.Sub(w.start), took: took, err: err})
	w.maxErr = max(w.maxErr, took)
}

// fill writes perTag keys under each hash tag, in pipelines, and counts
// them as acknowledged writes like the workload's own.
func (w *workload) fill(ctx context.Context, rdb redis.Cmdable, tags []string, perTag int) error {
	var keys []string
	for _, tag := range tags {
		for i := range perTag {
			keys = append(keys, w.prefix+":{"+tag+"}:fill:"+strconv.Itoa(i))
		}
	}
	for start := 0; start < len(keys); start += 1000 {
		batch := keys[start:min(start+1000, len(keys))]
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range batch {
				p.Set(ctx, k, k[strings.LastIndexByte(k, ':')+1:], 0)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("filling the slots: %w", err)
		}
	}
	w.mu.Lock()
	w.acked = append(w.acked, keys...)
	w.mu.Unlock()
	return nil
}

// Stop stops the goroutines and waits for them.
func (w *workload) Stop() {
	close(w.stop)
	w.wg.Wait()
}

// summary is one line: writes, errors, wrong reads.
func (w *workload) summary() string {
	return fmt.Sprintf("%d writes, %d errors, %d wrong reads",
		w.writes.Load(), w.writeErrors.Load()+w.readErrors.Load(), w.wrongReads.Load())
}

// lost reads back every acknowledged key, in pipelines of 500 (go-redis
// splits each by node), and counts those that are missing or wrong.
func (w *workload) lost(ctx context.Context, rdb redis.Cmdable) (checked, lost int, err error) {
	for start := 0; start < len(w.acked); start += 500 {
		batch := w.acked[start:min(start+500, len(w.acked))]
		cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range batch {
				p.Get(ctx, k)
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return checked, lost, fmt.Errorf("reading the workload's keys back: %w", err)
		}
		for i, c := range cmds {
			checked++
			// The value is the key's last number: prefix:w:i holds i.
			want := batch[i][strings.LastIndexByte(batch[i], ':')+1:]
			if v, err := c.(*redis.StringCmd).Result(); err != nil || v != want {
				lost++
			}
		}
	}
	return checked, lost, nil
}

// redirects counts the MOVED and ASK replies the nodes send. Added to
// every node's client (ClusterClient.OnNewNode), it sees each command's
// reply before the ClusterClient acts on it: go-redis follows a redirect by
// sending the same command again, to the node the reply names.
type redirects struct{ moved, ask atomic.Int64 }

func (r *redirects) count(err error) {
	switch {
	case err == nil:
	case strings.HasPrefix(err.Error(), "MOVED "):
		r.moved.Add(1)
	case strings.HasPrefix(err.Error(), "ASK "):
		r.ask.Add(1)
	}
}

func (r *redirects) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *redirects) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		// The node's reply comes back as the error; the ClusterClient
		// decides what the command's own result will be.
		err := next(ctx, cmd)
		r.count(err)
		return err
	}
}

func (r *redirects) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			r.count(c.Err())
		}
		return err
	}
}

func (r *redirects) reset() { r.moved.Store(0); r.ask.Store(0) }
