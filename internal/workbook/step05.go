package workbook

func init() {
	register(Step{
		Number:  5,
		Slug:    "05-cache",
		Title:   "A caching layer",
		Summary: "A generic cache-aside wrapper: deterministic keys, a TTL on every entry, errors never cached, one call for concurrent misses, and invalidation with SCAN and UNLINK.",
		Hints: []string{
			"See the entries: `redis-cli --scan --pattern 'workbook:products:*'` (SCAN, not KEYS) and `redis-cli TTL <key>`.",
			"A key is the prefix plus the first 16 hex digits of the SHA-256 of the arguments' JSON: equal arguments, equal key.",
			"Run the cache's tests with `go test ./steps/05-cache/...`: the stampede test shows the naive cache calling the function once per concurrent miss.",
		},
		// Only the timings vary; the hit/miss labels and counts do not.
		Normalize: []Rule{Duration},
	})
}
