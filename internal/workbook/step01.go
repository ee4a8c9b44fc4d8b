package workbook

func init() {
	register(Step{
		Number:  1,
		Slug:    "01-install",
		Title:   "Install and verify the server",
		Summary: "PING the server, read its version, compare it with the minimum (7.4) and the recommended 8.6, and find out what this build lacks (MODULE LIST, COMMAND INFO).",
		Hints: []string{
			"No Redis? `make up` starts Redis 8.6 in Docker; with nothing installed, the workbook starts its embedded server.",
			"`redis-cli ping` should answer PONG; `redis-cli info server | grep redis_version` shows the version.",
		},
		// What the server lacks depends on its build: the verdict, the
		// module list and the lines under the verdict vary.
		Normalize: []Rule{Version, R(`^Modules: .*$`, "Modules: <this build's modules>"),
			R(`^Verdict: .*$`, "Verdict: <verdict for this server>"), R(`^  - .*\n`, "")},
	})
}
