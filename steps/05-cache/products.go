package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/steps/05-cache/cache"
)

// Product is what the slow "database" returns.
type Product struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
	Stock int     `json:"stock"`
}

// queryLatency is how long the pretend database takes to answer.
const queryLatency = 100 * time.Millisecond

// productDB stands in for a database; it counts its queries so that the demo
// can say whether a call was a hit or a miss. The cache may call Get from
// another goroutine, hence the atomic counter.
type productDB struct{ queries atomic.Int64 }

// Get is the slow query the cache sits in front of.
func (db *productDB) Get(ctx context.Context, id int) (Product, error) {
	db.queries.Add(1)
	select {
	case <-time.After(queryLatency):
	case <-ctx.Done():
		return Product{}, ctx.Err()
	}
	return Product{ID: id, Name: fmt.Sprintf("Product %d", id), Price: 29.99, Stock: 142}, nil
}

// prefix is the demo's namespace. It starts with "workbook:" so that it
// cannot meet the keys of another program using the same Redis: the demo
// clears this prefix when it starts.
const prefix = "workbook:products"

// demo caches product lookups for ten minutes, then invalidates them.
func demo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	db := &productDB{}
	products, err := cache.New(rdb, prefix, 10*time.Minute, db.Get)
	if err != nil {
		return err
	}
	// Start cold, so that the first call below is a miss even if an
	// earlier run of this step left entries behind.
	if _, err := products.InvalidateAll(ctx); err != nil {
		return err
	}

	// get calls the cache and says how long it took and whether the
	// database was queried (a miss) or not (a hit).
	calls := 0
	get := func(label string, id int) error {
		calls++
		before, start := db.queries.Load(), time.Now()
		p, err := products.Get(ctx, id)
		if err != nil {
			return err
		}
		elapsed := time.Since(start)
		outcome := "hit"
		if db.queries.Load() > before {
			outcome = "miss"
		}
		fmt.Fprintf(out, "%s (%s): %.2fms → %+v\n", label, outcome, float64(elapsed.Microseconds())/1000, p)
		return nil
	}

	// The first call misses and waits for the database; the second is
	// answered by Redis.
	if err := get("First call", 42); err != nil {
		return err
	}
	key, err := products.Key(42)
	if err != nil {
		return err
	}
	ttl, err := rdb.TTL(ctx, key).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Stored under %s for %v\n", key, ttl.Round(time.Minute))
	if err := get("Cached call", 42); err != nil {
		return err
	}

	// Two more products, so that there is something left to clear.
	for _, id := range []int{7, 99} {
		if err := get(fmt.Sprintf("Product %d", id), id); err != nil {
			return err
		}
	}

	// Invalidate one entry (after the product changed, say)...
	if err := products.Invalidate(ctx, 42); err != nil {
		return err
	}
	fmt.Fprintln(out, "Cache invalidated for product 42")

	// ...then everything under the prefix. Product 42 is already gone, so
	// this clears 7 and 99. (The tutorial prints "Cleared 1" here right
	// after removing its only entry, which its own code cannot do.)
	cleared, err := products.InvalidateAll(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Cleared %d cached products\n", cleared)

	// With the cache empty, the next call goes to the database again.
	if err := get("After clearing", 42); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d calls, %d database queries\n", calls, db.queries.Load())

	// One entry is left, on purpose, to look at with redis-cli; it goes by
	// itself with its TTL, or with the next run of this step.
	fmt.Fprintf(out, "Left %s for you to look at: it expires in 10 minutes\n", key)
	return nil
}
