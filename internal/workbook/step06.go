package workbook

import "github.com/redis-go-workbook/workbook/internal/features"

func init() {
	register(Step{
		Number:   6,
		Slug:     "06-json",
		Title:    "JSON documents",
		Summary:  "Store a nested document with JSON.SET, read it whole and by JSONPath, change fields in place (NUMINCRBY, ARRAPPEND), and write and read five documents through pipelines.",
		Requires: []features.Feature{features.JSON},
		Hints: []string{
			"JSONPath replies ($...) are arrays of every match: [\"dark\"], not \"dark\". A path without the $ returns one bare value.",
			"go-redis sends a Go string to JSON.SET and JSON.ARRAPPEND as raw JSON: pass `\"\\\"light\\\"\"` (or json.Marshal the value), not \"light\".",
			"No JSON on your server (ERR unknown command 'JSON.SET')? It was built without the JSON module (`redis-cli MODULE LIST` shows no ReJSON): the official redis:8.6 image has it (`make up`), or use the embedded server (WORKBOOK_REDIS=embedded).",
		},
	})
}
