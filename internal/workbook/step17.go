package workbook

func init() {
	register(Step{
		Number:  17,
		Slug:    "17-cluster",
		Title:   "Redis Cluster",
		Summary: "A real six-node Redis Cluster: keys over slots and nodes, CROSSSLOT and hash tags in the workbook's own code, live resharding, a failover, and pipelines split by node.",
		Bonus:   true,
		Hints: []string{
			"The step starts six redis-server processes and joins them with redis-cli: put Redis's bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH).",
			"`redis-cli -c -p PORT` follows MOVED and ASK like go-redis does; `CLUSTER SHARDS` and `CLUSTER KEYSLOT key` show where a key lives.",
			"Keys that one transaction, script or WATCH must change together need one hash tag: {user:1001}:sessions and {user:1001}:profile share a slot.",
		},
		Normalize: []Rule{
			Port, Duration, Version,
			// Node IDs are random.
			R(`\b[0-9a-f]{40}\b`, "<id>"),
			// Throughput, right-aligned.
			R(` +\d+ ops/s`, " <n> ops/s"),
			R(`the same \d+ keys`, "the same <n> keys"),
			// What the workloads managed to do while slots moved or a node
			// died depends on the machine's speed; errors, wrong reads and
			// lost writes are not normalised: they must stay 0.
			R(`\b\d+ (more )?writes\b`, "<n> ${1}writes"),
			R(`followed \d+ MOVED and \d+ ASK`, "followed <n> MOVED and <n> ASK"),
			R(`\b\d+ of \d+ keys there\b`, "<n> of <n> keys there"),
			// The failover's error window.
			R(`writes ok, \d+ failed`, "writes ok, <n> failed"),
			R(`errors seen: .*`, "errors seen: <kinds>"),
			R(`\d+ reads ok, \d+ failed`, "<n> reads ok, <n> failed"),
			R(`read back after the failover: \d+ of \d+ \(\d+ lost`, "read back after the failover: <n> of <n> (<n> lost"),
		},
	})
}
