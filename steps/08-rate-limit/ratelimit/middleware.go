package ratelimit

import (
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
)

// Middleware applies l to every request, counting requests per key(r)
// (a client IP, an API key, a user ID).
//
// Every answer carries X-RateLimit-Limit and X-RateLimit-Remaining. A
// blocked request gets 429 Too Many Requests and Retry-After in whole
// seconds, rounded up so that a client that obeys it is not blocked again.
//
// When Redis fails, the request is NOT let through unchecked: it gets 503
// Service Unavailable with a message that says so, and the error is logged.
// Failing open would switch the limit off exactly when Redis is
// overloaded, the moment it matters most. A limiter made with a bad limit
// or window answers 500: that is a bug to fix, not an outage.
func Middleware(l *Limiter, key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, err := l.Allow(r.Context(), key(r))
			switch {
			case err == nil:
			case r.Context().Err() != nil:
				return // the client went away: nobody to answer
			case errors.Is(err, ErrBadConfig):
				slog.ErrorContext(r.Context(), "rate limiter misconfigured", "path", r.URL.Path, "err", err)
				http.Error(w, "500 internal server error: the rate limiter is misconfigured", http.StatusInternalServerError)
				return
			default:
				slog.ErrorContext(r.Context(), "rate limiter unavailable", "path", r.URL.Path, "err", err)
				w.Header().Set("Retry-After", "1")
				http.Error(w, "503 service unavailable: the rate limiter cannot reach its store (Redis); try again shortly", http.StatusServiceUnavailable)
				return
			}
			h := w.Header()
			h.Set("X-RateLimit-Limit", strconv.Itoa(res.Limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining))
			if !res.Allowed {
				h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds(res)))
				http.Error(w, "429 too many requests: retry after "+h.Get("Retry-After")+"s", http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RetryAfterSeconds is res.RetryAfter in whole seconds, rounded up, and at
// least 1 for a blocked request (HTTP's Retry-After has no fractions).
func RetryAfterSeconds(res Result) int {
	if res.Allowed {
		return 0
	}
	return max(1, int(math.Ceil(res.RetryAfter.Seconds())))
}

// ClientIP is a key function for Middleware: the IP address of the
// connection. Behind a proxy, use a key from a header the proxy sets
// instead (and trust that header only from the proxy).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
