package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Key names, as in the tutorial: one hash per session, one set per user.
const (
	sessionPrefix     = "session:"
	userSessionPrefix = "user_sessions:"
)

// The fields every session hash has. Data passed to Create may not use
// these names, nor the token fields of tokens.go.
const (
	fieldUserID     = "user_id"
	fieldCreatedAt  = "created_at"
	fieldLastActive = "last_active"
)

// idBytes is 256 bits of randomness: nobody guesses one, and two sessions
// never share one.
const idBytes = 32

// ErrNotFound is what Get says about a session that expired, was destroyed,
// or never existed. The three look the same on purpose: a caller must not
// learn which IDs once existed.
var ErrNotFound = errors.New("session not found: it expired or was destroyed")

// Session is one logged-in client.
type Session struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastActive time.Time
	// Data is what the application stored with the session (role, IP...).
	Data map[string]string
}

// Manager keeps sessions in Redis. It is safe for use by many goroutines,
// as the *redis.Client it wraps is.
type Manager struct {
	rdb *redis.Client
	ttl time.Duration
	now func() time.Time // time.Now; a field so tests could pin it
}

// NewManager returns a manager whose sessions end after ttl without use.
func NewManager(rdb *redis.Client, ttl time.Duration) (*Manager, error) {
	// Redis expires keys with millisecond precision: anything shorter
	// would be rounded to "no TTL at all" by PEXPIRE 0, which deletes.
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("session TTL %v is too short: use at least 1ms (30*time.Minute is typical)", ttl)
	}
	return &Manager{rdb: rdb, ttl: ttl, now: time.Now}, nil
}

// newID returns 43 URL-safe characters carrying 256 random bits: the Go
// version of Python's secrets.token_urlsafe(32).
func newID() string {
	b := make([]byte, idBytes)
	// crypto/rand, never math/rand: a session ID is a password in all but
	// name. Since Go 1.24 rand.Read never fails (it crashes the program
	// instead of handing out weak randomness), so there is no error to check.
	_, _ = rand.Read(b)
	// RawURLEncoding uses A-Z a-z 0-9 - _ and no '=' padding, so the ID is
	// safe in cookies, URLs and key names.
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidID reports whether id has the shape newID produces. Anything else
// (a forged or truncated cookie) is refused without asking Redis.
func ValidID(id string) bool {
	if len(id) != base64.RawURLEncoding.EncodedLen(idBytes) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil && len(b) == idBytes
}

func sessionKey(id string) string          { return sessionPrefix + id }
func userSessionsKey(userID string) string { return userSessionPrefix + userID }

// Create starts a session for userID with extra data and returns its ID.
func (m *Manager) Create(ctx context.Context, userID string, data map[string]string) (string, error) {
	if userID == "" {
		return "", errors.New("create session: empty user ID (pass the ID of the user who logged in)")
	}
	for k := range data {
		if reservedField(k) {
			return "", fmt.Errorf("create session: data key %q is reserved for the session manager: rename it", k)
		}
	}

	id := newID()
	now := strconv.FormatInt(m.now().UnixMilli(), 10)
	fields := map[string]any{
		fieldUserID:     userID,
		fieldCreatedAt:  now,
		fieldLastActive: now,
	}
	for k, v := range data {
		fields[k] = v
	}

	// One round trip, and all or nothing. The tutorial sends HSET, EXPIRE
	// and SADD one by one: a crash after the HSET leaves a session that
	// never expires. Inside MULTI/EXEC the commands run together or not at
	// all.
	set := userSessionsKey(userID)
	_, err := m.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		// The set of a user's session IDs must not grow for ever: the IDs
		// of sessions that expired on their own are dropped here...
		pruneScript.Eval(ctx, pipe, []string{set}, sessionPrefix)
		pipe.HSet(ctx, sessionKey(id), fields)
		// PEXPIRE, not EXPIRE: TTLs below a second (tests use them) stay exact.
		pipe.PExpire(ctx, sessionKey(id), m.ttl)
		// "Log out everywhere" needs to find a user's sessions.
		pipe.SAdd(ctx, set, id)
		// ...and the set itself expires with the user's last session.
		extendSet(ctx, pipe, set, m.ttl)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return id, nil
}

// extendSet makes the user's set live at least ttl from now, never less
// than it already does: another manager's sessions (a "remember me" one,
// say) may live longer. GT alone would never set a first TTL, because Redis
// counts a key without one as living for ever; NX sets that first TTL.
// (go-redis has ExpireNX and ExpireGT but no PEXPIRE versions, so Do sends
// them as written.)
func extendSet(ctx context.Context, pipe redis.Pipeliner, set string, ttl time.Duration) {
	pipe.Do(ctx, "PEXPIRE", set, ttl.Milliseconds(), "NX")
	pipe.Do(ctx, "PEXPIRE", set, ttl.Milliseconds(), "GT")
}

// pruneScript removes from the set KEYS[1] the IDs whose session hash
// (ARGV[1] followed by the ID) no longer exists, and returns how many. It
// names keys it was not given in KEYS, which is fine on one Redis but not
// on a Cluster, where a user's set and sessions would need one hash slot
// ({user}-style key names).
var pruneScript = redis.NewScript(`
local removed = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then
    redis.call('SREM', KEYS[1], id)
    removed = removed + 1
  end
end
return removed
`)

// touchScript is Get's sliding expiration in one atomic step. The EXISTS
// check is the point: the tutorial's HGETALL, EXPIRE, HSET sequence can see
// the session, then lose it to expiry, and then HSET creates a brand-new
// hash holding only last_active, with no TTL, that lives forever. Inside a
// script nothing can expire or change between the check and the writes.
// The user's set (ARGV[3] followed by the user ID) is extended as in
// extendSet, so that it never expires before a session it lists.
var touchScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
redis.call('HSET', KEYS[1], 'last_active', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local set = ARGV[3] .. redis.call('HGET', KEYS[1], 'user_id')
redis.call('PEXPIRE', set, ARGV[1], 'NX')
redis.call('PEXPIRE', set, ARGV[1], 'GT')
return redis.call('HGETALL', KEYS[1])
`)

// Get returns the session and restarts its TTL: a session in use stays
// alive, an idle one expires ttl after its last use.
func (m *Manager) Get(ctx context.Context, id string) (*Session, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	now := strconv.FormatInt(m.now().UnixMilli(), 10)
	flat, err := touchScript.Run(ctx, m.rdb, []string{sessionKey(id)}, m.ttl.Milliseconds(), now, userSessionPrefix).StringSlice()
	if errors.Is(err, redis.Nil) { // the script's `return false`
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	return parseSession(id, flat)
}

// parseSession turns HGETALL's field, value, field, value... into a Session.
func parseSession(id string, flat []string) (*Session, error) {
	s := &Session{ID: id, Data: map[string]string{}}
	for i := 0; i+1 < len(flat); i += 2 {
		k, v := flat[i], flat[i+1]
		switch {
		case k == fieldUserID:
			s.UserID = v
		case k == fieldCreatedAt:
			s.CreatedAt = parseMillis(v)
		case k == fieldLastActive:
			s.LastActive = parseMillis(v)
		case tokenField(k):
			// Tokens (tokens.go) live in the same hash but are not data:
			// they are read only through their own methods.
		default:
			s.Data[k] = v
		}
	}
	if s.UserID == "" {
		return nil, fmt.Errorf("get session: %s has no %s field: it was not written by this manager", sessionKey(id), fieldUserID)
	}
	return s, nil
}

func parseMillis(v string) time.Time {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// Destroy ends one session (logout) and reports whether it existed.
func (m *Manager) Destroy(ctx context.Context, id string) (bool, error) {
	if !ValidID(id) {
		return false, nil
	}
	// The user's set is named after the user, so read whose session it is
	// first. A session's user never changes, so nothing can go stale here.
	userID, err := m.rdb.HGet(ctx, sessionKey(id), fieldUserID).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("destroy session: %w", err)
	}
	var deleted *redis.IntCmd
	_, err = m.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		deleted = pipe.Del(ctx, sessionKey(id))
		pipe.SRem(ctx, userSessionsKey(userID), id)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("destroy session: %w", err)
	}
	return deleted.Val() == 1, nil
}

// DestroyAllForUser ends every session of userID ("log out everywhere",
// e.g. after a password change) and returns how many were still alive.
func (m *Manager) DestroyAllForUser(ctx context.Context, userID string) (int, error) {
	ids, err := m.rdb.SMembers(ctx, userSessionsKey(userID)).Result()
	if err != nil {
		return 0, fmt.Errorf("destroy sessions of %s: %w", userID, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	dels := make([]*redis.IntCmd, len(ids))
	members := make([]any, len(ids))
	_, err = m.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, id := range ids {
			// DEL of an expired session's key returns 0: its ID was only
			// left behind in the set, and the SREM below removes it too.
			dels[i] = pipe.Del(ctx, sessionKey(id))
			members[i] = id
		}
		// SREM exactly the IDs we read, not DEL of the whole set: a login
		// that lands between SMEMBERS and here adds an ID we did not see,
		// and deleting the set would forget that live session for good.
		pipe.SRem(ctx, userSessionsKey(userID), members...)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("destroy sessions of %s: %w", userID, err)
	}
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, nil
}

// reservedField reports whether a data key would clash with the manager's
// own fields.
func reservedField(k string) bool {
	return k == "" || k == fieldUserID || k == fieldCreatedAt || k == fieldLastActive || tokenField(k)
}

// sortedData lists a session's data keys in order, for printing: Go maps
// (and Redis hashes) have no order of their own.
func sortedData(s *Session) []string { return slices.Sorted(maps.Keys(s.Data)) }
