package shortener

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

// maxBodyBytes bounds a shorten request: a URL of MaxURLLength plus room
// for the other fields.
const maxBodyBytes = 8 << 10

// ShortenRequest is the body of POST /api/shorten.
type ShortenRequest struct {
	URL string `json:"url"`
	// Code is an optional custom code.
	Code string `json:"code,omitempty"`
	// TTL is an optional lifetime as a Go duration: "90s", "24h", "250ms".
	TTL string `json:"ttl,omitempty"`
}

// Handler is the shortener's HTTP API:
//
//	POST /api/shorten        {"url": "...", "code": "...", "ttl": "24h"} → 201 Link
//	GET  /{code}             302 to the long URL (404 when unknown or expired)
//	GET  /api/stats/{code}   Stats as JSON
//	GET  /api/top?n=10       the top list as JSON
//	GET  /healthz            200 when Redis answers
//
// With a limiter, every route but /healthz is rate-limited per client IP.
func Handler(s *Shortener, limiter *ratelimit.Limiter) http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("POST /api/shorten", s.handleShorten)
	api.HandleFunc("GET /api/stats/{code}", s.handleStats)
	api.HandleFunc("GET /api/top", s.handleTop)
	api.HandleFunc("GET /{code}", s.handleRedirect)

	var limited http.Handler = api
	if limiter != nil {
		limited = ratelimit.Middleware(limiter, ratelimit.ClientIP)(api)
	}

	root := http.NewServeMux()
	// Health checks must not be rate-limited, or a busy server looks dead.
	root.HandleFunc("GET /healthz", s.handleHealth)
	root.Handle("/", limited)
	return root
}

func (s *Shortener) handleShorten(w http.ResponseWriter, r *http.Request) {
	var req ShortenRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`the body must be JSON like {"url": "https://example.com", "code": "optional", "ttl": "24h"}: %v`, err))
		return
	}
	var ttl time.Duration
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf(`ttl %q is not a duration: use e.g. "90s", "24h"`, req.TTL))
			return
		}
	}
	link, err := s.Shorten(r.Context(), req.URL, Options{Code: req.Code, TTL: ttl})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", link.ShortURL)
	writeJSON(w, http.StatusCreated, link)
}

func (s *Shortener) handleRedirect(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	var (
		longURL string
		err     error
	)
	// A HEAD request (link checkers, previews) is not a visit.
	if r.Method == http.MethodHead {
		longURL, err = s.Lookup(r.Context(), code)
	} else {
		longURL, err = s.Resolve(r.Context(), code)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// 302, not 301: browsers cache a 301 forever and never come back, so
	// later clicks would go uncounted and the link could not expire.
	w.Header().Set("Cache-Control", "private, no-store")
	http.Redirect(w, r, longURL, http.StatusFound)
}

func (s *Shortener) handleStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.Stats(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Shortener) handleTop(w http.ResponseWriter, r *http.Request) {
	n := 10
	if v := r.URL.Query().Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("n=%q: give a number from 1 to 100", v))
			return
		}
	}
	top, err := s.Top(r.Context(), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, top)
}

func (s *Shortener) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.rdb.Ping(r.Context()).Err(); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// fail maps an error to its status: the caller's mistakes are 4xx with the
// reason; anything else is a 503 whose details go to the log, not the client.
func (s *Shortener) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrCodeTaken):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrInvalidURL), errors.Is(err, ErrInvalidCode), errors.Is(err, ErrInvalidTTL):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		slog.ErrorContext(r.Context(), "shortener", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the link store (Redis) is unavailable; try again shortly")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
