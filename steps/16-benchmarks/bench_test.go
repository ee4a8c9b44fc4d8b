package main

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The expected output was recorded as most learners will see it: Redis 8
// without JSON (Debian's build, or binary mode), redis-benchmark on PATH.
func TestOutput(t *testing.T) {
	o := DefaultOptions()
	if o.RedisBenchmark == "" {
		t.Skip("skipped: the expected output shows the comparison, and " + noRedisBenchmark)
	}
	if testkit.Features(t).Has(features.JSON) {
		t.Skip("skipped: the expected output was recorded on a server without JSON (its JSON.SET row says why it is missing); TestResultsAreWellFormed covers this server")
	}
	// Write into bench/ as the step does, but under a temporary directory.
	wd, err := os.Getwd()
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	_, err = benchmark(testkit.Context(t), &out, testkit.Client(t), o)
	require.NoError(t, err)
	require.FileExists(t, "bench/benchmarks.svg")
	t.Chdir(wd) // the golden file is found from the package directory
	testkit.AssertOutput(t, 16, out.String())
}

// A quick run without redis-benchmark: every operation the server has in
// every mode, positive rates, and a CSV and a chart that parse.
func TestResultsAreWellFormed(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	o := Options{N: 300, Runs: 1, Concurrency: 4, Pipeline: 100, OutDir: t.TempDir()}
	var out bytes.Buffer
	results, err := benchmark(ctx, &out, rdb, o)
	require.NoError(t, err)

	hasJSON := testkit.Features(t).Has(features.JSON)
	wantOps := 5
	if hasJSON {
		wantOps = 6
	} else {
		assert.Contains(t, out.String(), "JSON.SET not measured: no "+string(features.JSON)+" on ")
	}
	require.Len(t, results, wantOps*waysPerOp())
	for _, r := range results {
		assert.Positive(t, r.Rate, "%s %s %s", r.Op, r.Mode, r.Client)
		assert.Zero(t, r.RedisBenchmark, "not measured, so no figure")
	}
	assert.Contains(t, out.String(), noRedisBenchmark)
	// The table: a header, a rule, one row per result, same column count.
	var rows []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "|") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 2+len(results))
	for _, row := range rows {
		assert.Equal(t, 5, strings.Count(row, "|"), row)
	}

	checkCSV(t, filepath.Join(o.OutDir, "benchmarks.csv"), results)
	checkSVG(t, filepath.Join(o.OutDir, "benchmarks.svg"), len(results))

	// The benchmark leaves nothing behind.
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

// With redis-benchmark on PATH, the C client is measured on the same
// server for the five operations it knows, and the figures are sane.
func TestComparedWithRedisBenchmark(t *testing.T) {
	path, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("skipped: " + noRedisBenchmark)
	}
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	require.NoError(t, rdb.Set(ctx, "key:mine", "not the benchmark's", 0).Err())
	o := Options{N: 500, Runs: 1, Concurrency: 4, Pipeline: 100, OutDir: t.TempDir(), RedisBenchmark: path}
	var out bytes.Buffer
	results, err := benchmark(ctx, &out, rdb, o)
	require.NoError(t, err)
	for _, r := range results {
		if r.Op == "JSON.SET" {
			assert.Zero(t, r.RedisBenchmark, "redis-benchmark has no JSON test")
			continue
		}
		assert.Positive(t, r.RedisBenchmark, "%s %s", r.Op, r.Mode)
	}
	// Every client measured every operation in every mode it has.
	require.Len(t, results, len(byOp(results))*waysPerOp())
	// Pipelining 100 commands per round trip is expected to be many
	// times faster than one per round trip; asserting only "faster" keeps
	// this from flaking on a busy machine. The real figures are for
	// `make bench` and the Go benchmarks.
	byKey := map[string]result{}
	for _, r := range results {
		byKey[r.Op+"/"+r.Mode+"/"+r.Client] = r
	}
	// (The embedded server runs a pipeline's commands one by one under a
	// lock, so there a pipeline need not be faster: compare on real Redis.)
	if !testkit.Features(t).Embedded() {
		assert.Greater(t, byKey["SET/pipeline 100/go-redis"].Rate, byKey["SET/individual/go-redis"].Rate)
		assert.Greater(t, byKey["SET/pipeline 100/go-redis"].RedisBenchmark, byKey["SET/individual/go-redis"].RedisBenchmark)
	}
	assert.NotContains(t, out.String(), noRedisBenchmark)
	// Both clients' keys are gone, and only theirs.
	keys, err := rdb.Keys(ctx, "*").Result() // a test database: KEYS is fine here
	require.NoError(t, err)
	assert.Equal(t, []string{"key:mine"}, keys)
	checkCSV(t, filepath.Join(o.OutDir, "benchmarks.csv"), results)
	checkSVG(t, filepath.Join(o.OutDir, "benchmarks.svg"), len(results)+5*len(modes))
}

// waysPerOp is how many rows each operation has: one per mode and client.
func waysPerOp() int {
	n := 0
	for _, m := range modes {
		n += len(m.ways)
	}
	return n
}

func byOp(results []result) map[string]bool {
	ops := map[string]bool{}
	for _, r := range results {
		ops[r.Op] = true
	}
	return ops
}

func checkCSV(t *testing.T, path string, results []result) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+len(results))
	assert.Equal(t, []string{"operation", "mode", "client", "ops_per_sec", "redis_benchmark_ops_per_sec", "ratio_to_redis_benchmark"}, rows[0])
	for i, row := range rows[1:] {
		assert.Equal(t, results[i].Op, row[0])
		assert.Equal(t, results[i].Mode, row[1])
		assert.Equal(t, results[i].Client, row[2])
		v, err := strconv.ParseFloat(row[3], 64)
		require.NoError(t, err)
		assert.Positive(t, v)
		if results[i].RedisBenchmark > 0 {
			c, err := strconv.ParseFloat(row[4], 64)
			require.NoError(t, err)
			assert.Positive(t, c)
			ratio, err := strconv.ParseFloat(row[5], 64)
			require.NoError(t, err)
			assert.InDelta(t, v/c, ratio, 0.01)
		} else {
			assert.Empty(t, row[4])
			assert.Empty(t, row[5])
		}
	}
}

// checkSVG parses the chart as XML and counts its bars.
func checkSVG(t *testing.T, path string, bars int) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(b))
	found, root := 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the chart is not well-formed XML")
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			for _, a := range se.Attr {
				if se.Name.Local == "rect" && a.Name.Local == "class" && a.Value == "bar" {
					found++
				}
			}
		}
	}
	assert.Equal(t, "svg", root)
	assert.Equal(t, bars, found)
}

func TestParseRedisBenchmarkCSV(t *testing.T) {
	got, err := parseRedisBenchmarkCSV(`"test","rps","avg_latency_ms"
"SET","34722.22","0.026"
"GET","35026.27","0.025"
`)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"SET": 34722.22, "GET": 35026.27}, got)

	_, err = parseRedisBenchmarkCSV("SET: 34722.22 requests per second\n")
	assert.ErrorContains(t, err, "no \"test\",\"rps\" header")
	_, err = parseRedisBenchmarkCSV("\"test\",\"rps\"\n\"SET\",\"fast\"\n")
	assert.ErrorContains(t, err, "not a number")
}

func TestOptionsCheck(t *testing.T) {
	assert.NoError(t, DefaultOptions().Check())
	for _, tc := range []struct {
		edit func(*Options)
		says string
	}{
		{func(o *Options) { o.N = 0 }, "-n 0"},
		{func(o *Options) { o.Runs = 0 }, "-runs 0"},
		{func(o *Options) { o.Concurrency = -1 }, "-c -1"},
	} {
		o := DefaultOptions()
		tc.edit(&o)
		assert.ErrorContains(t, o.Check(), tc.says)
	}
}

func TestMedianAndScale(t *testing.T) {
	assert.Equal(t, 3.0, median([]float64{9, 1, 3}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
	assert.Equal(t, 0.0, median(nil))
	assert.Equal(t, 50000.0, niceCeil(41234))
	assert.Equal(t, 1e6, niceCeil(612345))
	assert.Equal(t, "250k", human(250000))
	assert.Equal(t, "1.5M", human(1500000))
}
