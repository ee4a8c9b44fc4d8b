// Package diagnose is the tutorial's troubleshooting table, made executable:
// one catalogue of symptoms, causes and fixes that step mains, the runner's
// doctor and the troubleshooting step all use.
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
		matchText: []string{"NOAUTH"},
	},
	{
		ID: "wrongpass", Symptom: "WRONGPASS invalid username-password pair or user is disabled.",
		Cause:     "the password (or user name) sent does not match the server's",
		Fix:       "correct REDIS_PASSWORD / REDIS_USERNAME in .env; with `make up`, the password is the REDIS_PASSWORD the container was started with",
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
		Cause: "the server closed the connection: usually maxclients was reached (go-redis hides Redis's own message), or the server restarted, or its `timeout` setting closed an idle connection",
		Fix:   "compare connected_clients (INFO clients) with CONFIG GET maxclients; share one *redis.Client and close the ones you create; `redis-cli -p PORT ping` shows the server's own message",
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
		ID: "tls", Symptom: "tls: first record does not look like a TLS handshake (or EOF right after connecting)",
		Cause:     "the client and server disagree about TLS: rediss:// against a plain port, or redis:// against a TLS-only one",
		Fix:       "use rediss:// exactly when the server expects TLS (managed services usually do, on their TLS port); check the port too",
		matchText: []string{"first record does not look like a tls handshake", "tls: "},
	},
	{
		ID: "image", Symptom: "cannot start a container from image redis:8.6 / image redis:8.6 is not here and could not be pulled",
		Cause:     "Docker cannot pull the image (offline, a registry mirror, a proxy) or the image name is wrong",
		Fix:       "`docker pull redis:8.6` when online, set WORKBOOK_REDIS_IMAGE to an image you have, or use WORKBOOK_REDIS=binary or embedded",
		matchText: []string{"could not be pulled", "cannot start a container from image"},
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
		Cause:     "the server is older than the command: HSETEX, HGETEX and HGETDEL need Redis 8.0, HEXPIRE needs 7.4",
		Fix:       "run `make up` for Redis 8.6, or use the embedded server (WORKBOOK_REDIS=embedded)",
		matchText: []string{"unknown command"},
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
