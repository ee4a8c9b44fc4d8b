package classroom

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var titles = []StepTitle{{1, "Install"}, {2, "Setup"}, {3, "Connect"}}

// startBoard runs a board on the test database until the test ends (or
// stop is called) and serves it over real HTTP.
func startBoard(t *testing.T, token string) (srv *httptest.Server, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(testkit.Context(t))
	board, err := NewBoard(ctx, testkit.NewClient(t))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- board.Run(ctx) }()
	srv = httptest.NewServer(board.Handler(token, titles))
	stop = func() {
		srv.Close()
		cancel()
		require.NoError(t, <-done)
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return srv, stop
}

func getRoom(t *testing.T, base, token string) (Room, int) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/room", nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var room Room
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&room))
	}
	return room, resp.StatusCode
}

// waitRoom polls the board's API until ok says the room is as expected.
func waitRoom(t *testing.T, base, token string, ok func(Room) bool) Room {
	t.Helper()
	var room Room
	require.Eventually(t, func() bool {
		room, _ = getRoom(t, base, token)
		return ok(room)
	}, 20*time.Second, 50*time.Millisecond, "the board never showed the expected room; last: %+v", room)
	return room
}

func joinAs(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), ".workbook")
	_, err := Join(dir, testkit.Server(t).URL, name)
	require.NoError(t, err)
	return dir
}

func stepOf(a *Attendee, n int) *StepState {
	for _, s := range a.Steps {
		if s.Step == n {
			return s
		}
	}
	return nil
}

func byName(room Room) map[string]*Attendee {
	m := map[string]*Attendee{}
	for _, a := range room.Attendees {
		m[a.Name] = a
	}
	return m
}

func TestThreeAttendeesAndARestartedBoard(t *testing.T) {
	ctx := testkit.Context(t)
	testkit.Client(t) // an empty database
	token := NewToken()
	srv, stop := startBoard(t, token)

	dirs := map[string]string{}
	for _, name := range []string{"Ada", "Grace", "Linus"} {
		dirs[name] = joinAs(t, name)
		require.NoError(t, Send(ctx, dirs[name], Event{Kind: KindJoin}))
		require.NoError(t, Send(ctx, dirs[name], Event{Kind: KindCheck, Step: 1, Lesson: Passed, Exercise: Passed}))
	}
	require.NoError(t, Send(ctx, dirs["Linus"], Event{Kind: KindCheck, Step: 2, Lesson: Failed,
		Failure: "setup_test.go:41: pool size = 10, want 20\nmore lines"}))

	room := waitRoom(t, srv.URL, token, func(r Room) bool {
		a := byName(r)
		return len(r.Attendees) == 3 && a["Linus"] != nil && a["Linus"].Current == 2
	})
	for _, a := range room.Attendees {
		s := stepOf(a, 1)
		require.NotNil(t, s, a.Name)
		assert.True(t, s.Done(), "%s: step 1 should be done: %+v", a.Name, s)
	}
	assert.Equal(t, "Linus", room.Attendees[0].Name, "who is stuck first")
	assert.Equal(t, "setup_test.go:41: pool size = 10, want 20", stepOf(room.Attendees[0], 2).Failure)

	_, status := getRoom(t, srv.URL, "")
	assert.Equal(t, http.StatusUnauthorized, status, "no token, no room")
	_, status = getRoom(t, srv.URL, "not-the-token")
	assert.Equal(t, http.StatusUnauthorized, status)

	// The board stops; an attendee goes on meanwhile; a new board resumes
	// with the room it saved and the event it missed.
	stop()
	require.NoError(t, Send(ctx, dirs["Grace"], Event{Kind: KindCheck, Step: 2, Lesson: Passed, Exercise: Passed}))
	srv2, _ := startBoard(t, token)
	room = waitRoom(t, srv2.URL, token, func(r Room) bool {
		g := byName(r)["Grace"]
		return g != nil && stepOf(g, 2) != nil && stepOf(g, 2).Done()
	})
	require.Len(t, room.Attendees, 3)
	assert.True(t, stepOf(byName(room)["Ada"], 1).Done(), "the saved room came back")
	for _, c := range room.Steps {
		if c.Step == 1 {
			assert.Equal(t, 3, c.Done)
		}
	}
}

// An unreachable class server never stops the learner: Send fails at once
// with a clear error, keeps the event, and sends it with the next one.
func TestUnreachableServerQueues(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	dir := filepath.Join(t.TempDir(), ".workbook")
	_, err = Join(dir, "redis://"+closed+"/0", "Ada")
	require.NoError(t, err)
	err = Send(ctx, dir, Event{Kind: KindCheck, Step: 1, Lesson: Passed})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 waiting")
	queued, err := readQueue(dir)
	require.NoError(t, err)
	require.Len(t, queued, 1)

	// The instructor's server is back (here: the test's own).
	_, err = Join(dir, testkit.Server(t).URL, "Ada")
	require.NoError(t, err)
	require.NoError(t, Send(ctx, dir, Event{Kind: KindCheck, Step: 2, Lesson: Failed}))
	n, err := rdb.XLen(ctx, StreamKey).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 2, n, "the queued event went first, then the new one")
	queued, err = readQueue(dir)
	require.NoError(t, err)
	assert.Empty(t, queued)
	_, err = os.Stat(filepath.Join(dir, queueFile))
	assert.True(t, os.IsNotExist(err))
}

// What travels: the chosen name, steps and statuses, and scrubbed first
// lines: no paths, no passwords.
func TestEventsCarryNoSecretsOrPaths(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	dir := joinAs(t, "Ada")
	require.NoError(t, Send(ctx, dir, Event{Kind: KindDoctor, Problems: []string{
		"✗ Redis at redis://default:hunter2@10.0.0.5:6379/0 says WRONGPASS",
		"✗ .env in /home/ada/src/workbook/.env is readable by everyone\nsecond line",
		"REDIS_PASSWORD=hunter2 is set",
	}}))
	msgs, err := rdb.XRange(ctx, StreamKey, "-", "+").Result()
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	data := msgs[0].Values["event"].(string)
	assert.NotContains(t, data, "hunter2")
	assert.NotContains(t, data, "/home/ada")
	assert.NotContains(t, data, "second line")
	assert.Contains(t, data, ".env is readable by everyone", "the file name stays, its directories go")
	ev, err := decodeEvent(data)
	require.NoError(t, err)
	assert.Equal(t, "Ada", ev.Name)

	// Leaving stops the sending.
	require.NoError(t, Leave(dir))
	require.NoError(t, Send(ctx, dir, Event{Kind: KindCheck, Step: 1, Lesson: Passed}))
	n, err := rdb.XLen(ctx, StreamKey).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}

func TestJoinRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	_, err := Join(dir, "redis://127.0.0.1:6379/0", "")
	assert.ErrorContains(t, err, "--name")
	_, err = Join(dir, "http://example", "Ada")
	assert.ErrorContains(t, err, "paste the line the instructor's board printed")
	_, err = Join(dir, "redis://127.0.0.1:6379/0", "a name that is far too long to show in a grid cell")
	assert.ErrorContains(t, err, "shorter")
	m, err := Join(dir, "redis://:pw@127.0.0.1:6379/0", "Ada")
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, membershipFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the membership holds the class password")
	got, ok, err := Joined(dir)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, m, got)
}
