package workbook

func init() {
	register(Step{
		Number:  16,
		Slug:    "16-benchmarks",
		Title:   "Benchmarks",
		Summary: "The tutorial's benchmark table measured in Go — individual commands, pipelines of 100, concurrent goroutines — beside redis-benchmark, as a table, a CSV and a chart.",
		Bonus:   true,
		Hints: []string{
			"`make bench` measures 100,000 commands per run and also runs the Go benchmarks; the quick default measures 2,000.",
			"Open bench/benchmarks.svg in a browser; bench/benchmarks.csv is for comparing machines or runs over time.",
			"Put Redis's bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH) to measure redis-benchmark, the C client, beside go-redis.",
		},
		Normalize: []Rule{
			Version,
			// Throughput cells and ratios: right-aligned numbers, so at
			// least two spaces before them ("pipeline 100 |" has one).
			R(`  +\d+(\.\d+)?(x?) \|`, " <n>$2 |"),
			// Where the files went (a temporary directory in tests).
			R(`\S*/(benchmarks\.(csv|svg))`, "<dir>/$1"),
		},
	})
}
