package workbook

func init() {
	register(Step{
		Number:  2,
		Slug:    "02-setup",
		Title:   "Project setup and configuration from .env",
		Summary: "Load the Redis settings from .env and the environment, validate them, and print them with the password hidden.",
		Hints: []string{
			"Copy .env.example to .env and change one setting, e.g. REDIS_DB=1, then run the step again.",
			"Variables already set in your shell win over .env: try `REDIS_DB=2 make step-2`.",
		},
		// The settings themselves are the learner's own: what must match is
		// the shape of the report, not their values.
		Normalize: []Rule{
			R(`^  \(no REDIS_URL or REDIS_HOST.*\n`, ""),
			R(`^(  (address|database|user|password|TLS|URL|timeouts|pool size): +).*$`, "$1<your setting>"),
		},
	})
}
