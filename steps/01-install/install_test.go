package main

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, verify(testkit.Context(t), &out, testkit.Client(t)))
	testkit.AssertOutput(t, 1, out.String())

	// The golden file cannot know the version, so the verdict line is
	// normalised there; here it must be exactly the verdict for the version
	// the server reported.
	version := regexp.MustCompile(`Redis version: (\S+)`).FindStringSubmatch(out.String())
	require.Len(t, version, 2)
	assert.Contains(t, out.String(), "Verdict: "+verdict(version[1]).text+"\n")
	assert.Equal(t, testkit.Features(t).Version, version[1])
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		version string
		usable  bool
		says    string
	}{
		{"8.6.2", true, "recommended version or newer"},
		{"9.0.0", true, "recommended version or newer"},
		{"8.0.2", true, "8.6 is the recommended version"},
		{"7.4.1", true, "JSON documents (step 6)"},
		{"7.0.15", false, "older than the minimum 7.4"},
		{"6.2.0", false, "older than the minimum"},
		{"garbage", false, "older than the minimum"},
	} {
		v := verdict(tc.version)
		assert.Equal(t, tc.usable, v.usable, tc.version)
		assert.Contains(t, v.text, tc.says, tc.version)
	}
}

// A server that does not answer gives an error that says so, not a panic or
// a hang: the main prints the install options and the catalogue's fix.
func TestNothingAnswers(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	var out bytes.Buffer
	err := verify(testkit.Context(t), &out, rdb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PING failed")
	assert.Contains(t, err.Error(), "connection refused")
	assert.Empty(t, out.String())

	var help bytes.Buffer
	printInstallOptions(&help)
	assert.Contains(t, help.String(), "make up")
	assert.Contains(t, help.String(), "brew install redis")
}
