package embedded_test

import (
	"context"
	"testing"
)

// Throughput of JSON commands whose cost is the path: a filter under a
// descent, and an update of one number.
//
//	go test -run XXX -bench 'JSON' -count 5 ./internal/embedded/

const benchStore = `{"inventory":{"headphones":[` +
	`{"id":12345,"name":"Noise-cancelling Bluetooth headphones","price":99.98,"wireless":true},` +
	`{"id":12346,"name":"Wireless earbuds","price":64.99,"wireless":true},` +
	`{"id":12347,"name":"Mic headset","price":35.01,"wireless":false}]},"n":0}`

func BenchmarkJSONFilter(b *testing.B) {
	_, rdb := start(b)
	ctx := context.Background()
	if err := rdb.Do(ctx, "JSON.SET", "store", "$", benchStore).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := rdb.Do(ctx, "JSON.GET", "store", "$..headphones[?(@.price<70&&@.wireless==true)].id").Text()
		if err != nil || got != "[12346]" {
			b.Fatalf("JSON.GET with a filter = %q, %v", got, err)
		}
	}
}

func BenchmarkJSONNumIncrBy(b *testing.B) {
	_, rdb := start(b)
	ctx := context.Background()
	if err := rdb.Do(ctx, "JSON.SET", "store", "$", benchStore).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rdb.Do(ctx, "JSON.NUMINCRBY", "store", "$.n", "1").Err(); err != nil {
			b.Fatal(err)
		}
	}
}
