package classroom

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Board follows the class's stream and keeps the room's state. It reads
// with a consumer group, so a board that restarts resumes where it stopped:
// it reloads the room it saved (RoomKey) and reads what arrived meanwhile.
type Board struct {
	rdb      *redis.Client
	consumer string

	mu        sync.Mutex
	attendees map[string]*Attendee
	version   uint64
	changed   chan struct{} // closed and replaced at every change
}

// NewBoard prepares a board on the instructor's server: the stream and its
// consumer group exist afterwards, and the saved room is loaded.
func NewBoard(ctx context.Context, rdb *redis.Client) (*Board, error) {
	// "0": a new group reads the stream from its start, so a board started
	// after the attendees still sees what they did.
	err := rdb.XGroupCreateMkStream(ctx, StreamKey, Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("creating the board's consumer group on %s: %w", StreamKey, err)
	}
	b := &Board{rdb: rdb, consumer: "board", attendees: map[string]*Attendee{}, changed: make(chan struct{})}
	saved, err := rdb.HGetAll(ctx, RoomKey).Result()
	if err != nil {
		return nil, fmt.Errorf("loading the saved room (%s): %w", RoomKey, err)
	}
	for name, data := range saved {
		var a Attendee
		if json.Unmarshal([]byte(data), &a) == nil && a.Name == name {
			b.attendees[name] = &a
		}
	}
	return b, nil
}

// Run reads events until ctx ends: first those delivered to an earlier run
// and never acknowledged (it stopped before saving them), then new ones.
func (b *Board) Run(ctx context.Context) error {
	for _, start := range []string{"0", ">"} {
		for {
			if ctx.Err() != nil {
				return nil
			}
			streams, err := b.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
				Group: Group, Consumer: b.consumer, Streams: []string{StreamKey, start},
				Count: 100, Block: time.Second,
			}).Result()
			if errors.Is(err, redis.Nil) {
				if start == "0" {
					break
				}
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("reading the class's events: %w", err)
			}
			n := 0
			for _, s := range streams {
				n += len(s.Messages)
				if err := b.handle(ctx, s.Messages); err != nil {
					return err
				}
			}
			if start == "0" && n == 0 {
				break // the pending list is empty: on to new events
			}
		}
	}
	return nil
}

// handle applies messages, saves the attendees they changed, then
// acknowledges them: an event is acknowledged only once its effect is
// saved, so a crash in between replays it (applying it twice is harmless).
func (b *Board) handle(ctx context.Context, msgs []redis.XMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	touched := map[string]*Attendee{}
	ids := make([]string, 0, len(msgs))
	b.mu.Lock()
	for _, m := range msgs {
		ids = append(ids, m.ID)
		data, _ := m.Values["event"].(string)
		ev, err := decodeEvent(data)
		if err != nil {
			continue // not an event of ours: acknowledged and ignored
		}
		ev = ev.Scrubbed()
		a := b.attendees[ev.Name]
		if a == nil {
			a = &Attendee{Name: ev.Name, Steps: []*StepState{}}
			b.attendees[ev.Name] = a
		}
		a.apply(ev)
		touched[ev.Name] = a
	}
	save := make([]any, 0, 2*len(touched))
	for name, a := range touched {
		data, err := json.Marshal(a)
		if err != nil {
			b.mu.Unlock()
			return err
		}
		save = append(save, name, string(data))
	}
	b.version++
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()

	_, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(save) > 0 {
			p.HSet(ctx, RoomKey, save...)
		}
		p.XAck(ctx, StreamKey, Group, ids...)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("saving the room: %w", err)
	}
	return nil
}

// Room is the room now.
func (b *Board) Room() Room {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Copy, so the caller can encode it while events keep arriving.
	copied := make(map[string]*Attendee, len(b.attendees))
	for name, a := range b.attendees {
		c := *a
		c.Steps = make([]*StepState, len(a.Steps))
		for i, s := range a.Steps {
			sc := *s
			c.Steps[i] = &sc
		}
		copied[name] = &c
	}
	return snapshot(copied, time.Now())
}

// Changed returns a channel that is closed at the next change of the room.
func (b *Board) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// NewToken makes the secret the board's page and API ask for.
func NewToken() string {
	buf := make([]byte, 16)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}
