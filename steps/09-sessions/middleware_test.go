package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// app is a tiny site: POST /login starts a session, GET /me says who you are.
func app(sm *Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		id, err := sm.Create(r.Context(), r.FormValue("user"), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sm.SetCookie(w, r, id)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		s, ok := FromContext(r.Context())
		if !ok {
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, s.UserID)
	})
	return sm.Middleware(mux)
}

func login(t *testing.T, h http.Handler, target string) *http.Cookie {
	t.Helper()
	req := httptest.NewRequest("POST", target+"/login?user=user:1001", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	return cookies[0]
}

func get(h http.Handler, c *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/me", nil)
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMiddlewareLoadsTheSessionFromTheCookie(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	h := app(sm)

	c := login(t, h, "http://example.test")
	assert.Equal(t, CookieName, c.Name)
	assert.True(t, ValidID(c.Value))
	assert.True(t, c.HttpOnly)
	assert.False(t, c.Secure, "Secure on a plain-HTTP request: the browser would never send it back")
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)

	rec := get(h, c)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "user:1001", rec.Body.String())

	// Logged out elsewhere: the cookie now names nothing, and is cleared.
	_, err = sm.Destroy(ctx, c.Value)
	require.NoError(t, err)
	rec = get(h, c)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	cleared := rec.Result().Cookies()
	require.Len(t, cleared, 1)
	assert.Equal(t, CookieName, cleared[0].Name)
	assert.Negative(t, cleared[0].MaxAge)
}

func TestCookieIsSecureOverTLS(t *testing.T) {
	sm, err := NewManager(testkit.Client(t), time.Minute)
	require.NoError(t, err)
	// httptest.NewRequest fills in r.TLS for an https:// target.
	c := login(t, app(sm), "https://example.test")
	assert.True(t, c.Secure)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
}

func TestMiddlewareWithoutOrWithForgedCookie(t *testing.T) {
	sm, err := NewManager(testkit.Client(t), time.Minute)
	require.NoError(t, err)
	h := app(sm)
	assert.Equal(t, http.StatusUnauthorized, get(h, nil).Code)
	assert.Empty(t, get(h, nil).Result().Cookies(), "no cookie, nothing to clear")

	rec := get(h, &http.Cookie{Name: CookieName, Value: "forged"})
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Len(t, rec.Result().Cookies(), 1)
	assert.Negative(t, rec.Result().Cookies()[0].MaxAge)
}

// With Redis down the user is not silently logged out: 503, try again.
func TestMiddlewareWhenRedisIsDown(t *testing.T) {
	sm, err := NewManager(deadClient(t), time.Minute)
	require.NoError(t, err)
	rec := get(app(sm), &http.Cookie{Name: CookieName, Value: newID()})
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Empty(t, rec.Result().Cookies(), "the cookie must survive an outage")
}

func deadClient(t *testing.T) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
