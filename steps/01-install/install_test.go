package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	var out bytes.Buffer
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, verify(ctx, &out, rdb))
	testkit.AssertOutput(t, 1, out.String())

	// The golden file cannot know the server, so the verdict is normalised
	// there; here it must be exactly the verdict for what the server was
	// found to have.
	version := regexp.MustCompile(`Redis version: (\S+)`).FindStringSubmatch(out.String())
	require.Len(t, version, 2)
	set, err := features.Detect(ctx, rdb, "this server")
	require.NoError(t, err)
	assert.Equal(t, set.Version, version[1])
	v := verdict(set)
	want := "Verdict: " + v.text + "\n"
	for _, l := range v.lacks {
		want += "  - " + l + "\n"
	}
	assert.Contains(t, out.String(), want)
	assert.Contains(t, out.String(), "Modules: "+modules(set.Modules)+"\n")
}

// Step 1 and the step that needs a feature say the same thing about it:
// both print features' reason and advice for this server.
func TestVerdictAgreesWithTheStepsThatNeedIt(t *testing.T) {
	set, err := features.Detect(testkit.Context(t), testkit.Client(t), "this server")
	require.NoError(t, err)
	v := verdict(set)
	text := strings.Join(v.lacks, "\n")
	for _, n := range neededBy {
		if set.Has(n.feature) {
			assert.NotContains(t, text, n.part, "%s is there", n.feature)
			continue
		}
		assert.Contains(t, text, n.part)
		assert.Contains(t, text, set.Reason(n.feature)+"; "+set.Advice(n.feature), n.feature)
		assert.Contains(t, set.Missing(n.feature), set.Reason(n.feature)+"; "+set.Advice(n.feature), "what step 6 and the skipped tests print")
	}
	if len(v.lacks) > 0 {
		assert.NotContains(t, v.text, "with everything the workbook uses")
	}
}

func TestVerdict(t *testing.T) {
	full := []features.Feature{features.JSON, features.HashFieldTTL, features.HashFieldEx, features.StreamIdempotence,
		features.VectorSets, features.Config, features.Slowlog, features.Eviction, features.MaxClients, features.Persistence}

	official := features.NewSet("this server", "8.6.3", full...)
	v := verdict(official)
	assert.True(t, v.usable)
	assert.Equal(t, "the recommended version or newer, with everything the workbook uses: every step runs as written.", v.text)
	assert.Empty(t, v.lacks)

	// Redis 8.6.3 as Debian builds it: no JSON module. It is not sent to
	// "Redis 8.6", and it is not told that every step runs.
	debian := features.NewSet("this server", "8.6.3", full...).With(features.JSON, false)
	debian.Modules = []string{"vectorset"}
	v = verdict(debian)
	assert.True(t, v.usable)
	assert.Equal(t, "the recommended version or newer; every step runs as written except:", v.text)
	assert.Equal(t, []string{"step 6 (JSON documents): this server was built without the JSON module (MODULE LIST: vectorset); " +
		"the official redis:8.6 image has it (`make up`), or use the embedded server (WORKBOOK_REDIS=embedded)"}, v.lacks)

	// Redis 8.0.2 (Debian 13): HGETEX is there (since 8.0), XADD IDMP is not (8.6).
	trixie := features.NewSet("this server", "8.0.2", full...).With(features.JSON, false).With(features.StreamIdempotence, false)
	v = verdict(trixie)
	assert.Equal(t, "Redis 8, below the recommended 8.6; every step runs as written except:", v.text)
	require.Len(t, v.lacks, 2)
	assert.Contains(t, v.lacks[1], "step 7's idempotent production (XADD IDMP): Redis 8.0.2 predates them: Redis 8.6 added the IDMP and IDMPAUTO options of XADD")
	assert.NotContains(t, strings.Join(v.lacks, "\n"), "step 9", "HSETEX and HGETEX are in 8.0")

	// The embedded server: one line for the three things it cannot fake.
	embedded := features.NewSet("the embedded server", "8.6.0", features.JSON, features.HashFieldTTL, features.HashFieldEx, features.Config, features.Slowlog)
	v = verdict(embedded)
	assert.Equal(t, []string{
		"step 7's idempotent production (XADD IDMP): the embedded server does not emulate the IDMP and IDMPAUTO options of XADD; use a real Redis 8.6 (`make up`, or WORKBOOK_REDIS=binary with redis-server 8.6 on PATH)",
		"steps 13 and 14's memory limit, step 14's connection limit, steps 13 and 14's persistence: the embedded server cannot emulate it honestly; use a real Redis (`make up`, or WORKBOOK_REDIS=binary with redis-server on PATH)",
	}, v.lacks)

	old := features.NewSet("this server", "7.4.1", features.HashFieldTTL, features.Config, features.Slowlog, features.Eviction, features.MaxClients, features.Persistence)
	v = verdict(old)
	assert.True(t, v.usable)
	assert.Contains(t, v.text, "before Redis 8")
	assert.Contains(t, strings.Join(v.lacks, "\n"), "step 9's fields that expire on their own (HSETEX, HGETEX, HGETDEL): Redis 7.4.1 predates them: Redis 8.0 added HSETEX and HGETDEL")

	for _, version := range []string{"7.0.15", "6.2.0", "garbage", ""} {
		v := verdict(features.NewSet("this server", version))
		assert.False(t, v.usable, version)
		assert.Contains(t, v.text, "older than the minimum 7.4", version)
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
