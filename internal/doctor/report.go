package doctor

import (
	"fmt"
	"strings"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// A Report is the doctor's findings in a form an attendee may share with a
// workshop's room: what the machine has, which Redis the workbook would
// use, and how far the attendee got. It holds nothing that identifies the
// attendee beyond the name they chose for the class: no password, no URL,
// no host name, no path, no user name. That is why findings carry their
// row's name, status and catalogue row, never their free-text detail
// (which may name a path or a host).
//
// The JSON field names are stable: scripts that collect a room's reports
// rely on them (the README's Workshops section documents them).
type Report struct {
	OS       string          `json:"os"`    // runtime.GOOS, e.g. "linux"
	Arch     string          `json:"arch"`  // runtime.GOARCH, e.g. "amd64"
	Go       string          `json:"go"`    // the Go that runs the workbook, e.g. "1.26.1"
	Redis    ReportRedis     `json:"redis"` // the server the workbook would use
	Docker   bool            `json:"docker"`
	Progress ReportProgress  `json:"progress"`
	Name     string          `json:"name,omitempty"` // the name chosen with `runner join --name`; absent when not in a class
	Problems int             `json:"problems"`       // the doctor's ✗ rows
	Warnings int             `json:"warnings"`       // the doctor's ! rows
	Findings []ReportFinding `json:"findings"`
}

// Kinds of server a report names: where the server comes from, never
// where it is.
const (
	KindContainer = "container"    // a container the workbook starts
	KindBinary    = "redis-server" // a redis-server the workbook starts from PATH
	KindEmbedded  = "embedded"     // the workbook's embedded server
	KindURL       = "url"          // the server the learner's settings name (REDIS_URL, ...)
	KindLocal     = "local"        // a server found running on 127.0.0.1:6379 (e.g. `make up`)
	KindNone      = "none"         // no server could be used
)

// ReportRedis is the server part of a report. JSON and HashFieldTTL are
// null when the server was not reached, so nobody can tell.
type ReportRedis struct {
	Kind         string `json:"kind"`
	Version      string `json:"version,omitempty"` // the version it reports (the embedded server: the one it emulates)
	Reachable    bool   `json:"reachable"`
	JSON         *bool  `json:"json"`
	HashFieldTTL *bool  `json:"hash_field_ttl"`
}

// ReportProgress counts what the attendee has done.
type ReportProgress struct {
	Steps          int `json:"steps"`           // steps in the workbook
	StepsDone      int `json:"steps_done"`      // lesson checks passed, and the exercise too where there is one
	Exercises      int `json:"exercises"`       // steps with an exercise
	ExercisesDone  int `json:"exercises_done"`  // exercises whose checks passed
	LessonsChecked int `json:"lessons_checked"` // steps whose lesson checks ran at least once
	Current        int `json:"current"`         // the step the attendee is on
}

// ReportFinding is one row of the doctor, without its detail.
type ReportFinding struct {
	Name   string `json:"name"`            // the row, e.g. "Redis version"
	Status string `json:"status"`          // "ok", "warn", "fail" or "info"
	Entry  string `json:"entry,omitempty"` // the troubleshooting catalogue's row, when one matched
}

// Key is the status as the report's JSON spells it.
func (s Status) Key() string { return [...]string{"ok", "warn", "fail", "info"}[s] }

// SetFindings fills the findings and the counts of ✗ and ! from results.
func (r *Report) SetFindings(results []Result) {
	r.Findings, r.Problems, r.Warnings = nil, 0, 0
	for _, res := range results {
		switch res.Status {
		case Fail:
			r.Problems++
		case Warn:
			r.Warnings++
		}
		r.Findings = append(r.Findings, ReportFinding{Name: res.Name, Status: res.Status.Key(), Entry: res.Entry})
	}
	if r.Findings == nil {
		r.Findings = []ReportFinding{}
	}
}

// SetServer fills the server part from the kind of server and the features
// it was found to have (a zero Set when it did not answer).
func (r *Report) SetServer(kind string, reachable bool, set features.Set) {
	r.Redis = ReportRedis{Kind: kind, Reachable: reachable}
	if set.Embedded() {
		r.Redis.Kind = KindEmbedded // whoever started it: it says so itself
	}
	if reachable && set.Version != "" {
		json, ttl := set.Has(features.JSON), set.Has(features.HashFieldTTL)
		r.Redis.Version, r.Redis.JSON, r.Redis.HashFieldTTL = set.Version, &json, &ttl
	}
}

// Line is the report as one line for a chat, e.g.
//
//	linux/amd64 · go1.26.1 · Redis 8.6.3 (redis-server) · JSON no · hash-field TTL yes · Docker no · steps 3/16 · exercises 2/12 · Ada · doctor ✓
func (r Report) Line() string {
	parts := []string{r.OS + "/" + r.Arch, "go" + r.Go}
	switch {
	case r.Redis.Kind == KindNone:
		parts = append(parts, "Redis: none")
	case r.Redis.Version != "":
		parts = append(parts, fmt.Sprintf("Redis %s (%s)", r.Redis.Version, kindLabel(r.Redis.Kind)))
	default:
		parts = append(parts, fmt.Sprintf("Redis ? (%s, not reached)", kindLabel(r.Redis.Kind)))
	}
	parts = append(parts,
		"JSON "+yesNo(r.Redis.JSON),
		"hash-field TTL "+yesNo(r.Redis.HashFieldTTL),
		"Docker "+map[bool]string{true: "yes", false: "no"}[r.Docker],
		fmt.Sprintf("steps %d/%d", r.Progress.StepsDone, r.Progress.Steps),
		fmt.Sprintf("exercises %d/%d", r.Progress.ExercisesDone, r.Progress.Exercises))
	if r.Name != "" {
		parts = append(parts, oneLine(r.Name))
	}
	verdict := "doctor " + OK.Mark()
	if r.Problems > 0 {
		var names []string
		for _, f := range r.Findings {
			if f.Status == Fail.Key() && f.Name != "" {
				names = append(names, f.Name)
			}
		}
		verdict = "doctor " + Fail.Mark() + " " + strings.Join(names, ", ")
	}
	parts = append(parts, strings.TrimSpace(verdict))
	return strings.Join(parts, " · ")
}

func kindLabel(kind string) string {
	switch kind {
	case KindURL:
		return "your URL's server"
	case KindLocal:
		return "found running locally"
	}
	return kind
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "?"
	case *b:
		return "yes"
	}
	return "no"
}

// oneLine keeps a chosen name on the report's one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
