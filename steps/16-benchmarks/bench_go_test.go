package main

import (
	"testing"

	"github.com/redis/go-redis/v9"

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

// BenchmarkKnobs measures go-redis's own settings on SET, one at a time
// and in pipelines of 100, each against the default client:
//
//	go test -run '^$' -bench Knobs -benchmem ./steps/16-benchmarks
//
// The chapter reports what moved.
func BenchmarkKnobs(b *testing.B) {
	ctx := testkit.Context(b)
	base := testkit.Client(b).Options()
	knobs := []struct {
		name string
		edit func(*redis.Options)
	}{
		{"default", func(*redis.Options) {}},
		{"RESP2", func(o *redis.Options) { o.Protocol = 2 }},
		{"DisableIdentity", func(o *redis.Options) { o.DisableIdentity = true }},
		{"PipelineBuffers1MiB", func(o *redis.Options) {
			o.PipelineReadBufferSize, o.PipelineWriteBufferSize = 1<<20, 1<<20
		}},
		{"PipelineBuffers4KiB", func(o *redis.Options) {
			o.PipelineReadBufferSize, o.PipelineWriteBufferSize = 4<<10, 4<<10
		}},
	}
	set := operations(newNames())[0]
	for _, k := range knobs {
		opts := *base
		k.edit(&opts)
		c := &clients{single: redis.NewClient(&opts)}
		for _, w := range []way{{"individual", runIndividual}, {"pipeline 100", runPipeline}} {
			b.Run(k.name+"/"+w.Client, func(b *testing.B) {
				b.ReportAllocs()
				d, err := w.run(ctx, c, set, b.N, DefaultOptions())
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(rate(b.N, d), "ops/s")
			})
		}
		_ = c.single.Close()
	}
}
