package workbook

func init() {
	register(Step{
		Number:  8,
		Slug:    "08-rate-limit",
		Title:   "A sliding-window rate limiter",
		Summary: "Limit requests per client with a sorted set, checked and recorded atomically by one Lua script on the server's clock, with a true retry-after and a net/http middleware.",
		Hints: []string{
			"Watch the limiter work: `redis-cli MONITOR` in another terminal while the step runs shows EVALSHA, then EVAL once if the script was not cached yet.",
			"Run the step twice within ten seconds: it deletes its key first, so both runs print the same. Remove that line and the second run is blocked from request 1.",
			"A sorted set's scores are times here: `redis-cli ZRANGE step08:api:v1:192.168.1.100 0 -1 WITHSCORES` (during a run) shows microseconds since 1970.",
		},
		// The retry-after is 10 s minus the time the seven requests took,
		// rounded up to tenths: 10.0s unless the machine stalled for more
		// than 100 ms. Only that stall may vary, never the figure's meaning.
		Normalize: []Rule{R(`^Retry after: (9\.[5-9]|10\.0)s$`, "Retry after: <10 s minus the run's own time, rounded up to tenths>")},
	})
}
