package workbook

func init() {
	register(Step{
		Number:  10,
		Slug:    "10-pipelines",
		Title:   "Pipelines and transactions for performance",
		Summary: "1,000 SETs one by one, pipelined and in MULTI/EXEC; then a money transfer in integer cents with WATCH/MULTI/EXEC, bounded retries, and a Lua script.",
		Hints: []string{
			"Pipelines save round trips: the further the server, the bigger the speedup. Try it against a Redis on another machine.",
			"`redis-cli monitor` in another terminal shows MULTI, the queued commands and EXEC of a transfer.",
			"`go test -bench . ./steps/10-pipelines/` measures the same thing properly, many times over.",
		},
		// Timings and rates depend on the machine; the speedup too.
		Normalize: []Rule{Duration, Rate, R(`\b\d+(\.\d+)?x faster\b`, "<n>x faster")},
	})
}
