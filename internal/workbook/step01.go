package workbook

func init() {
	register(Step{
		Number:  1,
		Slug:    "01-install",
		Title:   "Install and verify the server",
		Summary: "PING the server, read its version and compare it with the minimum (7.4) and the recommended 8.6.",
		Hints: []string{
			"No Redis? `make up` starts Redis 8.6 in Docker; with nothing installed, the workbook starts its embedded server.",
			"`redis-cli ping` should answer PONG; `redis-cli info server | grep redis_version` shows the version.",
		},
		Normalize: []Rule{Version, R(`^Verdict: .*$`, "Verdict: <verdict for this version>")},
	})
}
