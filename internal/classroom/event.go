// Package classroom carries a workshop room's progress over Redis itself:
// each attendee's runner adds small events to a Redis Stream on the
// instructor's server, and the instructor's board reads them with a
// consumer group and shows a live grid of attendees and steps.
//
// What travels is deliberately little: the attendee's chosen name, step
// numbers, statuses, and the first line of a failing check or of a doctor's
// problem, scrubbed of paths and passwords. Never code, never a path, never
// a password.
package classroom

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Keys on the instructor's server. They share one prefix, so the class
// never touches anything else there, and a bounded stream: MAXLEN keeps the
// newest events only.
const (
	Prefix    = "workbook:class:"
	StreamKey = Prefix + "events"
	RoomKey   = Prefix + "room" // hash: attendee name → its state (JSON), written by the board
	Group     = "board"
	MaxEvents = 10000
)

// Kinds of event.
const (
	KindJoin   = "join"
	KindLeave  = "leave"
	KindStep   = "step"   // the attendee moved to a step
	KindCheck  = "check"  // a step's checks ran
	KindDoctor = "doctor" // the doctor ran
)

// Statuses of a step's lesson checks or exercise.
const (
	Passed  = "passed"
	Failed  = "failed"
	Partial = "partial" // passed, but most checks were skipped on this server
)

// Event is one thing an attendee did.
type Event struct {
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Step     int       `json:"step,omitempty"`
	Lesson   string    `json:"lesson,omitempty"`
	Exercise string    `json:"exercise,omitempty"`
	Failure  string    `json:"failure,omitempty"`  // first line of the first failing check
	Problems []string  `json:"problems,omitempty"` // the doctor's ✗ rows, first lines
	At       time.Time `json:"at"`
}

const (
	maxName     = 40
	maxLine     = 160
	maxProblems = 8
)

// CheckName says what is wrong with an attendee's chosen name.
func CheckName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("the name is empty: pass --name and the name the instructor will see, e.g. --name Ada")
	case utf8.RuneCountInString(name) > maxName:
		return fmt.Errorf("the name %q is longer than %d characters: choose a shorter one", name, maxName)
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("the name %q has characters that cannot be shown: use letters, digits and spaces", name)
	}
	return nil
}

// Scrubbed returns the event as it may travel: one line per text, short,
// without paths or credentials, at most a few problems.
func (e Event) Scrubbed() Event {
	e.Name = strings.TrimSpace(e.Name)
	e.Failure = Scrub(e.Failure)
	var problems []string
	for _, p := range e.Problems {
		if p = Scrub(p); p != "" && len(problems) < maxProblems {
			problems = append(problems, p)
		}
	}
	e.Problems = problems
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	return e
}

var (
	// redis://user:password@host or rediss://:password@host: keep the host.
	credentials = regexp.MustCompile(`(?i)\b(rediss?://)[^@\s/]*@`)
	// password=..., PASSWORD: ..., -a secret
	secretWords = regexp.MustCompile(`(?i)(\w*(?:password|passwd|pass|token|secret))(\s*[=:]\s*|\s+)\S+`)
	// /home/ada/work/file.go:12 → file.go:12; C:\Users\ada\x.go → x.go
	unixPath    = regexp.MustCompile(`(^|[\s("'=])(~?/[^\s:"')]*/)([^\s/:"')]+)`)
	windowsPath = regexp.MustCompile(`(^|[\s("'=])([A-Za-z]:\\[^\s:"')]*\\)([^\s\\:"')]+)`)
)

// Scrub keeps the first line of s, without credentials or the directories of
// paths, cut to a length a grid cell can show.
func Scrub(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	s = credentials.ReplaceAllString(s, "$1…@")
	s = secretWords.ReplaceAllString(s, "$1=…")
	s = unixPath.ReplaceAllString(s, "$1$3")
	s = windowsPath.ReplaceAllString(s, "$1$3")
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	if utf8.RuneCountInString(s) > maxLine {
		s = string([]rune(s)[:maxLine-1]) + "…"
	}
	return s
}

func (e Event) encode() (string, error) {
	b, err := json.Marshal(e)
	return string(b), err
}

func decodeEvent(s string) (Event, error) {
	var e Event
	err := json.Unmarshal([]byte(s), &e)
	if err == nil {
		err = CheckName(e.Name)
	}
	return e, err
}
