package provision

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// isolate clears every setting provision reads, so the learner's shell and
// .env cannot steer these tests.
func isolate(t *testing.T) {
	t.Helper()
	for _, k := range []string{EnvMode, EnvTestURL, "REDIS_URL", "REDIS_HOST", "REDIS_PASSWORD"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/go.mod", []byte("module x\n"), 0o644))
	t.Chdir(dir)
}

func TestModeFromEnv(t *testing.T) {
	isolate(t)
	m, err := ModeFromEnv()
	require.NoError(t, err)
	assert.Equal(t, Auto, m)
	t.Setenv(EnvMode, "Binary")
	m, err = ModeFromEnv()
	require.NoError(t, err)
	assert.Equal(t, Binary, m)
	t.Setenv(EnvMode, "docker")
	_, err = ModeFromEnv()
	assert.EqualError(t, err, `WORKBOOK_REDIS="docker" is not a mode: use auto, url, container, binary or embedded`)
}

func TestEmbeddedMode(t *testing.T) {
	isolate(t)
	t.Setenv(EnvMode, "embedded")
	srv, err := Start(ctx(t), ForTests, nil)
	require.NoError(t, err)
	defer srv.Close()
	assert.Equal(t, Embedded, srv.Mode)
	assert.True(t, srv.Owned)
	assert.Contains(t, srv.Banner(), "embedded server")
	assert.Contains(t, srv.Banner(), "make up")
	rdb := srv.NewClient()
	defer rdb.Close()
	require.NoError(t, rdb.Set(ctx(t), "k", "v", 0).Err())
	require.NoError(t, srv.Close())
	assert.Error(t, rdb.Ping(ctx(t)).Err(), "Close stops the server")
}

func TestBinaryMode(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("skipped: no redis-server on PATH for binary mode (CI installs Redis 8.6 and puts it on PATH)")
	}
	isolate(t)
	t.Setenv(EnvMode, "binary")
	srv, err := Start(ctx(t), ForTests, nil)
	require.NoError(t, err)
	assert.Equal(t, Binary, srv.Mode)
	assert.True(t, srv.Owned)
	assert.Contains(t, srv.Description, "Redis ")
	assert.True(t, strings.HasPrefix(srv.URL, "redis://127.0.0.1:"), "loopback only: %s", srv.URL)
	rdb := srv.NewClient()
	defer rdb.Close()
	require.NoError(t, rdb.Ping(ctx(t)).Err())
	require.NoError(t, srv.Close())
	assert.Error(t, rdb.Ping(ctx(t)).Err(), "Close stops redis-server")
}

// A forced mode that cannot start is an error, never a silent fallback.
func TestForcedModeThatCannotStartIsAnError(t *testing.T) {
	isolate(t)
	t.Setenv("PATH", t.TempDir()) // no redis-server anywhere
	t.Setenv(EnvMode, "binary")
	_, err := Start(ctx(t), ForTests, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no redis-server on PATH")

	t.Setenv(EnvMode, "url")
	_, err = Start(ctx(t), ForTests, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvTestURL)
}

// Auto mode with nothing available ends at the embedded server.
func TestAutoFallsBackToEmbedded(t *testing.T) {
	isolate(t)
	t.Setenv("PATH", t.TempDir())
	noDocker(t)
	srv, err := Start(ctx(t), ForTests, nil)
	require.NoError(t, err)
	defer srv.Close()
	assert.Equal(t, Embedded, srv.Mode)
	assert.Contains(t, srv.Description, "no Docker engine answered, no redis-server on PATH")
}

// An explicit server named in .env is for mains only: tests never pick it up.
func TestTestsIgnoreTheLearnersDotEnv(t *testing.T) {
	isolate(t)
	learner := startLearnerServer(t)
	require.NoError(t, os.WriteFile(".env", []byte("REDIS_URL="+learner.URL+"\n"), 0o600))
	t.Setenv("PATH", t.TempDir())
	noDocker(t)

	srv, err := Start(ctx(t), ForTests, nil)
	require.NoError(t, err)
	defer srv.Close()
	assert.Equal(t, Embedded, srv.Mode)
	assert.NotEqual(t, learner.URL, srv.URL)

	main, err := Start(ctx(t), ForMain, nil)
	require.NoError(t, err)
	defer main.Close()
	assert.Equal(t, URL, main.Mode, "mains do use the learner's server")
	assert.Contains(t, main.Description, "the embedded server (emulating Redis", "an embedded server reached by URL still says what it is")
}

// A test server that already holds data is refused, and its data survives.
func TestExplicitTestServerMustBeEmpty(t *testing.T) {
	isolate(t)
	learner := startLearnerServer(t)
	rdb := learner.NewClient()
	defer rdb.Close()
	require.NoError(t, rdb.Set(ctx(t), "precious", "data", 0).Err())

	t.Setenv(EnvTestURL, learner.URL)
	_, err := Start(ctx(t), ForTests, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "holds 1 keys")
	assert.Contains(t, err.Error(), "point it at an empty one")
	v, err := rdb.Get(ctx(t), "precious").Result()
	require.NoError(t, err)
	assert.Equal(t, "data", v)

	// An empty database is accepted, and cleaned on the way out.
	empty := *learner.Options()
	empty.DB = 5
	t.Setenv(EnvTestURL, strings.TrimSuffix(learner.URL, "/0")+"/5")
	srv, err := Start(ctx(t), ForTests, nil)
	require.NoError(t, err)
	assert.Equal(t, URL, srv.Mode)
	assert.True(t, srv.Owned)
	c := srv.NewClient()
	require.NoError(t, c.Set(ctx(t), "from-test", "x", 0).Err())
	c.Close()
	require.NoError(t, srv.Close())
	db5 := redis.NewClient(&empty)
	defer db5.Close()
	n, err := db5.DBSize(ctx(t)).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the tests' keys are removed at the end")
	assert.Equal(t, "data", rdb.Get(ctx(t), "precious").Val(), "database 0 is untouched")
}

// Two test packages on one explicit server take turns instead of mixing.
func TestExplicitTestServerIsTakenInTurns(t *testing.T) {
	isolate(t)
	learner := startLearnerServer(t)
	t.Setenv(EnvTestURL, strings.TrimSuffix(learner.URL, "/0")+"/7")
	first, err := Start(ctx(t), ForTests, nil)
	require.NoError(t, err)

	second := make(chan error, 1)
	go func() {
		srv, err := Start(ctx(t), ForTests, nil)
		if err == nil {
			err = srv.Close()
		}
		second <- err
	}()
	select {
	case err := <-second:
		t.Fatalf("second user got the server while the first held it (err=%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, first.Close())
	select {
	case err := <-second:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("second user never got the server after the first let go")
	}
}

func TestUnreachableExplicitServerIsAnError(t *testing.T) {
	isolate(t)
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0")
	_, err := Start(ctx(t), ForMain, nil)
	require.Error(t, err)
	var unreachable *UnreachableError
	require.ErrorAs(t, err, &unreachable)
	assert.Contains(t, err.Error(), "connection refused")
}

// startLearnerServer stands in for a learner's own Redis: an embedded server
// this test owns, reached as an explicit URL.
func startLearnerServer(t *testing.T) *Server {
	t.Helper()
	srv, err := startEmbedded(ctx(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// noDocker makes provision believe no Docker engine answers.
func noDocker(t *testing.T) {
	saved := containers
	UseContainers(absentDocker{})
	t.Cleanup(func() { containers = saved })
}

type absentDocker struct{}

func (absentDocker) Available(context.Context) error {
	return &UnavailableError{Msg: "no Docker engine answered"}
}

func (absentDocker) Run(context.Context, string, io.Writer) (string, string, func() error, error) {
	return "", "", nil, errors.New("no Docker (test)")
}

// A throwaway server never sends the learner to `make up`, which it would
// not use anyway.
func TestStartOwnedNeverAdvisesMakeUp(t *testing.T) {
	isolate(t)
	t.Setenv(EnvMode, "embedded")
	srv, err := StartOwned(ctx(t), nil)
	require.NoError(t, err)
	defer srv.Close()
	assert.True(t, srv.Owned)
	assert.NotContains(t, srv.Banner(), "make up")
	assert.Contains(t, srv.Banner(), "redis-server on PATH")
}
