package main

import (
	"context"
	"errors"
	"sync"
)

// naiveFanOut is the direct port of the tutorial's asyncio.gather: one
// goroutine per item, a WaitGroup, no limit, and a context that nobody
// watches. It works on a sunny day, but 100,000 items means 100,000
// goroutines all queueing for the pool, and cancelling ctx changes nothing:
// every item still runs. The tests show both. Use fanOut instead.
func naiveFanOut(ctx context.Context, n int, do func(ctx context.Context, i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The bug: the work ignores the caller's context.
			errs[i] = do(context.WithoutCancel(ctx), i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
