package main

import (
	"testing"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// BenchmarkCommands is the table as Go benchmarks, for regressions:
//
//	go test -run '^$' -bench . -benchmem ./steps/16-benchmarks
//
// b.N commands per operation, mode and client; ops/s is reported beside
// ns/op, and allocations per command show where go-redis's time goes.
func BenchmarkCommands(b *testing.B) {
	ctx := testkit.Context(b)
	rdb := testkit.Client(b)
	o := DefaultOptions()
	c, err := newClients(ctx, rdb, o)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, op := range operations(newNames()) {
		if op.Needs != "" && !testkit.Features(b).Has(op.Needs) {
			continue
		}
		for _, m := range modes {
			for _, w := range m.ways {
				b.Run(op.Name+"/"+m.Name+"/"+w.Client, func(b *testing.B) {
					b.ReportAllocs()
					d, err := w.run(ctx, c, op, b.N, o)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(rate(b.N, d), "ops/s")
				})
			}
		}
	}
}
