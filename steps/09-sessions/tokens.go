package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis 8 lets one field of a hash expire on its own (HSETEX sets a field
// with a TTL, HGETEX reads it and changes its TTL, HGETDEL reads it and
// deletes it). That fits short-lived secrets that belong to a session:
// they live in the session's own hash, end with the session at the latest,
// and need no key of their own and no cleanup.
const (
	// fieldStepUp marks a session as recently re-authenticated ("sudo
	// mode"): sensitive actions are allowed while the field exists.
	fieldStepUp = "stepup"
	// fieldFormToken is a one-time token embedded in a form: it protects
	// against cross-site request forgery and double submission.
	fieldFormToken = "form_token"
)

func tokenField(k string) bool { return k == fieldStepUp || k == fieldFormToken }

// ErrTokenRejected covers a token that is missing, expired, already used
// or wrong: the caller must not learn which.
var ErrTokenRejected = errors.New("token rejected: missing, expired or already used")

// setFieldScript is HSETEX guarded by EXISTS, for the same reason as
// touchScript: HSETEX on a session that just expired would create a new
// hash holding only the token, a session-shaped key with no user.
var setFieldScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
return redis.call('HSETEX', KEYS[1], 'PX', ARGV[1], 'FIELDS', 1, ARGV[2], ARGV[3])
`)

// setField stores value in the session's field with its own TTL.
func (m *Manager) setField(ctx context.Context, id, field, value string, ttl time.Duration) error {
	if !ValidID(id) {
		return ErrNotFound
	}
	if ttl < time.Millisecond {
		return fmt.Errorf("%s TTL %v is too short: use at least 1ms", field, ttl)
	}
	err := setFieldScript.Run(ctx, m.rdb, []string{sessionKey(id)}, ttl.Milliseconds(), field, value).Err()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set %s: %w", field, err)
	}
	return nil
}

// GrantStepUp records that the user just re-entered their password: for
// the next window, sensitive actions need no new prompt.
func (m *Manager) GrantStepUp(ctx context.Context, id string, window time.Duration) error {
	return m.setField(ctx, id, fieldStepUp, strconv.FormatInt(m.now().UnixMilli(), 10), window)
}

// StepUpActive reports whether the step-up is still valid and, if so,
// restarts its window: like sudo, it lapses after a window of inactivity.
func (m *Manager) StepUpActive(ctx context.Context, id string, window time.Duration) (bool, error) {
	if !ValidID(id) {
		return false, nil
	}
	// HGETEX reads the field and sets its new TTL in one command. On a
	// missing key or field it returns nil (go-redis: "") and creates nothing.
	vals, err := m.rdb.HGetEXWithArgs(ctx, sessionKey(id), &redis.HGetEXOptions{
		ExpirationType: redis.HGetEXExpirationPX,
		ExpirationVal:  window.Milliseconds(),
	}, fieldStepUp).Result()
	if err != nil {
		return false, fmt.Errorf("check step-up: %w", err)
	}
	return len(vals) == 1 && vals[0] != "", nil
}

// IssueFormToken creates a one-time token for a form, valid for ttl.
func (m *Manager) IssueFormToken(ctx context.Context, id string, ttl time.Duration) (string, error) {
	token := newID()
	if err := m.setField(ctx, id, fieldFormToken, token, ttl); err != nil {
		return "", err
	}
	return token, nil
}

// ConsumeFormToken accepts a submitted token once.
func (m *Manager) ConsumeFormToken(ctx context.Context, id, submitted string) error {
	if !ValidID(id) {
		return ErrTokenRejected
	}
	// HGETDEL reads and deletes in one step, so two submissions racing each
	// other cannot both see the token: exactly one gets it. A wrong guess
	// burns the token too, which is what we want against guessing.
	vals, err := m.rdb.HGetDel(ctx, sessionKey(id), fieldFormToken).Result()
	if err != nil {
		return fmt.Errorf("check form token: %w", err)
	}
	// go-redis turns a nil (missing) field into "", and a real token is
	// never empty. ConstantTimeCompare does not leak, through timing, how
	// many leading characters of a guess were right.
	if len(vals) != 1 || vals[0] == "" || subtle.ConstantTimeCompare([]byte(vals[0]), []byte(submitted)) != 1 {
		return ErrTokenRejected
	}
	return nil
}
