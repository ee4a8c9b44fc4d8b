package workbook

func init() {
	register(Step{
		Number:  14,
		Slug:    "14-troubleshooting",
		Title:   "Troubleshooting: every error, reproduced",
		Summary: "Each row of the tutorial's troubleshooting table made to happen on a throwaway server, with the error go-redis really returns and the catalogue's cause and fix.",
		Hints: []string{
			"This step starts its own throwaway Redis: it sets a password, lowers maxclients and maxmemory and breaks a save, so it never touches yours.",
			"Most rows need a real server; on the embedded server they are skipped, with the reason. With Docker running, the step starts its own Redis container; or put redis-server on PATH (e.g. `PATH=/opt/redis8/bin:$PATH WORKBOOK_REDIS=binary`) to see every row. Your `make up` server is never used.",
			"`go run ./runner doctor` uses the same catalogue (internal/diagnose) to explain an error you paste.",
		},
		Normalize: []Rule{
			Port,
			// A server over maxclients hangs up; how go-redis notices depends on
			// timing and on what sits between (Docker's port proxy): EOF, a
			// broken pipe or a reset connection.
			R(`^   error: (EOF|write: broken pipe|.*connection reset by peer)$`, "   error: <the server hung up: EOF, broken pipe or connection reset>"),
		},
		Bonus: true,
	})
}
