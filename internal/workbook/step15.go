package workbook

func init() {
	register(Step{
		Number:  15,
		Slug:    "15-production",
		Title:   "Production tips",
		Summary: "Key naming and SCAN by prefix, listpack hashes, Lua compare-and-swap with EVALSHA, a real Sentinel failover, and a live monitoring dashboard.",
		Bonus:   true,
		Hints: []string{
			"The Sentinel demo starts redis-server processes: put Redis's bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH), or use `docker-compose --profile sentinel up -d`.",
			"`go run ./steps/15-production monitor` redraws the five metrics and the slow log every second; run `redis-benchmark -q` in another terminal to see them move.",
			"`redis-cli OBJECT ENCODING key` and `redis-cli MEMORY USAGE key SAMPLES 0` show any hash's encoding and size.",
		},
		Normalize: []Rule{
			Port, Duration, Memory,
			// Memory figures depend on the version and the allocator.
			R(`MEMORY USAGE → \d+ bytes`, "MEMORY USAGE → <n> bytes"),
			R(`costs \d+(\.\d+)?x the memory`, "costs <ratio>x the memory"),
			// The server's own recent average of commands per second.
			R(`^ops/s( +)\d+$`, "ops/s$1<n>"),
		},
	})
}
