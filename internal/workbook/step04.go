package workbook

func init() {
	register(Step{
		Number:  4,
		Slug:    "04-data-types",
		Title:   "The core data types",
		Summary: "Strings, hashes (scanned into a Go struct), lists, sets and sorted sets, each for the job it does best, and how Redis encodes a small and a large hash.",
		Hints: []string{
			"Look at what the step left behind: `redis-cli HGETALL user:1001`, `redis-cli LRANGE notifications:1001 0 -1`, `redis-cli ZRANGE leaderboard:weekly 0 -1 REV WITHSCORES`.",
			"`redis-cli TYPE user:1001` names a key's type; using another type's command on it gives WRONGTYPE.",
			"A set has no order: sort SMEMBERS/SINTER replies before printing or comparing them.",
		},
	})
}
