package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// demo is the tutorial's usage example, then "log out everywhere", then
// Redis 8's fields that expire on their own.
func demo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	set, err := detect(ctx, rdb)
	if err != nil {
		return err
	}
	if err := demoSessions(ctx, out, rdb); err != nil {
		return err
	}
	return demoFieldExpiry(ctx, out, rdb, set)
}

// demoSessions: create, read, check the TTL, destroy; then log a user out
// of every device.
func demoSessions(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	sm, err := NewManager(rdb, 30*time.Minute)
	if err != nil {
		return err
	}

	sid, err := sm.Create(ctx, "user:1001", map[string]string{"role": "admin", "ip": "192.168.1.50"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Session created: %s... (%d characters)\n", sid[:20], len(sid))

	s, err := sm.Get(ctx, sid)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Session data:")
	printSession(out, s)

	// Get has just restarted the 30 minutes. PTTL is exact to the
	// millisecond; rounding it gives what Redis's own TTL reports.
	ttl, err := rdb.PTTL(ctx, sessionKey(sid)).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Session TTL: %s\n", seconds(ttl))

	if _, err := sm.Destroy(ctx, sid); err != nil {
		return err
	}
	s, err = sm.Get(ctx, sid)
	if !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("a destroyed session was still found (err = %v)", err)
	}
	fmt.Fprintf(out, "Session after destroy: %v (%v)\n", s, err)

	// Log out everywhere: two live sessions on two devices, one that has
	// already expired on its own, and another user who must not be touched.
	fmt.Fprintln(out, "\nLog out everywhere:")
	for _, device := range []string{"phone", "laptop"} {
		if _, err := sm.Create(ctx, "user:1001", map[string]string{"device": device}); err != nil {
			return err
		}
	}
	other, err := sm.Create(ctx, "user:2002", map[string]string{"device": "desktop"})
	if err != nil {
		return err
	}
	defer sm.Destroy(context.WithoutCancel(ctx), other)
	brief, err := NewManager(rdb, 100*time.Millisecond)
	if err != nil {
		return err
	}
	if _, err := brief.Create(ctx, "user:1001", map[string]string{"device": "tablet"}); err != nil {
		return err
	}
	time.Sleep(150 * time.Millisecond) // the tablet's session expires meanwhile

	onRecord, err := rdb.SCard(ctx, userSessionsKey("user:1001")).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  user:1001 has %d session IDs on record; the tablet's session has expired by now\n", onRecord)
	n, err := sm.DestroyAllForUser(ctx, "user:1001")
	if err != nil {
		return err
	}
	left, err := rdb.Exists(ctx, userSessionsKey("user:1001")).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  DestroyAllForUser(user:1001): %d live sessions destroyed; %s exists: %t\n", n, userSessionsKey("user:1001"), left == 1)
	s, err = sm.Get(ctx, other)
	if err != nil {
		return fmt.Errorf("another user's session was lost: %w", err)
	}
	fmt.Fprintf(out, "  user:2002 is still logged in on the %s\n", s.Data["device"])
	return nil
}

// printSession prints the fixed fields first, then the data sorted by key:
// a hash has no order, and the output must not change from run to run.
func printSession(out io.Writer, s *Session) {
	fmt.Fprintf(out, "  %-12s %s\n", fieldUserID+":", s.UserID)
	fmt.Fprintf(out, "  %-12s %s\n", fieldCreatedAt+":", stamp(s.CreatedAt))
	fmt.Fprintf(out, "  %-12s %s\n", fieldLastActive+":", stamp(s.LastActive))
	for _, k := range sortedData(s) {
		fmt.Fprintf(out, "  %-12s %s\n", k+":", s.Data[k])
	}
}

// seconds prints a TTL as whole seconds, e.g. "1800s".
func seconds(d time.Duration) string { return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds())) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// demoFieldExpiry shows HSETEX, HGETEX and HGETDEL on a session's own hash,
// or says in one line why it cannot.
func demoFieldExpiry(ctx context.Context, out io.Writer, rdb *redis.Client, set features.Set) error {
	fmt.Fprintln(out, "\nFields that expire on their own (Redis 8: HSETEX, HGETEX, HGETDEL):")
	if !set.Has(features.HashFieldEx) {
		fmt.Fprintln(out, "  skipped: "+set.Missing(features.HashFieldEx))
		return nil
	}
	sm, err := NewManager(rdb, 30*time.Minute)
	if err != nil {
		return err
	}
	sid, err := sm.Create(ctx, "user:1001", map[string]string{"role": "admin"})
	if err != nil {
		return err
	}
	defer sm.Destroy(context.WithoutCancel(ctx), sid)
	key := sessionKey(sid)

	// Sudo mode: the user re-entered their password a moment ago.
	if err := sm.GrantStepUp(ctx, sid, 5*time.Minute); err != nil {
		return err
	}
	// HPTTL is PTTL for one field of a hash: milliseconds, per field.
	fieldTTL, err := rdb.HPTTL(ctx, key, fieldStepUp).Result()
	if err != nil {
		return err
	}
	keyTTL, err := rdb.PTTL(ctx, key).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  Step-up granted (HSETEX): field %s TTL %s, the session's TTL %s\n",
		fieldStepUp, seconds(time.Duration(fieldTTL[0])*time.Millisecond), seconds(keyTTL))
	ok, err := sm.StepUpActive(ctx, sid, 5*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  Change the password? step-up valid: %t (HGETEX read it and restarted its 5 minutes)\n", ok)

	// A one-time form token: accepted once, then never again.
	token, err := sm.IssueFormToken(ctx, sid, 10*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  Form token issued (HSETEX, 10 minutes): %d characters\n", len(token))
	fmt.Fprintf(out, "  First submit:    %s\n", verdict(sm.ConsumeFormToken(ctx, sid, token)))
	fmt.Fprintf(out, "  Replayed submit: %s\n", verdict(sm.ConsumeFormToken(ctx, sid, token)))

	// A token nobody uses expires by itself, and only that field goes.
	token, err = sm.IssueFormToken(ctx, sid, 100*time.Millisecond)
	if err != nil {
		return err
	}
	time.Sleep(150 * time.Millisecond)
	fmt.Fprintf(out, "  A token with a 100 ms TTL, submitted 150 ms later: %s\n", verdict(sm.ConsumeFormToken(ctx, sid, token)))
	s, err := sm.Get(ctx, sid)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  The session itself is untouched: %s, role %s\n", s.UserID, s.Data["role"])
	return nil
}

func verdict(err error) string {
	if err == nil {
		return "accepted (HGETDEL read the token and deleted it)"
	}
	return err.Error()
}

// detect finds out what the server supports. features.Detect asks INFO
// server first; a server that refuses INFO (an ACL, or an embedded server
// without it) is still asked about the one command this step needs.
func detect(ctx context.Context, rdb *redis.Client) (features.Set, error) {
	set, err := features.Detect(ctx, rdb, "this server")
	if err == nil {
		set.Server = "this server (Redis " + set.Version + ")"
		return set, nil
	}
	probe := rdb.Do(ctx, "HGETDEL").Err() // wrong number of arguments, or unknown command
	var reply redis.Error
	if !errors.As(probe, &reply) {
		return features.Set{}, fmt.Errorf("cannot ask the server what it supports: %w", probe)
	}
	set = features.NewSet("this server", "")
	return set.With(features.HashFieldEx, !strings.Contains(strings.ToLower(probe.Error()), "unknown command")), nil
}
