package workbook

func init() {
	register(Step{
		Number:  11,
		Slug:    "11-concurrency",
		Title:   "Concurrency: goroutines, the pool and pipelines",
		Summary: "Share one client among goroutines, fan out 100 writes and 100 reads with errgroup under a deadline, compare with one pipeline, and receive a pub/sub message with a timeout.",
		Hints: []string{
			"A *redis.Client is a pool: create one at start-up and share it; never one client per request.",
			"errgroup.WithContext plus SetLimit bounds the goroutines and stops them at the first error or when the context ends.",
			"Many independent commands from one goroutine? A pipeline (one round trip) beats goroutines (one round trip each).",
			"Pub/sub: wait for the subscription's confirmation (Receive) before publishing, or the message can be lost.",
		},
		Normalize: []Rule{
			Duration,
			// How the pool splits its work between reused and new
			// connections depends on scheduling; the pool size on the CPU
			// count (10 per CPU) or REDIS_POOL_SIZE.
			R(`\((hits|misses)\): +\d+`, "($1): <n>"),
			R(`^Open connections: \d+ \(idle \d+\), pool size \d+$`, "Open connections: <n> (idle <n>), pool size <n>"),
			// How many pipelines AutoPipeline formed depends on scheduling;
			// the test asserts that it is fewer than the commands.
			R(`^Round trips: \d+ for`, "Round trips: <n> for"),
		},
	})
}
