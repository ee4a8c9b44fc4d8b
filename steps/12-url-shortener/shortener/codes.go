package shortener

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
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
	if err := ValidateCode(code); err != nil {
		return err
	}
	if reserved[strings.ToLower(code)] {
		return fmt.Errorf("%w %q: it is reserved (api, stats, top, healthz); choose another", ErrInvalidCode, code)
	}
	return nil
}

// ValidateCode accepts what a code can look like, generated or custom: 3 to
// 32 letters, digits, '-' or '_'. Every lookup checks it before it builds a
// key: a "code" such as abc:clicks would otherwise name another key of the
// shortener (the click list of abc), and the request would read it.
func ValidateCode(code string) error {
	if !customCodePattern.MatchString(code) {
		return fmt.Errorf("%w %s: use 3 to 32 letters, digits, '-' or '_'", ErrInvalidCode, excerpt(code))
	}
	return nil
}

// excerpt quotes s for an error message, cut to its first 40 bytes: an error
// must not echo a 100 KB request back to whoever sent it.
func excerpt(s string) string {
	const most = 40
	if len(s) <= most {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:most]) + fmt.Sprintf(" (%d bytes)", len(s))
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
	if why := internalHost(u.Hostname()); why != "" {
		return fmt.Errorf("%w %q: %s; a public shortener only links to public addresses", ErrInvalidURL, raw, why)
	}
	// https://trusted.example@evil.example goes to evil.example: refuse
	// user info, a classic way to disguise where a link leads.
	if u.User != nil {
		return fmt.Errorf("%w %q: URLs with a user name or password are refused", ErrInvalidURL, raw)
	}
	return nil
}

// internalHost says why host is not a public address, or "" if it may be.
//
// A short link hides where it leads. Pointing one at this machine
// (127.0.0.1, localhost), at a private network (10.x, 192.168.x, fd00::/8)
// or at a link-local address (169.254.169.254 is the cloud metadata service
// on most clouds) turns it into a way to send a visitor's browser, or a link
// previewer running inside a company network, to a machine it can reach and
// the link's author cannot. So such targets are refused. Names are not
// resolved: a name can resolve to a private address, and to another one
// tomorrow; a service that must exclude those too has to check again where
// it fetches, not here.
func internalHost(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return "it names this machine"
	}
	addr, err := netip.ParseAddr(h)
	if err != nil {
		// Browsers read 2130706433, 0x7f.1 or 127.1 as 127.0.0.1: a host
		// of only digits, dots and hex that is not a plain address is one
		// of those.
		if numericHost.MatchString(h) {
			return "write an IPv4 address as four decimal numbers (a.b.c.d)"
		}
		return ""
	}
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case addr.IsLoopback():
		return "it is a loopback address (this machine)"
	case addr.IsUnspecified():
		return "it is the unspecified address"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "it is a link-local address (cloud metadata services live there)"
	case addr.IsPrivate():
		return "it is a private network address"
	case addr.IsMulticast():
		return "it is a multicast address"
	}
	return ""
}

var numericHost = regexp.MustCompile(`^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*$`)

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
