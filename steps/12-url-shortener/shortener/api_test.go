package shortener

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

// apiServer starts the API on a loopback httptest server; limiter may be nil.
func apiServer(t *testing.T, limiter func(s *Shortener) *ratelimit.Limiter) (*httptest.Server, *Shortener, *http.Client) {
	rdb := testkit.Client(t)
	var srv *httptest.Server
	s := New(rdb, testPrefix, "")
	var lim *ratelimit.Limiter
	if limiter != nil {
		lim = limiter(s)
	}
	srv = httptest.NewServer(Handler(s, lim))
	t.Cleanup(srv.Close)
	s.baseURL = srv.URL
	// A client that shows us redirects instead of following them.
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return srv, s, client
}

type reply struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, url, body string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(testkit.Context(t), method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func decode[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(r.body), &v), r.body)
	return v
}

// The whole life of a link, over HTTP: shorten, redirect, stats, top, 404.
func TestAPIEndToEnd(t *testing.T) {
	srv, _, c := apiServer(t, nil)

	r := do(t, c, "POST", srv.URL+"/api/shorten", `{"url": "https://example.com/docs"}`)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	link := decode[Link](t, r)
	assert.Len(t, link.Code, CodeLength)
	assert.Equal(t, srv.URL+"/"+link.Code, link.ShortURL)
	assert.Equal(t, link.ShortURL, r.header.Get("Location"))

	custom := decode[Link](t, do(t, c, "POST", srv.URL+"/api/shorten", `{"url": "https://example.com/other", "code": "docs"}`))
	assert.Equal(t, "docs", custom.Code)

	for range 3 {
		r = do(t, c, "GET", link.ShortURL, "")
		assert.Equal(t, http.StatusFound, r.status)
		assert.Equal(t, "https://example.com/docs", r.header.Get("Location"))
		assert.Equal(t, "private, no-store", r.header.Get("Cache-Control"))
	}
	r = do(t, c, "GET", srv.URL+"/docs", "")
	assert.Equal(t, http.StatusFound, r.status)
	assert.Equal(t, "https://example.com/other", r.header.Get("Location"))

	// HEAD answers like GET but is not a visit.
	r = do(t, c, "HEAD", link.ShortURL, "")
	assert.Equal(t, http.StatusFound, r.status)

	r = do(t, c, "GET", srv.URL+"/api/stats/"+link.Code, "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	st := decode[Stats](t, r)
	assert.Equal(t, int64(3), st.Clicks, "three GETs, the HEAD not counted")
	assert.Len(t, st.RecentClicks, 3)
	assert.Equal(t, "https://example.com/docs", st.LongURL)

	r = do(t, c, "GET", srv.URL+"/api/top", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	top := decode[[]Ranked](t, r)
	require.Len(t, top, 2)
	assert.Equal(t, Ranked{Code: link.Code, ShortURL: link.ShortURL, LongURL: "https://example.com/docs", Clicks: 3}, top[0])
	assert.Equal(t, "docs", top[1].Code)
	assert.Len(t, decode[[]Ranked](t, do(t, c, "GET", srv.URL+"/api/top?n=1", "")), 1)

	r = do(t, c, "GET", srv.URL+"/nothere", "")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, decode[map[string]string](t, r)["error"], "no such short link")
	r = do(t, c, "GET", srv.URL+"/api/stats/nothere", "")
	assert.Equal(t, http.StatusNotFound, r.status)

	r = do(t, c, "GET", srv.URL+"/healthz", "")
	assert.Equal(t, http.StatusOK, r.status)
}

func TestAPIRefusesBadRequests(t *testing.T) {
	srv, _, c := apiServer(t, nil)
	post := func(body string) reply { return do(t, c, "POST", srv.URL+"/api/shorten", body) }

	taken := post(`{"url": "https://example.com/1", "code": "mine"}`)
	require.Equal(t, http.StatusCreated, taken.status, taken.body)

	for _, tc := range []struct {
		body   string
		status int
		says   string
	}{
		{`not json`, 400, "must be JSON"},
		{`{"url": "https://example.com", "extra": 1}`, 400, "unknown field"},
		{`{"url": "javascript:alert(1)"}`, 400, "only http and https"},
		{`{"url": ""}`, 400, "empty"},
		{`{"url": "https://example.com", "code": "api"}`, 400, "reserved"},
		{`{"url": "https://example.com", "code": "a b"}`, 400, "3 to 32"},
		{`{"url": "https://example.com", "ttl": "soon"}`, 400, "not a duration"},
		{`{"url": "https://example.com", "ttl": "-1s"}`, 400, "invalid TTL"},
		{`{"url": "https://example.com/2", "code": "mine"}`, 409, "already taken"},
		{`{"url": "https://example.com/` + strings.Repeat("a", 10_000) + `"}`, 400, "must be JSON"},
	} {
		r := post(tc.body)
		assert.Equal(t, tc.status, r.status, tc.body)
		assert.Contains(t, decode[map[string]string](t, r)["error"], tc.says, tc.body)
	}
	r := do(t, c, "GET", srv.URL+"/api/top?n=0", "")
	assert.Equal(t, http.StatusBadRequest, r.status)
	r = do(t, c, "GET", srv.URL+"/api/shorten", "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
}

// A link created with a TTL answers 404 once it expired.
func TestAPIExpiredLinkIs404(t *testing.T) {
	srv, s, c := apiServer(t, nil)
	r := do(t, c, "POST", srv.URL+"/api/shorten", `{"url": "https://example.com/brief", "ttl": "1m"}`)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	link := decode[Link](t, r)
	assert.False(t, link.ExpiresAt.IsZero())
	assert.Equal(t, http.StatusFound, do(t, c, "GET", link.ShortURL, "").status)

	// The minute passes (the server's clock expires the keys; no test
	// sleeps through a TTL).
	ctx := testkit.Context(t)
	keys := []string{s.urlKey(link.Code), s.clicksKey(link.Code)}
	for _, k := range keys {
		require.NoError(t, s.rdb.PExpire(ctx, k, time.Millisecond).Err())
	}
	require.Eventually(t, func() bool { return s.rdb.Exists(ctx, keys...).Val() == 0 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, http.StatusNotFound, do(t, c, "GET", link.ShortURL, "").status)
	assert.Equal(t, http.StatusNotFound, do(t, c, "GET", srv.URL+"/api/stats/"+link.Code, "").status)
}

// Over the limit, the API answers 429 with Retry-After; /healthz is never
// limited.
func TestAPIRateLimit(t *testing.T) {
	srv, _, c := apiServer(t, func(s *Shortener) *ratelimit.Limiter {
		return ratelimit.New(s.rdb, testPrefix+"ratelimit", 3, time.Minute)
	})
	for i := range 3 {
		r := do(t, c, "GET", srv.URL+"/nothere", "")
		assert.Equal(t, http.StatusNotFound, r.status, "request %d is allowed", i+1)
		assert.Equal(t, "3", r.header.Get("X-RateLimit-Limit"))
	}
	r := do(t, c, "POST", srv.URL+"/api/shorten", `{"url": "https://example.com"}`)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Equal(t, http.StatusTooManyRequests, do(t, c, "GET", srv.URL+"/api/top", "").status)
	assert.Equal(t, http.StatusOK, do(t, c, "GET", srv.URL+"/healthz", "").status)
}

// Codes in GET /{code} and /api/stats/{code} are checked as POST checks
// them, before any key is built: "abc:clicks" would otherwise name abc's
// click list, a list, and the HMGET on it would fail with WRONGTYPE (a 503
// and an ERROR in the log, for a typo). A huge code is not echoed back.
func TestLookupsValidateTheCode(t *testing.T) {
	srv, _, client := apiServer(t, nil)
	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	r := do(t, client, "POST", srv.URL+"/api/shorten", `{"url": "https://example.com/a", "code": "abc"}`)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	require.Equal(t, http.StatusFound, do(t, client, "GET", srv.URL+"/abc", "").status) // a click: abc:clicks exists now

	huge := strings.Repeat("x", 100<<10)
	for _, path := range []string{"/abc:clicks", "/api/stats/abc:clicks", "/ab", "/" + url.PathEscape("ab*c"), "/" + huge, "/api/stats/" + huge} {
		r := do(t, client, "GET", srv.URL+path, "")
		assert.Equal(t, http.StatusBadRequest, r.status, "GET %.40s: %s", path, r.body)
		assert.Contains(t, r.body, "use 3 to 32 letters, digits", path)
		assert.Less(t, len(r.body), 300, "GET %.40s: the reply echoes the code: %d bytes", path, len(r.body))
	}
	r = do(t, client, "HEAD", srv.URL+"/abc:clicks", "")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.NotContains(t, logged.String(), "level=ERROR", "a bad code is the caller's mistake, not an error of the service")

	// The link itself is untouched, and still counts one click.
	st := decode[Stats](t, do(t, client, "GET", srv.URL+"/api/stats/abc", ""))
	assert.EqualValues(t, 1, st.Clicks)
}

// Targets on this machine, a private network or link-local addresses are
// refused; names are not resolved (see internalHost).
func TestShortenRefusesInternalTargets(t *testing.T) {
	srv, _, client := apiServer(t, nil)
	for _, target := range []string{
		"http://127.0.0.1:6379/", "http://localhost:8080/admin", "http://app.localhost/", "http://[::1]/",
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1%25eth0]/",
		"http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.5.4/", "http://[fd00::1]/",
		"http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/", "http://127.1/",
	} {
		r := do(t, client, "POST", srv.URL+"/api/shorten", fmt.Sprintf(`{"url": %q}`, target))
		assert.Equal(t, http.StatusBadRequest, r.status, "%s: %s", target, r.body)
		assert.Contains(t, r.body, "public", target)
	}
	for _, target := range []string{"https://example.com/", "http://93.184.215.14/", "https://[2606:4700::1111]/", "https://10.example.com/"} {
		r := do(t, client, "POST", srv.URL+"/api/shorten", fmt.Sprintf(`{"url": %q}`, target))
		assert.Equal(t, http.StatusCreated, r.status, "%s: %s", target, r.body)
	}
}
