package main

import (
	"testing"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// BenchmarkCommands is the table as Go benchmarks, for regressions:
//
//	go test -run '^$' -bench . -benchmem ./steps/16-benchmarks
//
// b.N commands per operation and mode; ops/s is reported beside ns/op.
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
			b.Run(op.Name+"/"+m.Name, func(b *testing.B) {
				b.ReportAllocs()
				d, err := m.run(ctx, c, op, b.N, o)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(rate(b.N, d), "ops/s")
			})
		}
	}
}
