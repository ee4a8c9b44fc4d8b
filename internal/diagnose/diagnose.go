// Package diagnose is the troubleshooting catalogue: one list of symptoms
// (an error from go-redis or Go), their causes and fixes, that step mains,
// the doctor (internal/doctor, which examines a set-up) and the
// troubleshooting step all use. It explains an error; it checks nothing.
package diagnose

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// ErrTLSMismatch is wrapped by the error of a rediss:// URL that names a
// server speaking plain Redis (provision finds that out with a plain PING).
var ErrTLSMismatch = errors.New("TLS mismatch")

// Entry is one row of the troubleshooting table.
type Entry struct {
	ID      string // short stable name, e.g. "refused"
	Symptom string // what the learner sees from go-redis (or go)
	Cause   string
	Fix     string
	// matchErr recognises the error value; matchText recognises printed
	// output (a step's stderr), for errors that only reach us as text.
	matchErr  func(error) bool
	matchText []string
	// fixURL replaces Fix when the server was named by a URL (REDIS_URL,
	// WORKBOOK_TEST_REDIS_URL): the password then lives in the URL.
	fixURL string
}

// For adapts the entry's fix to the setting that named the server (e.g.
// "REDIS_URL"; "" when unknown): a wrong password in a URL is fixed in the
// URL, not in REDIS_PASSWORD, which a URL overrides.
func (e Entry) For(via string) Entry {
	if e.fixURL != "" && strings.HasSuffix(via, "URL") {
		e.Fix = strings.ReplaceAll(e.fixURL, "REDIS_URL", via)
	}
	return e
}

// Catalogue lists every known problem, most specific first.
var Catalogue = []Entry{
	{
		ID: "refused", Symptom: "dial tcp 127.0.0.1:6379: connect: connection refused",
		Cause: "no Redis server is listening at that address",
		Fix:   "start one: `make up` (Docker), `sudo systemctl start redis-server` or `brew services start redis`; or unset REDIS_URL/REDIS_HOST to let the workbook start its own",
		matchErr: func(err error) bool {
			return errors.Is(err, syscall.ECONNREFUSED)
		},
		matchText: []string{"connection refused"},
	},
	{
		ID: "dns", Symptom: "dial tcp: lookup redis.example: no such host",
		Cause: "the host name in REDIS_URL/REDIS_HOST does not resolve",
		Fix:   "check the spelling of the host in .env; for a local server use 127.0.0.1",
		matchErr: func(err error) bool {
			var dnsErr *net.DNSError
			return errors.As(err, &dnsErr)
		},
		matchText: []string{"no such host"},
	},
	{
		ID: "noauth", Symptom: "NOAUTH Authentication required.",
		Cause:     "the server requires a password and none was sent",
		Fix:       "set REDIS_PASSWORD in .env (or put it in REDIS_URL: redis://:password@host:6379/0)",
		fixURL:    "put the password in REDIS_URL: redis://:password@host:6379/0 (REDIS_URL names the whole server: REDIS_PASSWORD is not used beside it)",
		matchText: []string{"NOAUTH"},
	},
	{
		ID: "wrongpass", Symptom: "WRONGPASS invalid username-password pair or user is disabled.",
		Cause:     "the password (or user name) sent does not match the server's",
		Fix:       "correct REDIS_PASSWORD / REDIS_USERNAME in .env; with `make up`, the password is the REDIS_PASSWORD the container was started with",
		fixURL:    "correct the user name and password in REDIS_URL (redis://user:password@host:6379/0, with # written %23 and % written %25); with `make up`, the password is the REDIS_PASSWORD the container was started with",
		matchText: []string{"WRONGPASS", "invalid password", "ERR AUTH"},
	},
	{
		ID: "wrongtype", Symptom: "WRONGTYPE Operation against a key holding the wrong kind of value",
		Cause:     "a command for one type (e.g. GET, a string command) was used on a key of another (e.g. a hash)",
		Fix:       "check the key's type with `rdb.Type(ctx, key)` (TYPE key) and use that type's commands, or use a different key name",
		matchText: []string{"WRONGTYPE"},
	},
	{
		ID: "maxclients", Symptom: "ERR max number of clients reached",
		Cause:     "the server already has maxclients connections open (default 10000)",
		Fix:       "share one *redis.Client (it is a pool) instead of creating clients per request; cap PoolSize; look for clients or pub/sub connections that are never closed",
		matchText: []string{"max number of clients reached"},
	},
	{
		ID: "tls", Symptom: "TLS mismatch: REDIS_URL uses rediss:// (TLS), but the server speaks plain Redis (or tls: first record does not look like a TLS handshake)",
		Cause: "the client and server disagree about TLS: rediss:// against a plain port, or redis:// against a TLS-only one",
		Fix:   "use rediss:// exactly when the server expects TLS (managed services usually do, on their TLS port); check the port too",
		matchErr: func(err error) bool {
			return errors.Is(err, ErrTLSMismatch)
		},
		matchText: []string{"tls mismatch", "first record does not look like a tls handshake", "tls: "},
	},
	{
		ID: "notredis", Symptom: "can't parse map reply: \"HTTP/1.1 400 Bad Request\"",
		Cause:     "something that is not Redis listens at that address: an HTTP server answered",
		Fix:       "check the host and port in REDIS_URL or REDIS_HOST/REDIS_PORT (Redis usually listens on 6379); `redis-cli -h HOST -p PORT ping` must answer PONG",
		matchText: []string{"HTTP/1.", "HTTP/2"},
	},
	{
		ID: "timeout", Symptom: "read tcp ...: i/o timeout (or context deadline exceeded)",
		Cause: "the server did not answer in time: network latency, an overloaded server, or a slow command (KEYS, a big SUNION...)",
		Fix:   "raise REDIS_READ_TIMEOUT if the network is slow; look for slow commands with `SLOWLOG GET 10`; never run KEYS in production",
		matchErr: func(err error) bool {
			var netErr net.Error
			return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
				(errors.As(err, &netErr) && netErr.Timeout())
		},
		matchText: []string{"i/o timeout", "context deadline exceeded"},
	},
	{
		// go-redis opens each connection with HELLO and takes an error reply
		// to it as "HELLO not supported", so a server that refuses a client
		// (maxclients) shows up only as the connection closing.
		ID: "hungup", Symptom: "write: broken pipe, connection reset by peer, or EOF",
		Cause: "the server closed the connection: it crashed, was stopped or restarted, its `timeout` setting closed an idle connection, or it refused a new client because maxclients was reached (go-redis hides that message)",
		Fix:   "check that the server still runs (`redis-cli -p PORT ping` answers, or shows the server's own message; its log says why it stopped); if it runs, compare connected_clients (INFO clients) with CONFIG GET maxclients and share one *redis.Client",
		matchErr: func(err error) bool {
			return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
				errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
		},
		matchText: []string{"broken pipe", "connection reset by peer"},
	},
	{
		ID: "oom", Symptom: "OOM command not allowed when used memory > 'maxmemory'.",
		Cause:     "the server reached maxmemory and its eviction policy (noeviction) refuses writes",
		Fix:       "raise maxmemory, set TTLs on keys that can go, or choose an eviction policy such as allkeys-lru for a cache",
		matchText: []string{"OOM command not allowed"},
	},
	{
		ID: "txfailed", Symptom: "redis: transaction failed",
		Cause: "a key watched with WATCH changed before EXEC, so Redis aborted the transaction (optimistic locking)",
		Fix:   "retry the whole read-check-write function in a bounded loop when errors.Is(err, redis.TxFailedErr)",
		matchErr: func(err error) bool {
			return errors.Is(err, redis.TxFailedErr)
		},
		matchText: []string{"redis: transaction failed"},
	},
	{
		ID: "misconf", Symptom: "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
		Cause:     "the last background save failed (often a permission or disk-full problem in the data directory), so Redis refuses writes",
		Fix:       "fix the data directory's permissions or free disk space (see the server log); only for throwaway data, `CONFIG SET stop-writes-on-bgsave-error no`",
		matchText: []string{"MISCONF"},
	},
	{
		ID: "noperm", Symptom: "NOPERM User app has no permissions to run the 'flushdb' command",
		Cause:     "the ACL user you connect as may not run that command or touch that key (common on managed Redis services)",
		Fix:       "connect as a user whose ACL allows it (REDIS_USERNAME/REDIS_PASSWORD), or ask for the permission: `ACL WHOAMI` and `ACL GETUSER name` show what you have",
		matchText: []string{"NOPERM"},
	},
	{
		ID: "readonly", Symptom: "READONLY You can't write against a read only replica.",
		Cause:     "the address points at a replica, which refuses writes (often after a failover moved the master elsewhere)",
		Fix:       "write to the master: with Sentinel use redis.NewFailoverClient, which follows failovers; check `INFO replication` for role:master",
		matchText: []string{"READONLY"},
	},
	{
		ID: "loading", Symptom: "LOADING Redis is loading the dataset in memory",
		Cause:     "the server has just started and is still reading its RDB or AOF file from disk",
		Fix:       "wait and retry (go-redis retries LOADING itself); a large dataset takes a while: `INFO persistence` shows loading progress",
		matchText: []string{"LOADING Redis is loading"},
	},
	{
		ID: "busy", Symptom: "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
		Cause:     "a Lua script or function has run longer than busy-reply-threshold (5s) and blocks every other client",
		Fix:       "`SCRIPT KILL` if it has not written yet; keep scripts short and bounded (no loops over whole keyspaces)",
		matchText: []string{"BUSY Redis is busy"},
	},
	{
		ID: "image", Symptom: "cannot start a container from image redis:8.6 / image redis:8.6 is not here and could not be pulled",
		Cause:     "Docker cannot pull the image (offline, a registry mirror, a proxy) or the image name is wrong",
		Fix:       "`docker pull redis:8.6` when online, set WORKBOOK_REDIS_IMAGE to an image you have, or use WORKBOOK_REDIS=binary or embedded",
		matchText: []string{"could not be pulled", "cannot start a container from image", "is not an image reference"},
	},
	{
		ID: "noredisserver", Symptom: "WORKBOOK_REDIS=binary: no redis-server on PATH",
		Cause:     "binary mode starts redis-server from PATH, and there is none",
		Fix:       "install Redis 8 (`sudo apt install redis-server`, `brew install redis`) or put its directory on PATH; or unset WORKBOOK_REDIS to let the workbook pick another server",
		matchText: []string{"no redis-server on path"},
	},
	{
		ID: "redisexited", Symptom: "redis-server exited at once (exit status 1)",
		Cause:     "the redis-server on PATH stopped right after starting: a broken install, a missing library, or a version that does not know an option",
		Fix:       "run it by hand (`redis-server --port 6390`) to read its message; reinstall Redis 8, or use WORKBOOK_REDIS=embedded",
		matchText: []string{"exited at once"},
	},
	{
		ID: "addrinuse", Symptom: "listen tcp 127.0.0.1:6379: bind: address already in use",
		Cause:     "another program (often another Redis, or `make up`'s container) already listens on that port",
		Fix:       "use that Redis instead, stop it (`make down`, `redis-cli shutdown`), or pick another address (e.g. -addr 127.0.0.1:6380)",
		matchText: []string{"address already in use", "port is already allocated"},
	},
	{
		ID: "gotoolchain", Symptom: "go: go.mod requires go >= 1.26 (running go 1.22; GOTOOLCHAIN=local)",
		Cause:     "your Go is older than the workbook's go.mod asks for, and automatic toolchain downloads are off",
		Fix:       "install Go 1.26 or newer from go.dev/dl, or allow the download: `GOTOOLCHAIN=auto go run ./runner`",
		matchText: []string{"go.mod requires go >="},
	},
	{
		ID: "nojson", Symptom: "ERR unknown command 'JSON.SET'",
		Cause:     "the server has no JSON support: Redis before 8.0 without the RedisJSON module, or a build without the bundled modules",
		Fix:       "run `make up` for Redis 8.6 (JSON built in), or use the embedded server (WORKBOOK_REDIS=embedded)",
		matchText: []string{"unknown command 'json.", "unknown command `json."},
	},
	{
		ID: "unknowncmd", Symptom: "ERR unknown command 'HGETEX'",
		Cause: "the server is older than the command: HSETEX, HGETEX and HGETDEL need Redis 8.0, HEXPIRE needs 7.4",
		Fix:   "run `make up` for Redis 8.6, or use the embedded server (WORKBOOK_REDIS=embedded)",
		// Redis quotes the command with ' (or ` in older versions); Go's %q
		// in a program's own usage message uses ", and is not this row.
		matchText: []string{"unknown command '", "unknown command `"},
	},
	{
		ID: "nomodule", Symptom: "no required module provides package github.com/redis/go-redis/v9",
		Cause:     "the module is not in go.mod (Go's version of Python's ModuleNotFoundError)",
		Fix:       "run `go get github.com/redis/go-redis/v9` in the module, or `go mod tidy`",
		matchText: []string{"no required module provides package", "cannot find module providing package"},
	},
	{
		ID: "marshal", Symptom: "redis: can't marshal map[string]string (implement encoding.BinaryMarshaler)",
		Cause:     "a value go-redis cannot turn into a Redis string was passed to SET (Go's version of Python's DataError)",
		Fix:       "encode it first (json.Marshal), store it as a hash with HSet, or implement encoding.BinaryMarshaler",
		matchText: []string{"can't marshal"},
	},
}

// Explain finds the catalogue entry for err: the first entry, in catalogue
// order, that recognises the error value or its text. Order matters: an
// error that says "max number of clients reached" and wraps an EOF is the
// maxclients row, not the generic hang-up.
func Explain(err error) (Entry, bool) {
	if err == nil {
		return Entry{}, false
	}
	text := strings.ToLower(err.Error())
	for _, e := range Catalogue {
		if (e.matchErr != nil && e.matchErr(err)) || e.matchesText(text) {
			return e, true
		}
	}
	return Entry{}, false
}

func (e Entry) matchesText(lower string) bool {
	for _, m := range e.matchText {
		if strings.Contains(lower, strings.ToLower(m)) {
			return true
		}
	}
	return false
}

// ExplainText finds the catalogue entry for an error printed as text.
func ExplainText(text string) (Entry, bool) {
	lower := strings.ToLower(text)
	for _, e := range Catalogue {
		if e.matchesText(lower) {
			return e, true
		}
	}
	return Entry{}, false
}

// Lookup returns the entry with the given ID.
func Lookup(id string) (Entry, bool) {
	for _, e := range Catalogue {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}
