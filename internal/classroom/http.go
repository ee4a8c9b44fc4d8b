package classroom

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed board.html
var boardPage string

var boardTemplate = template.Must(template.New("board").Parse(boardPage))

// StepTitle is a column heading of the grid.
type StepTitle struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
}

// Handler serves the board: the page at /, the room as JSON at /api/room,
// and a server-sent event at /api/events whenever the room changes. Every
// path asks for the token, as ?token=… or Authorization: Bearer ….
func (b *Board) Handler(token string, steps []StepTitle) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		stepsJSON, _ := json.Marshal(steps)
		_ = boardTemplate.Execute(w, map[string]any{"Token": token, "Steps": template.JS(stepsJSON)})
	})
	mux.HandleFunc("GET /api/room", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(b.Room())
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		flusher, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming unsupported", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		keepAlive := time.NewTicker(15 * time.Second)
		defer keepAlive.Stop()
		for {
			changed := b.Changed()
			fmt.Fprintf(w, "event: room\ndata: %d\n\n", time.Now().UnixMilli())
			flusher.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-changed:
			case <-keepAlive.C:
				fmt.Fprint(w, ": keep-alive\n\n")
			}
		}
	})
	return requireToken(token, mux)
}

func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.URL.Query().Get("token")
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = bearer
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="workbook board"`)
			http.Error(w, "401: this board needs its token: open the address the board printed (…/?token=…)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
