package shortener

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// What the shortener accepts.
const (
	// CodeLength is the length of a generated code: 62^7 ≈ 3.5 trillion
	// codes, so a collision is rare, but still handled.
	CodeLength = 7
	// MaxURLLength: browsers and servers commonly cap URLs near 2,000
	// characters; anything longer is almost certainly abuse.
	MaxURLLength = 2048
	// MaxTTL bounds how long a link may be set to live, when it expires.
	MaxTTL = 10 * 365 * 24 * time.Hour
)

// The errors a caller can act on; test them with errors.Is.
var (
	ErrInvalidURL  = errors.New("invalid URL")
	ErrInvalidCode = errors.New("invalid custom code")
	ErrCodeTaken   = errors.New("code already taken")
	ErrInvalidTTL  = errors.New("invalid TTL")
	ErrNotFound    = errors.New("no such short link")
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewCode returns CodeLength characters of base62 from crypto/rand.
// Unpredictable codes matter: sequential or time-based ones let anybody
// enumerate every link, including private ones.
func NewCode() (string, error) {
	code := make([]byte, 0, CodeLength)
	var buf [16]byte
	for len(code) < CodeLength {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			// 256 is not a multiple of 62: b % 62 would favour the first
			// characters. Keep only bytes below 248 (4 × 62), so each
			// character is equally likely.
			if b < 248 && len(code) < CodeLength {
				code = append(code, base62[b%62])
			}
		}
	}
	return string(code), nil
}

// reserved are paths the HTTP API uses, or may use: a custom code must not
// shadow them.
var reserved = map[string]bool{"api": true, "stats": true, "top": true, "healthz": true}

var customCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)

// ValidateCustomCode accepts 3 to 32 letters, digits, '-' or '_' that are
// not a reserved word (in any case).
func ValidateCustomCode(code string) error {
	if !customCodePattern.MatchString(code) {
		return fmt.Errorf("%w %q: use 3 to 32 letters, digits, '-' or '_'", ErrInvalidCode, code)
	}
	if reserved[strings.ToLower(code)] {
		return fmt.Errorf("%w %q: it is reserved (api, stats, top, healthz); choose another", ErrInvalidCode, code)
	}
	return nil
}

// ValidateURL accepts absolute http and https URLs with a host, of at most
// MaxURLLength characters.
func ValidateURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: it is empty; give an http:// or https:// URL", ErrInvalidURL)
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("%w: it is %d characters long; the limit is %d", ErrInvalidURL, len(raw), MaxURLLength)
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return fmt.Errorf("%w: it contains white space; percent-encode it (%%20)", ErrInvalidURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	// javascript:, data:, file: and friends turn a redirect into an attack.
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return fmt.Errorf("%w %q: only http and https URLs can be shortened", ErrInvalidURL, raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w %q: it has no host", ErrInvalidURL, raw)
	}
	// https://trusted.example@evil.example goes to evil.example: refuse
	// user info, a classic way to disguise where a link leads.
	if u.User != nil {
		return fmt.Errorf("%w %q: URLs with a user name or password are refused", ErrInvalidURL, raw)
	}
	return nil
}

// ValidateTTL accepts 0 (never expire) or a positive duration of at least a
// millisecond (Redis's expiry precision) and at most MaxTTL.
func ValidateTTL(ttl time.Duration) error {
	switch {
	case ttl == 0:
		return nil
	case ttl < time.Millisecond:
		return fmt.Errorf("%w %v: use 0 for no expiry, or at least 1ms", ErrInvalidTTL, ttl)
	case ttl > MaxTTL:
		return fmt.Errorf("%w %v: the maximum is %v", ErrInvalidTTL, ttl, MaxTTL)
	}
	return nil
}
