package classroom

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText draws the room for a terminal (`runner board --tui`): one line
// per attendee, a mark per step, who is stuck longest first.
func WriteText(w io.Writer, room Room, steps []StepTitle) {
	nameW := len("attendee")
	for _, a := range room.Attendees {
		nameW = max(nameW, len([]rune(a.Name)))
	}
	fmt.Fprintf(w, "%-*s ", nameW, "attendee")
	for _, s := range steps {
		fmt.Fprintf(w, "%3d", s.Number)
	}
	fmt.Fprintln(w, "   on step")
	for _, a := range room.Attendees {
		byStep := map[int]*StepState{}
		for _, s := range a.Steps {
			byStep[s.Step] = s
		}
		fmt.Fprintf(w, "%-*s ", nameW, a.Name)
		for _, s := range steps {
			fmt.Fprintf(w, "%3s", mark(byStep[s.Number]))
		}
		on := ""
		if a.Current > 0 {
			on = fmt.Sprintf("%d for %s", a.Current, time.Since(a.Since).Round(time.Minute))
		}
		if a.Left {
			on = "left"
		}
		fmt.Fprintf(w, "   %s", on)
		if s := byStep[a.Current]; s != nil && s.Failure != "" {
			fmt.Fprintf(w, "  ✗ %s", s.Failure)
		} else if len(a.Doctor) > 0 {
			fmt.Fprintf(w, "  doctor: %s", a.Doctor[0])
		}
		fmt.Fprintln(w)
	}
	if len(room.Attendees) == 0 {
		fmt.Fprintln(w, strings.Repeat(" ", nameW)+"  (nobody has joined yet)")
	}
}

func mark(s *StepState) string {
	switch {
	case s == nil || (s.Lesson == "" && s.Exercise == ""):
		return "·"
	case s.Lesson == Failed || s.Exercise == Failed:
		return "✗"
	case s.Done():
		return "✓"
	}
	return "½"
}
