package workbook

import "github.com/redis-go-workbook/workbook/internal/features"

// The manifest: every step of the workbook, in order. A step's number is its
// place here (lessons first, then the bonus steps), its directory and chapter
// are named after it ("%02d-Name"): adding a step is adding one entry, and
// manifest_test.go says what else the entry needs (a directory with main.go,
// a chapter whose heading is the title, a row in the README's table).

// lessons are the twelve steps of the workbook proper.
var lessons = []Step{
	{
		Name:    "install",
		Title:   "Install and verify the server",
		Teaches: "PING, versions, what Redis 8 adds",
		Summary: "PING the server, read its version, compare it with the minimum (7.4) and the recommended 8.6, and find out what this build lacks (MODULE LIST, COMMAND INFO).",
		Hints: []string{
			"No Redis? `make up` starts Redis 8.6 in Docker; with nothing installed, the workbook starts its embedded server.",
			"`redis-cli ping` should answer PONG; `redis-cli info server | grep redis_version` shows the version.",
		},
		// What the server lacks depends on its build: the verdict, the
		// module list and the lines under the verdict vary.
		Normalize: []Rule{Version, Rewrite(`^Modules: .*$`, "Modules: <this build's modules>"),
			Rewrite(`^Verdict: .*$`, "Verdict: <verdict for this server>"), Rewrite(`^  - .*\n`, "")},
		Exercise: &Exercise{
			Task: "Return the server's version from the redis_version line of INFO server.",
			Hints: []string{
				"The lesson's `verify` already reads it: find the line.",
				"`rdb.Info(ctx, \"server\").Result()` gives the whole section as text.",
				"Lines end in `\\r\\n`: `strings.TrimSpace` each, then `strings.CutPrefix(line, \"redis_version:\")`.",
				"Return the error wrapped with `%w`, never `\"\", nil`.",
			},
		},
	},
	{
		Name:    "setup",
		Title:   "Project setup and configuration from .env",
		Teaches: "configuration from `.env`, validated and redacted",
		Summary: "Load the Redis settings from .env and the environment, validate them, and print them with the password hidden.",
		Hints: []string{
			"Copy .env.example to .env and change one setting, e.g. REDIS_DB=1, then run the step again.",
			"Variables already set in your shell win over .env: try `REDIS_DB=2 make step-2`.",
		},
		// The settings themselves are the learner's own: what must match is
		// the shape of the report, not their values.
		Normalize: []Rule{
			Rewrite(`^  \(no REDIS_URL or REDIS_HOST.*\n`, ""),
			Rewrite(`^(  (address|database|user|password|TLS|URL|timeouts|pool size): +).*$`, "$1<your setting>"),
		},
		Exercise: &Exercise{
			Task: "Parse a REDIS_URL into options and refuse bad ones with clear errors that never show the password.",
			Hints: []string{
				"`redis.ParseURL` does the parsing; you add the checks.",
				"Check the scheme first, and mention `redis://` in the error.",
				"ParseURL accepts port 99999 and database 16: check 1–65535 and 0–15 yourself.",
				"`url.Parse`'s error quotes the password: keep only `(*url.Error).Err` and show `u.Redacted()`.",
			},
		},
	},
	{
		Name:    "connect",
		Title:   "Connection patterns and server info",
		Teaches: "clients, pools, URLs, INFO, pool statistics",
		Summary: "Connect from options, with a sized pool and from a URL; read INFO server, clients and memory; read the pool's statistics.",
		Hints: []string{
			"A *redis.Client is a pool: create one per server at start-up and share it; never one per request.",
			"Try `redis-cli info clients` while the step runs, or `redis-cli client list`.",
		},
		Normalize: []Rule{Version, Memory, Rewrite(`^Connected clients: \d+$`, "Connected clients: <n>")},
		Exercise: &Exercise{
			Task: "Make a client whose pool holds at most maxConns connections and where a command waits at most wait for one.",
			Hints: []string{
				"Copy the options, `opts := *base`, rather than changing the caller's.",
				"`PoolSize` caps the connections in use; `PoolTimeout` caps the wait for one.",
				"Refuse `maxConns < 1` and `wait <= 0` with an error (go-redis panics on negative sizes).",
			},
		},
	},
	{
		Name:    "data-types",
		Title:   "The core data types",
		Teaches: "strings, hashes, lists, sets, sorted sets",
		Summary: "Strings, hashes (scanned into a Go struct), lists, sets and sorted sets, each for the job it does best, and how Redis encodes a small and a large hash.",
		Hints: []string{
			"Look at what the step left behind: `redis-cli HGETALL user:1001`, `redis-cli LRANGE notifications:1001 0 -1`, `redis-cli ZRANGE leaderboard:weekly 0 -1 REV WITHSCORES`.",
			"`redis-cli TYPE user:1001` names a key's type; using another type's command on it gives WRONGTYPE.",
			"A set has no order: sort SMEMBERS/SINTER replies before printing or comparing them.",
		},
		Exercise: &Exercise{
			Task: "Give a player's place on the leaderboard, 1 for the top score.",
			Hints: []string{
				"Ask Redis for one member's rank; don't download the board.",
				"`ZREVRANK` counts from the highest score, `ZRANK` from the lowest.",
				"Ranks start at 0: add 1.",
				"`errors.Is(err, redis.Nil)` means not on the board (ok == false); return any other error.",
			},
		},
	},
	{
		Name:    "cache",
		Title:   "A caching layer",
		Teaches: "cache-aside, TTLs, invalidation, SCAN",
		Summary: "A generic cache-aside wrapper: deterministic keys, a TTL on every entry, errors never cached, one call for concurrent misses, and invalidation with SCAN and UNLINK.",
		Hints: []string{
			"See the entries: `redis-cli --scan --pattern 'workbook:products:*'` (SCAN, not KEYS) and `redis-cli TTL <key>`.",
			"A key is the prefix plus the first 16 hex digits of the SHA-256 of the arguments' JSON: equal arguments, equal key.",
			"Run the cache's tests with `go test ./steps/05-cache/...`: the stampede test shows the naive cache calling the function once per concurrent miss.",
		},
		// Only the timings vary; the hit/miss labels and counts do not.
		Normalize: []Rule{Duration},
		Exercise: &Exercise{
			Task: "Read through a Redis cache with a TTL; deleting the key invalidates it.",
			Hints: []string{
				"GET first; only `redis.Nil` is a miss.",
				"Store with `rdb.Set(ctx, key, v, ttl)`: one command (SET … PX), not SET then EXPIRE.",
				"Don't cache a load error.",
				"Refuse `ttl <= 0` (for SET, 0 means forever); keep no copy in a Go map.",
			},
		},
	},
	{
		Name:     "json",
		Title:    "JSON documents",
		Teaches:  "Redis 8 native JSON and JSONPath",
		Summary:  "Store a nested document with JSON.SET, read it whole and by JSONPath, change fields in place (NUMINCRBY, ARRAPPEND), and write and read five documents through pipelines.",
		Requires: []features.Feature{features.JSON},
		Hints: []string{
			"JSONPath replies ($...) are arrays of every match: [\"dark\"], not \"dark\". A path without the $ returns one bare value.",
			"go-redis sends a Go string to JSON.SET and JSON.ARRAPPEND as raw JSON: pass `\"\\\"light\\\"\"` (or json.Marshal the value), not \"light\".",
			"No JSON on your server (ERR unknown command 'JSON.SET')? It was built without the JSON module (`redis-cli MODULE LIST` shows no ReJSON): the official redis:8.6 image has it (`make up`), or use the embedded server (WORKBOOK_REDIS=embedded).",
		},
		Exercise: &Exercise{
			Task: "Add points to $.metrics.reputation in place and return the new value.",
			Hints: []string{
				"The lesson's NUMINCRBY on followers is the model.",
				"`rdb.JSONNumIncrBy(ctx, key, \"$.metrics.reputation\", n)`, never JSON.GET then JSON.SET.",
				"The reply is a JSON array: decode it into `[]*float64`.",
				"`[]` means nothing matched and `[null]` means not a number: both are errors; check the length before reading `[0]`.",
			},
		},
	},
	{
		Name:    "pubsub",
		Title:   "An event bus on pub/sub, and on Streams",
		Teaches: "an event bus, and Streams for delivery guarantees",
		Summary: "Route JSON events to handlers by channel and pattern with pub/sub, waiting for the subscription confirmation instead of sleeping; then the same bus on a stream with a consumer group, which keeps events for consumers that are not running.",
		Hints: []string{
			"In another terminal, `redis-cli PSUBSCRIBE 'events:*'`, then run the step: you see the two JSON events, timestamps included.",
			"Publish with nobody listening: `redis-cli PUBLISH events:user:signup '{}'` answers 0, the number of receivers. The event is gone.",
			"`go run ./steps/07-pubsub -streams` publishes first and starts the consumer afterwards; `redis-cli XINFO GROUPS step07:events` during a run shows the group's pending count.",
		},
		Exercise: &Exercise{
			Task: "Subscribe, and return only once Redis has confirmed every channel.",
			Hints: []string{
				"`Bus.Start` does this.",
				"`rdb.Subscribe` returns before the confirmation arrives.",
				"Loop on `ps.Receive` until one `*redis.Subscription` per channel has arrived; close `ps` on an error.",
				"Refuse an empty list of channels.",
			},
		},
	},
	{
		Name:    "rate-limit",
		Title:   "A sliding-window rate limiter",
		Teaches: "a sliding window made atomic with Lua",
		Summary: "Limit requests per client with a sorted set, checked and recorded atomically by one Lua script on the server's clock, with a true retry-after and a net/http middleware.",
		Hints: []string{
			"Watch the limiter work: `redis-cli MONITOR` in another terminal while the step runs shows EVALSHA, then EVAL once if the script was not cached yet.",
			"Run the step twice within ten seconds: it deletes its key first, so both runs print the same. Remove that line and the second run is blocked from request 1.",
			"A sorted set's scores are times here: `redis-cli ZRANGE step08:api:v1:192.168.1.100 0 -1 WITHSCORES` (during a run) shows microseconds since 1970.",
		},
		// The retry-after is 10 s minus the time the seven requests took,
		// rounded up to tenths: 10.0s unless the machine stalled for more
		// than 100 ms. Only that stall may vary, never the figure's meaning.
		Normalize: []Rule{Rewrite(`^Retry after: (9\.[5-9]|10\.0)s$`, "Retry after: <10 s minus the run's own time, rounded up to tenths>")},
		Exercise: &Exercise{
			Task: "A fixed-window limiter: one atomic round trip, the expiry set on the window's first hit only.",
			Hints: []string{
				"INCR counts; the key's expiry is the window.",
				"One round trip that is atomic: a Lua script (`redis.NewScript`) or `TxPipelined`, not a plain pipeline.",
				"Set PEXPIRE only when INCR returns 1 (or when PTTL < 0, or with NX).",
				"Decide from INCR's reply (`n <= limit`), never from a GET beforehand.",
			},
		},
	},
	{
		Name:    "sessions",
		Title:   "Session management for web applications",
		Teaches: "sliding expiry, log-out-everywhere, hash-field TTLs",
		Summary: "Sessions in hashes with random 256-bit IDs, sliding expiration in one atomic script, log out everywhere, net/http middleware, and Redis 8 fields that expire on their own.",
		Hints: []string{
			"`redis-cli --scan --pattern 'session:*'` lists the sessions; `redis-cli hgetall session:<id>` and `redis-cli pttl session:<id>` show one.",
			"Sliding expiration: call Get and watch `redis-cli ttl session:<id>` jump back to 1800.",
			"HSETEX, HGETEX and HGETDEL need Redis 8: `make up` starts 8.6.",
		},
		Normalize: []Rule{
			// The ID is random: keep its shape (20 characters of the URL-safe
			// alphabet) and hide the characters themselves.
			Rewrite(`^Session created: [A-Za-z0-9_-]{20}\.\.\.`, "Session created: <20 random characters>..."),
			// Timestamps of this run.
			Rewrite(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b`, "<timestamp>"),
		},
		Exercise: &Exercise{
			Task: "Refresh last_active and the TTL of a live session; never bring back an expired one.",
			Hints: []string{
				"HSET on a missing key creates a new hash, with no TTL.",
				"Look at the lesson's `touchScript`.",
				"In a script: EXISTS, then HSET and PEXPIRE; return 0 or 1.",
				"Or WATCH the key, check EXISTS, and write in `TxPipelined`, retrying on `TxFailedErr`.",
			},
		},
	},
	{
		Name:    "pipelines",
		Title:   "Pipelines and transactions for performance",
		Teaches: "round trips, MULTI/EXEC, WATCH",
		Summary: "1,000 SETs one by one, pipelined and in MULTI/EXEC; then a money transfer in integer cents with WATCH/MULTI/EXEC, bounded retries, and a Lua script.",
		Hints: []string{
			"Pipelines save round trips: the further the server, the bigger the speedup. Try it against a Redis on another machine.",
			"`redis-cli monitor` in another terminal shows MULTI, the queued commands and EXEC of a transfer.",
			"`go test -bench . ./steps/10-pipelines/` measures the same thing properly, many times over.",
		},
		// Timings and rates depend on the machine; the speedup too.
		Normalize: []Rule{Duration, Rate, Rewrite(`\b\d+(\.\d+)?x faster\b`, "<n>x faster")},
		Exercise: &Exercise{
			Task: "Move integer cents between fields of one hash with WATCH, retrying on TxFailedErr.",
			Hints: []string{
				"`Bank.Transfer` is the model.",
				"`rdb.Watch(ctx, fn, key)`; inside, `tx.HMGet` both accounts; a nil value means `ErrUnknownAccount`.",
				"Write both HINCRBYs in `tx.TxPipelined`; too little money means `ErrShortOfFunds`.",
				"Loop while `errors.Is(err, redis.TxFailedErr)`, at most `moveAttempts` times.",
			},
		},
	},
	{
		Name:    "concurrency",
		Title:   "Concurrency: goroutines, the pool and pipelines",
		Teaches: "goroutines, the pool, fan-out: Go's answer to asyncio",
		Summary: "Share one client among goroutines, fan out 100 writes and 100 reads with errgroup under a deadline, compare with one pipeline, and receive a pub/sub message with a timeout.",
		Hints: []string{
			"A *redis.Client is a pool: create one at start-up and share it; never one client per request.",
			"errgroup.WithContext plus SetLimit bounds the goroutines and stops them at the first error or when the context ends.",
			"Many independent commands from one goroutine? A pipeline (one round trip) beats goroutines (one round trip each).",
			"Pub/sub: wait for the subscription's confirmation (Receive) before publishing, or the message can be lost.",
		},
		Normalize: []Rule{
			Duration,
			// How the pool splits its work between reused and new
			// connections depends on scheduling; the pool size on the CPU
			// count (10 per CPU) or REDIS_POOL_SIZE.
			Rewrite(`\((hits|misses)\): +\d+`, "($1): <n>"),
			Rewrite(`^Open connections: \d+ \(idle \d+\), pool size \d+$`, "Open connections: <n> (idle <n>), pool size <n>"),
			// How many pipelines AutoPipeline formed depends on scheduling;
			// the test asserts that it is fewer than the commands.
			Rewrite(`^Round trips: \d+ for`, "Round trips: <n> for"),
		},
		Exercise: &Exercise{
			Task: "GET many keys concurrently, at most limit at once, in order, stopping at the first error.",
			Hints: []string{
				"The lesson's `fanOut` is the pattern.",
				"`g, gctx := errgroup.WithContext(ctx)` and `g.SetLimit(limit)`.",
				"Each `g.Go` writes `values[i]`; `redis.Nil` gives \"\".",
				"Pass `gctx` to `rdb.Get`; refuse `limit < 1` (SetLimit(0) hangs, a negative limit is unbounded).",
			},
		},
	},
	{
		Name:    "url-shortener",
		Title:   "Capstone: a URL shortener",
		Teaches: "the capstone: everything together, as an HTTP service",
		Summary: "Short links with random or custom codes claimed atomically, click counting in one transaction, stats and a top list, then the same as an HTTP service with rate limiting.",
		Hints: []string{
			"Claim a code with a command that fails when it is taken (HSETNX, SET NX), never with EXISTS followed by a write.",
			"Count a click with HINCRBY and ZINCRBY in one MULTI/EXEC; ZINCRBY alone creates the member, no ZADD needed.",
			"`make step-12 ARGS=serve` starts the HTTP API on 127.0.0.1:8080; POST /api/shorten, then GET /CODE.",
		},
		Normalize: []Rule{
			// Random codes: crypto/rand draws new ones every run. "special"
			// is a custom code and stays as it is.
			Rewrite(`^(Shortened: https://sho\.rt/)[0-9A-Za-z]{7}\b`, "${1}<code>"),
			Rewrite(`^( \d+\. )[0-9A-Za-z]{7}:`, "${1}<code>:"),
			Memory,
		},
		Exercise: &Exercise{
			Task: "The top n links by clicks, skipping expired ones and filling up from further down.",
			Hints: []string{
				"`Shortener.Top` is the model.",
				"`ZRangeArgsWithScores{Rev: true, Start: s, Stop: s+n-1}`: the stop index is inclusive; never read `0 -1`.",
				"Fetch a page's long_urls in one `rdb.Pipelined`; `redis.Nil` means expired, so skip it.",
				"Loop to the next page until you have n or a page comes back empty; refuse `n < 1`.",
			},
		},
	},
}

// bonus steps turn the closing sections of a tutorial into programs: they
// change server settings and break things on purpose, on a throwaway server.
var bonus = []Step{
	{
		Name:    "pitfalls",
		Title:   "Pitfalls: seven mistakes, shown and fixed",
		Teaches: "seven classic mistakes, each shown live and then fixed",
		Summary: "KEYS vs SCAN under load, redis.Nil and values go-redis can't encode, a TTL audit, a large value vs a hash, a client per request vs a pool, AOF fsync policies, and maxmemory policies, each measured on a throwaway server.",
		Hints: []string{
			"This step starts its own throwaway Redis: it changes maxmemory, the eviction policy and AOF, so it never touches yours.",
			"Pitfalls 6 and 7 need a real server; the embedded server skips them, saying why. With Docker running, the step starts its own Redis container; or put redis-server on PATH (e.g. `PATH=/opt/redis8/bin:$PATH WORKBOOK_REDIS=binary`). Your `make up` server is never used.",
			"Timings vary from run to run and machine to machine; the counts (keys, bytes, connections) do not.",
		},
		Normalize: []Rule{Duration, Memory},
		// Pitfalls 6 and 7 need AOF and maxmemory; elsewhere they print a
		// "skipped" line instead of their measurements.
		RecordedOn: &Recording{Has: []features.Feature{features.Persistence, features.Eviction}, Where: "a real Redis 8.6"},
	},
	{
		Name:    "troubleshooting",
		Title:   "Troubleshooting: every error, reproduced",
		Teaches: "every row of the troubleshooting table, reproduced, with the Go error and its fix",
		Summary: "Each row of the tutorial's troubleshooting table made to happen on a throwaway server, with the error go-redis really returns and the catalogue's cause and fix.",
		Hints: []string{
			"This step starts its own throwaway Redis: it sets a password, lowers maxclients and maxmemory and breaks a save, so it never touches yours.",
			"Most rows need a real server; on the embedded server they are skipped, with the reason. With Docker running, the step starts its own Redis container; or put redis-server on PATH (e.g. `PATH=/opt/redis8/bin:$PATH WORKBOOK_REDIS=binary`) to see every row. Your `make up` server is never used.",
			"`go run ./runner doctor` uses the same catalogue (internal/diagnose) to explain an error you paste.",
		},
		Normalize: []Rule{
			Port,
			// A server over maxclients hangs up; how go-redis notices depends on
			// timing and on what sits between (Docker's port proxy): EOF, a
			// broken pipe or a reset connection.
			Rewrite(`^   error: (EOF|write: broken pipe|.*connection reset by peer)$`, "   error: <the server hung up: EOF, broken pipe or connection reset>"),
		},
		// Every row happens only on a local redis-server: in a container the
		// MISCONF row is skipped, and the embedded server skips most rows.
		RecordedOn: &Recording{
			Has:   []features.Feature{features.Config, features.MaxClients, features.Eviction, features.Persistence},
			Modes: []string{"binary"},
			Where: "a local redis-server 8.6 (WORKBOOK_REDIS=binary)",
		},
	},
	{
		Name:    "production",
		Title:   "Production tips",
		Teaches: "key naming, small-hash encoding, Lua CAS, a real Sentinel failover, a monitoring dashboard",
		Summary: "Key naming and SCAN by prefix, listpack hashes, Lua compare-and-swap with EVALSHA, a real Sentinel failover, and a live monitoring dashboard.",
		Hints: []string{
			"The Sentinel demo starts redis-server processes: put Redis's bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH), or use `docker-compose --profile sentinel up -d`.",
			"`go run ./steps/15-production monitor` redraws the five metrics and the slow log every second; run `redis-benchmark -q` in another terminal to see them move.",
			"`redis-cli OBJECT ENCODING key` and `redis-cli MEMORY USAGE key SAMPLES 0` show any hash's encoding and size.",
		},
		Normalize: []Rule{
			Port, Duration, Memory,
			// Memory figures depend on the version and the allocator.
			Rewrite(`MEMORY USAGE → \d+ bytes`, "MEMORY USAGE → <n> bytes"),
			Rewrite(`costs \d+(\.\d+)?x the memory`, "costs <ratio>x the memory"),
			// The server's own recent average of commands per second.
			Rewrite(`^ops/s( +)\d+$`, "ops/s$1<n>"),
		},
		RecordedOn: &Recording{Has: []features.Feature{features.Config, features.Slowlog}, Where: "a real Redis 8.6"},
	},
	{
		Name:    "benchmarks",
		Title:   "Benchmarks",
		Teaches: "go-redis measured beside redis-benchmark (`make bench`: table, CSV and chart)",
		Summary: "The tutorial's benchmark table measured in Go — individual commands, pipelines of 100, concurrent goroutines — beside redis-benchmark, as a table, a CSV and a chart.",
		Hints: []string{
			"`make bench` measures 100,000 commands per run and also runs the Go benchmarks; the quick default measures 2,000.",
			"Open bench/benchmarks.svg in a browser; bench/benchmarks.csv is for comparing machines or runs over time.",
			"Put Redis's bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH) to measure redis-benchmark, the C client, beside go-redis.",
		},
		Normalize: []Rule{
			Version,
			// Throughput cells and ratios: right-aligned numbers, so at
			// least two spaces before them ("pipeline 100 |" has one).
			Rewrite(`  +\d+(\.\d+)?(x?) \|`, " <n>$2 |"),
			// Where the files went (a temporary directory in tests).
			Rewrite(`\S*/(benchmarks\.(csv|svg))`, "<dir>/$1"),
		},
		// The table compares with redis-benchmark and has a JSON.SET row that
		// says the server lacks JSON.
		RecordedOn: &Recording{
			Lacks: []features.Feature{features.JSON},
			Tools: []string{"redis-benchmark"},
			Where: "a real Redis 8.6 without JSON, with redis-benchmark on PATH",
		},
	},
	{
		Name:    "cluster",
		Title:   "Redis Cluster",
		Teaches: "a real six-node cluster: slots, CROSSSLOT and hash tags in the workbook's own code, live resharding, a failover, pipelines by node",
		Summary: "A real six-node Redis Cluster: keys over slots and nodes, CROSSSLOT and hash tags in the workbook's own code, live resharding, a failover, and pipelines split by node.",
		Hints: []string{
			"The step starts six redis-server processes and joins them with redis-cli: put Redis's bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH).",
			"`redis-cli -c -p PORT` follows MOVED and ASK like go-redis does; `CLUSTER SHARDS` and `CLUSTER KEYSLOT key` show where a key lives.",
			"Keys that one transaction, script or WATCH must change together need one hash tag: {user:1001}:sessions and {user:1001}:profile share a slot.",
		},
		Normalize: []Rule{
			Port, Duration, Version,
			// Node IDs are random.
			Rewrite(`\b[0-9a-f]{40}\b`, "<id>"),
			// Throughput, right-aligned.
			Rewrite(` +\d+ ops/s`, " <n> ops/s"),
			Rewrite(`the same \d+ keys`, "the same <n> keys"),
			// What the workloads managed to do while slots moved or a node
			// died depends on the machine's speed; errors, wrong reads and
			// lost writes are not normalised: they must stay 0.
			Rewrite(`\b\d+ (more )?writes\b`, "<n> ${1}writes"),
			Rewrite(`followed \d+ MOVED and \d+ ASK`, "followed <n> MOVED and <n> ASK"),
			Rewrite(`\b\d+ of \d+ keys there\b`, "<n> of <n> keys there"),
			// The failover's error window.
			Rewrite(`writes ok, \d+ failed`, "writes ok, <n> failed"),
			Rewrite(`errors seen: .*`, "errors seen: <kinds>"),
			Rewrite(`\d+ reads ok, \d+ failed`, "<n> reads ok, <n> failed"),
			Rewrite(`read back after the failover: \d+ of \d+ \(\d+ lost`, "read back after the failover: <n> of <n> (<n> lost"),
		},
		// The step runs a cluster of its own, whatever the session's server.
		RecordedOn: &Recording{Tools: []string{"redis-server", "redis-cli"}, Where: "six local redis-server 8.6 processes"},
	},
}
