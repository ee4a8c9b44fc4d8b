package workbook

func init() {
	register(Step{
		Number:  13,
		Slug:    "13-pitfalls",
		Title:   "Pitfalls: seven mistakes, shown and fixed",
		Summary: "KEYS vs SCAN under load, redis.Nil and values go-redis can't encode, a TTL audit, a large value vs a hash, a client per request vs a pool, AOF fsync policies, and maxmemory policies, each measured on a throwaway server.",
		Hints: []string{
			"This step starts its own throwaway Redis: it changes maxmemory, the eviction policy and AOF, so it never touches yours.",
			"Pitfalls 6 and 7 need a real server; the embedded server skips them, saying why. With Docker running, the step starts its own Redis container; or put redis-server on PATH (e.g. `PATH=/opt/redis8/bin:$PATH WORKBOOK_REDIS=binary`). Your `make up` server is never used.",
			"Timings vary from run to run and machine to machine; the counts (keys, bytes, connections) do not.",
		},
		Normalize: []Rule{Duration, Memory},
		Bonus:     true,
	})
}
