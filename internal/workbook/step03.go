package workbook

func init() {
	register(Step{
		Number:  3,
		Slug:    "03-connect",
		Title:   "Connection patterns and server info",
		Summary: "Connect from options, with a sized pool and from a URL; read INFO server, clients and memory; read the pool's statistics.",
		Hints: []string{
			"A *redis.Client is a pool: create one per server at start-up and share it; never one per request.",
			"Try `redis-cli info clients` while the step runs, or `redis-cli client list`.",
		},
		Normalize: []Rule{Version, Memory, R(`^Connected clients: \d+$`, "Connected clients: <n>")},
	})
}
