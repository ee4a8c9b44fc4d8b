// Package doctor examines a set-up: the learner's machine (Go, .env, the
// provisioning mode, Docker, redis-server) and a Redis server (reachable,
// authenticated, recent enough, with JSON and hash-field expiration,
// memory, persistence, clients, latency, keys), and says for each finding
// what it means and the one thing to do about it. Every probe is bounded:
// the doctor answers within seconds whatever the server does.
//
// Findings that match a row of the troubleshooting catalogue
// (internal/diagnose) carry that row's cause and fix, so the doctor, the
// steps and the runner always give the same advice for the same symptom.
package doctor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/provision/container"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// Status is how a finding looks: ✓, !, ✗, or a neutral note.
type Status int

const (
	OK   Status = iota // ✓ all good
	Warn               // ! works, but worth knowing or fixing
	Fail               // ✗ something the workbook needs is broken
	Info               // · neutral: optional, or skipped
)

// Mark is the status's one-character symbol.
func (s Status) Mark() string { return [...]string{"✓", "!", "✗", "·"}[s] }

// Result is one line of the doctor's report.
type Result struct {
	Name   string // what was checked, e.g. "Redis version"
	Status Status
	Detail string // what was found
	Fix    string // what to do, for Warn and Fail
	// Entry is the catalogue row the finding matched ("refused", "oom"...),
	// or "" when none did.
	Entry string
}

// String is the result as one plain line (plus its fix).
func (r Result) String() string {
	s := fmt.Sprintf("%s %s: %s", r.Status.Mark(), r.Name, r.Detail)
	if r.Fix != "" {
		s += "\n    fix: " + r.Fix
	}
	return s
}

func fromEntry(name string, st Status, detail string, e diagnose.Entry) Result {
	return Result{Name: name, Status: st, Detail: detail + " — " + e.Cause, Fix: e.Fix, Entry: e.ID}
}

// Thresholds the report uses.
const (
	MinimumVersion     = "7.4"
	RecommendedVersion = "8.6"
	slowMedian         = 20 * time.Millisecond
	slowWorst          = 200 * time.Millisecond
	pings              = 10
	// Bounds on every probe, whatever REDIS_*_TIMEOUT say: a server that
	// accepts connections and never answers must not hang the doctor.
	maxDial  = 5 * time.Second
	maxReply = 3 * time.Second
)

// ---------------------------------------------------------------- machine

// GoVersion compares the Go running the workbook with the go.mod's.
func GoVersion(root string) Result {
	r := Result{Name: "Go"}
	have := strings.TrimPrefix(runtime.Version(), "go")
	want := goModVersion(filepath.Join(root, "go.mod"))
	if _, err := exec.LookPath("go"); err != nil {
		r.Status, r.Detail = Fail, "the go command is not on PATH"
		r.Fix = "install Go from https://go.dev/dl and make sure `go version` works in this terminal"
		return r
	}
	r.Detail = "go" + have
	if want != "" && versionLess(have, want) {
		r.Status, r.Detail = Fail, fmt.Sprintf("go%s is older than go%s, which go.mod asks for", have, want)
		r.Fix = "install Go " + want + " or newer from https://go.dev/dl (or leave GOTOOLCHAIN=auto so go fetches it)"
		return r
	}
	if want != "" {
		r.Detail += " (go.mod needs " + want + ")"
	}
	return r
}

func goModVersion(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// DotEnv checks that .env, if there is one, is valid.
func DotEnv() (Result, config.Config) {
	r := Result{Name: ".env"}
	path, found := config.FindDotEnv()
	cfg, err := config.Load()
	switch {
	case err != nil:
		r.Status, r.Detail = Fail, err.Error()
		var cerr *config.Error
		if errors.As(err, &cerr) && cerr.Fix != "" {
			r.Fix = cerr.Fix + " (compare with .env.example)"
		} else {
			r.Fix = "correct the line it names; .env.example shows every setting"
		}
	case !found && cfg.Explicit:
		r.Detail = "none; the environment sets the server: " + cfg.RedactedURL()
	case !found:
		r.Status, r.Detail = Info, "none (optional: the workbook finds or starts a Redis itself; copy .env.example to .env to choose one)"
	case cfg.Explicit:
		r.Detail = fmt.Sprintf("%s is valid and names the server %s", rel(path), cfg.RedactedURL())
	default:
		r.Detail = rel(path) + " is valid and names no server (the workbook finds or starts one)"
	}
	if err == nil && len(cfg.Notes) > 0 {
		r.Status, r.Detail, r.Fix = Warn, r.Detail+"; but "+strings.Join(cfg.Notes, "; "), "keep one way of naming the server (see .env.example)"
	}
	if found && err == nil && holdsSecret(cfg) {
		if st, serr := os.Stat(path); serr == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
			r.Status = Warn
			r.Detail += fmt.Sprintf("; it holds a password and other users of this machine may read it (mode %04o)", st.Mode().Perm())
			r.Fix = "chmod 600 " + rel(path)
		}
	}
	return r, cfg
}

func holdsSecret(cfg config.Config) bool {
	return cfg.Password != "" || os.Getenv(config.EnvPassword) != ""
}

func rel(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return path
}

// Docker checks for a Docker engine (the one DOCKER_HOST names, if set)
// and for the image container mode would run.
func Docker(ctx context.Context) Result {
	r, _ := DockerEngine(ctx)
	return r
}

// DockerEngine is Docker, and whether an engine answered at all (whatever
// the image's state).
func DockerEngine(ctx context.Context) (Result, bool) {
	r, err := docker(ctx)
	return r, err == nil
}

func docker(ctx context.Context) (Result, error) {
	r := Result{Name: "Docker"}
	if err := container.Available(ctx); err != nil {
		r.Status = Warn
		r.Detail = firstLine(err.Error())
		r.Fix = "optional: install or start Docker for `make up` (Redis 8.6); without it the workbook uses redis-server or its embedded server"
		var ua *provision.UnavailableError
		if errors.As(err, &ua) {
			r.Detail = ua.Msg
			if os.Getenv("DOCKER_HOST") != "" {
				r.Fix = ua.Fix
			}
		}
		return r, err
	}
	image := provision.Image()
	present, err := container.CheckImage(ctx, image)
	switch {
	case err != nil:
		r.Status, r.Detail = Warn, "a Docker engine answers, but "+firstLine(err.Error())
		r.Fix = "set " + provision.EnvImage + " to an image you have (`docker images redis`), or unset it for redis:8.6"
	case !present:
		r.Status, r.Detail = Warn, "a Docker engine answers; the image "+image+" is not here yet, so the first container needs a download"
		r.Fix = "`docker pull " + image + "` while online, or set " + provision.EnvImage + " to an image you have (`docker images redis`)"
	default:
		r.Detail = "a Docker engine answers; containers use the image " + image + " (present)"
	}
	return r, nil
}

// Mode says which provisioning mode is in force, and whether a forced one
// can work here.
func Mode(ctx context.Context) Result {
	r := Result{Name: provision.EnvMode}
	mode, err := provision.ModeFromEnv()
	if err != nil {
		r.Status, r.Detail, r.Fix = Fail, err.Error(), "unset it, or use one of the modes it names"
		return r
	}
	switch mode {
	case provision.Auto:
		r.Status, r.Detail = Info, "auto: your settings, else 127.0.0.1:6379, else a container, redis-server or the embedded server"
	case provision.Binary:
		r.Detail = "binary (forced): every server is a redis-server started from PATH"
		if _, err := exec.LookPath("redis-server"); err != nil {
			e, _ := diagnose.Lookup("noredisserver")
			return fromEntry(r.Name, Fail, r.Detail+", and there is no redis-server on PATH", e)
		}
	case provision.Container:
		r.Detail = "container (forced): the runner and the tests start a Redis container"
		if err := container.Available(ctx); err != nil {
			r.Status, r.Detail, r.Fix = Fail, r.Detail+", but "+firstLine(err.Error()), "start Docker, or unset "+provision.EnvMode
		}
	case provision.Embedded:
		r.Detail = "embedded (forced): every server is the workbook's embedded server"
	case provision.URL:
		r.Detail = "url (forced): only the server your settings name"
	}
	return r
}

var serverVersion = regexp.MustCompile(`v=(\d+\.\d+\.\d+)`)

// RedisServer looks for redis-server on PATH.
func RedisServer(ctx context.Context) Result {
	r := Result{Name: "redis-server"}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		r.Status, r.Detail = Info, "not on PATH (optional: the workbook starts it when there is no Docker)"
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, "--version").Output()
	m := serverVersion.FindStringSubmatch(string(out))
	if m == nil {
		r.Status, r.Detail = Warn, path+" did not say its version"
		r.Fix = "run `" + path + " --version` to see what is wrong with it"
		return r
	}
	r.Detail = fmt.Sprintf("%s (Redis %s)", path, m[1])
	if versionLess(m[1], MinimumVersion) {
		r.Status = Warn
		r.Detail += ", older than the minimum " + MinimumVersion
		r.Fix = "the workbook prefers Docker or its embedded server over it only when they are there; install Redis 8 (redis.io/docs/latest/operate/oss_and_stack/install) or run `make up`"
	}
	return r
}

// ---------------------------------------------------------------- server

// Server examines a Redis server. It stops after the connection checks when
// the server cannot be reached or refuses the credentials, since nothing
// after them could work.
func Server(ctx context.Context, t *provision.Server) []Result {
	return Examine(ctx, t).Results
}

// Examination is what Server found: its rows, and what the server was
// found to support (for a report).
type Examination struct {
	Results []Result
	// Reached is true when the server answered and accepted the
	// credentials.
	Reached bool
	// Features is what the server supports; the zero Set when it was not
	// reached.
	Features features.Set
}

// Examine is Server, with what it found about the server's features.
func Examine(ctx context.Context, t *provision.Server) Examination {
	rdb, results, ok := Connect(ctx, t)
	if !ok {
		return Examination{Results: results}
	}
	defer rdb.Close()
	set, vres := Version(ctx, rdb, t)
	results = append(results, vres)
	results = append(results, Features(set)...)
	// A stand-in (the embedded server) may answer CONFIG and INFO without
	// enforcing what they say: report only what the server really does.
	if set.Has(features.Eviction) {
		results = append(results, Memory(ctx, rdb))
	} else {
		results = append(results, Result{Name: "Memory", Status: Info, Detail: set.Server + " has no maxmemory limit or eviction (lessons about OOM need a real Redis)"})
	}
	if set.Has(features.Persistence) {
		results = append(results, Persistence(ctx, rdb))
	} else {
		results = append(results, Result{Name: "Persistence", Status: Info, Detail: set.Server + " keeps data in memory only: it is gone when the session ends"})
	}
	results = append(results, Clients(ctx, rdb, set.Has(features.MaxClients)))
	results = append(results, Latency(ctx, rdb))
	results = append(results, Keys(ctx, rdb, t))
	return Examination{Results: results, Reached: true, Features: set}
}

// Connect checks that the server answers and accepts the credentials. It
// returns a client for the remaining checks when both hold.
func Connect(ctx context.Context, t *provision.Server) (*redis.Client, []Result, bool) {
	opts := bounded(t.Options())
	rdb := redis.NewClient(opts)
	reach := Result{Name: "Reachable"}
	auth := Result{Name: "Authentication"}
	pctx, cancel := context.WithTimeout(ctx, maxDial+maxReply)
	err := rdb.Ping(pctx).Err()
	cancel()
	if err == nil {
		reach.Detail = t.Description + " answers PING"
		if opts.Password != "" {
			auth.Detail = "the password was accepted"
		} else {
			auth.Detail = "no password needed"
		}
		return rdb, []Result{reach, auth}, true
	}
	_ = rdb.Close()

	e, known := diagnose.Explain(err)
	if !known || e.ID == "hungup" {
		// The server took the connection and closed it: it may have said
		// why first (too many clients does that, and go-redis hides it).
		// Ask it plainly and keep its answer if the catalogue knows it.
		said := strings.TrimPrefix(provision.PlainGreeting(ctx, opts.Addr, 2*time.Second), "-")
		if said != "" {
			if e2, ok := diagnose.ExplainText(said); ok {
				e, known, err = e2, true, errors.New(said)
			}
		}
	}
	e = e.For(via(t))
	switch {
	case known && (e.ID == "noauth" || e.ID == "wrongpass"):
		reach.Detail = t.Description + " answers"
		detail := "the server refused the credentials: " + firstLine(err.Error())
		if e.ID == "noauth" {
			detail = "the server requires a password and none was sent"
		}
		return nil, []Result{reach, fromEntry("Authentication", Fail, detail, e)}, false
	case known:
		reach = fromEntry("Reachable", Fail, fmt.Sprintf("%s: %s", t.Description, firstLine(err.Error())), e)
	default:
		reach.Status, reach.Detail = Fail, fmt.Sprintf("%s: %s", t.Description, firstLine(err.Error()))
		reach.Fix = "check REDIS_URL (or REDIS_HOST/REDIS_PORT) in .env; `redis-cli -u \"$REDIS_URL\" ping` should answer PONG"
	}
	auth.Status, auth.Detail = Info, "not checked: the server did not answer"
	return nil, []Result{reach, auth}, false
}

// bounded copies opts with every timeout capped, and the context's
// deadline honoured, so that no probe outlasts a few seconds.
func bounded(opts *redis.Options) *redis.Options {
	o := *opts
	o.MaxRetries = -1   // one honest attempt: retries would hide the cause
	o.DialerRetries = 1 // and one dial (go-redis makes 5 by default)
	o.DialTimeout = min(nonZero(o.DialTimeout, maxDial), maxDial)
	o.ReadTimeout = min(nonZero(o.ReadTimeout, maxReply), maxReply)
	o.WriteTimeout = min(nonZero(o.WriteTimeout, maxReply), maxReply)
	o.ContextTimeoutEnabled = true
	o.PoolSize = 2
	return &o
}

func nonZero(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// via is the setting that named t, for advice about its password.
func via(t *provision.Server) string {
	if t.Owned {
		return ""
	}
	if os.Getenv(config.EnvURL) != "" {
		return config.EnvURL
	}
	return ""
}

// Version reads the server's version and compares it with the minimum and
// the recommended one. It returns the features it found too.
func Version(ctx context.Context, rdb *redis.Client, t *provision.Server) (features.Set, Result) {
	r := Result{Name: "Redis version"}
	if t.Described() {
		// The provision package already asked.
		return t.Features, VersionVerdict(t.Features.Version)
	}
	set, err := features.Detect(ctx, rdb, t.Description)
	if err != nil {
		r.Status, r.Detail = Warn, "the server did not say its version: "+firstLine(err.Error())
		r.Fix = "INFO server failed; if this is a managed service, check that INFO is allowed for your user"
		return features.NewSet(t.Description, ""), r
	}
	return set, VersionVerdict(set.Version)
}

// VersionVerdict compares a version with the minimum and the recommended one.
func VersionVerdict(v string) Result {
	r := Result{Name: "Redis version"}
	switch {
	case !features.AtLeast(v, 7, 4):
		r.Status, r.Detail = Fail, fmt.Sprintf("%s is older than the minimum %s", v, MinimumVersion)
		r.Fix = "upgrade: `make up` runs Redis " + RecommendedVersion + " in Docker"
	case !features.AtLeast(v, 8, 6):
		r.Status, r.Detail = Warn, fmt.Sprintf("%s: above the minimum %s, below the recommended %s", v, MinimumVersion, RecommendedVersion)
		r.Fix = "every step runs on Redis 8; for " + RecommendedVersion + " itself, `make up`"
		if !features.AtLeast(v, 8, 0) {
			r.Fix = "JSON (step 6) and HSETEX/HGETEX/HGETDEL need Redis 8: `make up` runs " + RecommendedVersion
		}
	default:
		r.Detail = v + " (recommended: " + RecommendedVersion + ")"
	}
	return r
}

// Features reports JSON and the two generations of hash-field expiration.
func Features(set features.Set) []Result {
	var out []Result
	for _, f := range []features.Feature{features.JSON, features.HashFieldTTL, features.HashFieldEx} {
		r := Result{Name: featureName(f), Detail: "available"}
		if !set.Has(f) {
			r.Status, r.Detail = Warn, "missing"
			msg := set.Missing(f)
			if _, how, ok := strings.Cut(msg, ": "); ok {
				r.Fix = how
			}
			r.Detail = "missing on " + set.Server + neededBy(f)
		}
		out = append(out, r)
	}
	return out
}

// neededBy names the steps whose manifest entry requires f.
func neededBy(f features.Feature) string {
	var nums []string
	for _, s := range workbook.Steps() {
		for _, r := range s.Requires {
			if r == f {
				nums = append(nums, strconv.Itoa(s.Number))
			}
		}
	}
	switch len(nums) {
	case 0:
		return " (the steps that use it say so and stop)"
	case 1:
		return " (step " + nums[0] + " needs it, and says so and stops)"
	}
	return " (steps " + strings.Join(nums, ", ") + " need it, and say so and stop)"
}

func featureName(f features.Feature) string {
	switch f {
	case features.JSON:
		return "JSON"
	case features.HashFieldTTL:
		return "Hash-field TTL (HEXPIRE)"
	case features.HashFieldEx:
		return "HSETEX/HGETEX/HGETDEL"
	}
	return string(f)
}

// configGet reads one setting, or reports that CONFIG is not available.
func configGet(ctx context.Context, rdb *redis.Client, name string) (string, error) {
	m, err := rdb.ConfigGet(ctx, name).Result()
	if err != nil {
		return "", err
	}
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("no setting %s", name)
	}
	return v, nil
}

func info(ctx context.Context, rdb *redis.Client, section string) (string, error) {
	return rdb.Info(ctx, section).Result()
}

func noConfig(name string, err error) Result {
	return Result{Name: name, Status: Info, Detail: "not checked: this server does not answer CONFIG GET (" + firstLine(err.Error()) + ")"}
}

// Memory checks maxmemory and the eviction policy against memory in use.
func Memory(ctx context.Context, rdb *redis.Client) Result {
	const name = "Memory"
	maxStr, err := configGet(ctx, rdb, "maxmemory")
	if err != nil {
		return noConfig(name, err)
	}
	policy, _ := configGet(ctx, rdb, "maxmemory-policy")
	limit, _ := strconv.ParseInt(maxStr, 10, 64)
	mem, _ := info(ctx, rdb, "memory")
	used, _ := strconv.ParseInt(features.InfoField(mem, "used_memory"), 10, 64)
	if limit == 0 {
		return Result{Name: name, Detail: fmt.Sprintf("%s used, no maxmemory limit (policy %s)", human(used), policy)}
	}
	r := Result{Name: name, Detail: fmt.Sprintf("%s used of maxmemory %s, policy %s", human(used), human(limit), policy)}
	if policy == "noeviction" {
		e, _ := diagnose.Lookup("oom")
		switch {
		case used >= limit:
			return fromEntry(name, Fail, r.Detail+": writes are being refused with OOM", e)
		case used*10 >= limit*9:
			r.Status, r.Detail = Warn, r.Detail+": over 90% full, writes will soon fail with OOM"
			r.Fix = e.Fix
		}
	}
	return r
}

// Persistence reports RDB/AOF, and a failing background save (MISCONF).
func Persistence(ctx context.Context, rdb *redis.Client) Result {
	const name = "Persistence"
	p, err := info(ctx, rdb, "persistence")
	if err != nil || features.InfoField(p, "rdb_last_bgsave_status") == "" {
		if err == nil {
			err = errors.New("INFO persistence is empty")
		}
		return Result{Name: name, Status: Info, Detail: "not checked: this server does not report persistence (" + firstLine(err.Error()) + ")"}
	}
	save, _ := configGet(ctx, rdb, "save")
	aof := features.InfoField(p, "aof_enabled") == "1"
	var parts []string
	if strings.TrimSpace(save) != "" {
		parts = append(parts, "RDB snapshots (save "+save+")")
	} else {
		parts = append(parts, "no RDB snapshots")
	}
	if aof {
		parts = append(parts, "AOF on")
	} else {
		parts = append(parts, "AOF off")
	}
	detail := strings.Join(parts, ", ")
	if features.InfoField(p, "rdb_last_bgsave_status") == "err" {
		e, _ := diagnose.Lookup("misconf")
		stop, _ := configGet(ctx, rdb, "stop-writes-on-bgsave-error")
		what := "the last background save failed"
		if stop != "no" && strings.TrimSpace(save) != "" {
			what += ", so writes are refused with MISCONF"
		}
		return fromEntry(name, Fail, detail+": "+what, e)
	}
	if aof && features.InfoField(p, "aof_last_write_status") == "err" {
		e, _ := diagnose.Lookup("misconf")
		return fromEntry(name, Fail, detail+": the last AOF write failed", e)
	}
	if !aof && strings.TrimSpace(save) == "" {
		detail += ": data lives in memory only, a restart empties it (fine for learning)"
	}
	return Result{Name: name, Detail: detail}
}

// Clients compares connected clients with maxclients (when the server
// enforces a limit: limited).
func Clients(ctx context.Context, rdb *redis.Client, limited bool) Result {
	const name = "Clients"
	c, err := info(ctx, rdb, "clients")
	if err != nil {
		return Result{Name: name, Status: Info, Detail: "not checked: " + firstLine(err.Error())}
	}
	n, _ := strconv.Atoi(features.InfoField(c, "connected_clients"))
	if !limited {
		return Result{Name: name, Detail: fmt.Sprintf("%d connected (this server enforces no maxclients limit)", n)}
	}
	maxStr, err := configGet(ctx, rdb, "maxclients")
	if err != nil {
		return Result{Name: name, Detail: fmt.Sprintf("%d connected (this server does not report maxclients)", n)}
	}
	limit, _ := strconv.Atoi(maxStr)
	r := Result{Name: name, Detail: fmt.Sprintf("%d connected of maxclients %d", n, limit)}
	e, _ := diagnose.Lookup("maxclients")
	switch {
	case limit > 0 && n >= limit:
		return fromEntry(name, Fail, r.Detail+": new connections are refused", e)
	case limit > 0 && n*10 >= limit*9:
		r.Status, r.Detail, r.Fix = Warn, r.Detail+": over 90% of the limit", e.Fix
	}
	return r
}

// Latency times a few PINGs: the median is the usual round trip, the worst
// shows hiccups.
func Latency(ctx context.Context, rdb *redis.Client) Result {
	const name = "Latency"
	var ds []time.Duration
	for i := 0; i < pings; i++ {
		start := time.Now()
		if err := rdb.Ping(ctx).Err(); err != nil {
			if e, ok := diagnose.Explain(err); ok {
				return fromEntry(name, Fail, "PING failed: "+firstLine(err.Error()), e)
			}
			return Result{Name: name, Status: Fail, Detail: "PING failed: " + firstLine(err.Error()), Fix: "run the doctor again; if it persists, check the server's log"}
		}
		ds = append(ds, time.Since(start))
	}
	med, worst := summarize(ds)
	r := Result{Name: name, Detail: fmt.Sprintf("median %s, worst %s over %d PINGs", roundDur(med), roundDur(worst), len(ds))}
	switch {
	case med > slowMedian:
		r.Status, r.Fix = Warn, "every command pays this round trip: a server on another continent? Use a local one (`make up`), and pipeline commands (step 7)"
	case worst > slowWorst:
		r.Status, r.Fix = Warn, "occasional slow replies: look for slow commands with `SLOWLOG GET 10` or a busy machine"
	}
	return r
}

func summarize(ds []time.Duration) (median, worst time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[len(s)-1]
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Millisecond:
		return d.Round(time.Millisecond)
	case d > 10*time.Microsecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}

// Keys warns when the database already holds keys that the steps' keys
// would be mixed with.
func Keys(ctx context.Context, rdb *redis.Client, t *provision.Server) Result {
	const name = "Database"
	n, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return Result{Name: name, Status: Info, Detail: "not checked: " + firstLine(err.Error())}
	}
	opts := t.Options()
	db := opts.DB
	if n == 0 {
		return Result{Name: name, Detail: fmt.Sprintf("database %d is empty", db)}
	}
	if t.Owned {
		return Result{Name: name, Detail: fmt.Sprintf("database %d holds %d keys (the workbook's own server: the steps' keys)", db, n)}
	}
	other := 1
	if db == 1 {
		other = 2
	}
	return Result{Name: name, Status: Warn,
		Detail: fmt.Sprintf("database %d already holds %d keys; the steps' keys would be mixed with them (the steps never delete keys that are not theirs)", db, n),
		Fix:    fmt.Sprintf("point REDIS_URL at an empty database, e.g. redis://%s/%d, or use `make up` for a server of your own", opts.Addr, other)}
}

// ---------------------------------------------------------------- helpers

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

// versionLess compares dotted versions numerically ("1.26.8" < "1.27").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(strings.TrimLeftFunc(pa[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// Named is the server the learner's settings name (REDIS_URL, REDIS_HOST or
// REDIS_PORT), not contacted yet: what the doctor examines when provision
// could not use it, to say why.
func Named(cfg config.Config) *provision.Server {
	return provision.Unexamined("the server in "+cfg.Via()+" ("+cfg.RedactedURL()+")", cfg.Options())
}
