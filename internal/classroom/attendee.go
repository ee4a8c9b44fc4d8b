package classroom

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"
)

// Membership is what `runner join` saves: where the class's events go and
// the name the instructor sees. It lives in the attendee's state directory
// (.workbook/), readable by the attendee only: the URL holds the class
// server's password.
type Membership struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

const (
	membershipFile = "class.json"
	queueFile      = "class-queue.jsonl"
	maxQueued      = 500
)

// sendTimeout bounds everything one Send does with the network, so an
// unreachable class server never holds up the learner for longer.
const sendTimeout = 1500 * time.Millisecond

// Join checks the URL and the name and saves the membership in dir. It
// does not contact the server: Send does, and queues what it cannot send.
func Join(dir, url, name string) (Membership, error) {
	if err := CheckName(name); err != nil {
		return Membership{}, err
	}
	if _, err := redis.ParseURL(url); err != nil {
		return Membership{}, fmt.Errorf("the class URL does not parse (%v): paste the line the instructor's board printed, e.g. redis://:PASSWORD@HOST:6379/0", err)
	}
	m := Membership{URL: url, Name: name}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Membership{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Membership{}, err
	}
	return m, os.WriteFile(filepath.Join(dir, membershipFile), append(b, '\n'), 0o600)
}

// Joined reads the membership saved in dir; ok is false when the attendee
// has not joined a class (or has left it).
func Joined(dir string) (m Membership, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, membershipFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Membership{}, false, nil
	}
	if err != nil {
		return Membership{}, false, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return Membership{}, false, fmt.Errorf("%s is damaged (%v): run `runner join` again", filepath.Join(dir, membershipFile), err)
	}
	return m, true, nil
}

// Leave forgets the membership and any events still queued: nothing more
// is sent. It is not an error to leave a class one has not joined.
func Leave(dir string) error {
	var errs []error
	for _, f := range []string{membershipFile, queueFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Send adds ev to the class's stream, after any events an earlier Send
// could not deliver. It gives up within sendTimeout; what it could not send
// stays queued in dir (the newest maxQueued events) and goes with the next
// Send. Without a membership it does nothing.
func Send(ctx context.Context, dir string, ev Event) error {
	m, ok, err := Joined(dir)
	if err != nil || !ok {
		return err
	}
	ev.Name = m.Name
	ev = ev.Scrubbed()
	queued, err := readQueue(dir)
	if err != nil {
		return err
	}
	queued = append(queued, ev)
	if len(queued) > maxQueued {
		queued = queued[len(queued)-maxQueued:]
	}
	sent, sendErr := deliver(ctx, m.URL, queued)
	if err := writeQueue(dir, queued[sent:]); err != nil {
		return err
	}
	if sendErr != nil {
		return fmt.Errorf("the class server did not take the event (%d waiting, sent with the next one): %w", len(queued)-sent, sendErr)
	}
	return nil
}

// deliver XADDs the events in order in one pipeline and returns how many
// the server took.
func deliver(ctx context.Context, url string, events []Event) (int, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return 0, err
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = sendTimeout, sendTimeout, sendTimeout
	opts.MaxRetries = -1
	opts.PoolSize = 1
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	cmds := make([]*redis.StringCmd, len(events))
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, ev := range events {
			data, err := ev.encode()
			if err != nil {
				return err
			}
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{
				Stream: StreamKey, MaxLen: MaxEvents, Approx: true,
				Values: []any{"event", data},
			})
		}
		return nil
	})
	sent := 0
	for _, c := range cmds {
		if c == nil || c.Err() != nil {
			break
		}
		sent++
	}
	return sent, err
}

func readQueue(dir string) ([]Event, error) {
	b, err := os.ReadFile(filepath.Join(dir, queueFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var events []Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var ev Event
		if json.Unmarshal(sc.Bytes(), &ev) == nil { // a damaged line is dropped, not fatal
			events = append(events, ev)
		}
	}
	return events, nil
}

func writeQueue(dir string, events []Event) error {
	path := filepath.Join(dir, queueFile)
	if len(events) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	var b bytes.Buffer
	for _, ev := range events {
		line, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		b.Write(append(line, '\n'))
	}
	return os.WriteFile(path, b.Bytes(), 0o600)
}
