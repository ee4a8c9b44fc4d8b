package main

import (
	"context"
	"errors"
	"net/http"
)

// CookieName is the cookie that carries the session ID.
const CookieName = "session"

type sessionKeyType struct{}

// FromContext returns the session the middleware loaded, if any.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(sessionKeyType{}).(*Session)
	return s, ok
}

// Middleware loads the session named by the request's cookie into the
// request's context (and, through Get, keeps it alive). Requests without a
// valid session go on anonymously: the handler decides whether that is OK.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		s, err := m.Get(r.Context(), c.Value)
		switch {
		case errors.Is(err, ErrNotFound):
			// Expired, destroyed or forged: drop the stale cookie.
			m.ClearCookie(w, r)
			next.ServeHTTP(w, r)
		case err != nil:
			// Redis is unreachable. Treating the user as logged out would be
			// wrong (and confusing); say the service is unavailable instead.
			http.Error(w, "session store unavailable, try again shortly", http.StatusServiceUnavailable)
		default:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKeyType{}, s)))
		}
	})
}

// SetCookie hands the session ID to the browser, e.g. after a login.
func (m *Manager) SetCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, m.cookie(r, id, 0))
}

// ClearCookie tells the browser to forget the session cookie (logout).
func (m *Manager) ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, m.cookie(r, "", -1))
}

func (m *Manager) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:  CookieName,
		Value: value,
		Path:  "/",
		// No Max-Age on a live session: Redis's TTL decides when it ends,
		// and a browser-session cookie does not outlive the browser.
		MaxAge: maxAge,
		// HttpOnly: page scripts cannot read it, so an XSS bug cannot steal it.
		HttpOnly: true,
		// Secure: sent over HTTPS only. Set it whenever this request came
		// over TLS; behind a TLS-terminating proxy, set it unconditionally.
		Secure: r.TLS != nil,
		// Lax: not sent on cross-site POSTs, the classic CSRF vector, but
		// still sent when the user follows a link to the site.
		SameSite: http.SameSiteLaxMode,
	}
}
