package workbook

func init() {
	register(Step{
		Number:  12,
		Slug:    "12-url-shortener",
		Title:   "Capstone: a URL shortener",
		Summary: "Short links with random or custom codes claimed atomically, click counting in one transaction, stats and a top list, then the same as an HTTP service with rate limiting.",
		Hints: []string{
			"Claim a code with a command that fails when it is taken (HSETNX, SET NX), never with EXISTS followed by a write.",
			"Count a click with HINCRBY and ZINCRBY in one MULTI/EXEC; ZINCRBY alone creates the member, no ZADD needed.",
			"`make step-12 ARGS=serve` starts the HTTP API on 127.0.0.1:8080; POST /api/shorten, then GET /CODE.",
		},
		Normalize: []Rule{
			// Random codes: crypto/rand draws new ones every run. "special"
			// is a custom code and stays as it is.
			R(`^(Shortened: https://sho\.rt/)[0-9A-Za-z]{7}\b`, "${1}<code>"),
			R(`^( \d+\. )[0-9A-Za-z]{7}:`, "${1}<code>:"),
			Memory,
		},
	})
}
