package workbook

func init() {
	register(Step{
		Number:  9,
		Slug:    "09-sessions",
		Title:   "Session management for web applications",
		Summary: "Sessions in hashes with random 256-bit IDs, sliding expiration in one atomic script, log out everywhere, net/http middleware, and Redis 8 fields that expire on their own.",
		Hints: []string{
			"`redis-cli --scan --pattern 'session:*'` lists the sessions; `redis-cli hgetall session:<id>` and `redis-cli pttl session:<id>` show one.",
			"Sliding expiration: call Get and watch `redis-cli ttl session:<id>` jump back to 1800.",
			"HSETEX, HGETEX and HGETDEL need Redis 8: `make up` starts 8.6.",
		},
		Normalize: []Rule{
			// The ID is random: keep its shape (20 characters of the URL-safe
			// alphabet) and hide the characters themselves.
			R(`^Session created: [A-Za-z0-9_-]{20}\.\.\.`, "Session created: <20 random characters>..."),
			// Timestamps of this run.
			R(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b`, "<timestamp>"),
		},
	})
}
