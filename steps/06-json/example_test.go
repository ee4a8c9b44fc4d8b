package main

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// The direct translation of the Python tutorial's call, as the chapter shows
// it: go-redis sends the Go string as raw JSON text, light, which is not
// JSON. TestRawStringIsNotJSON shows the server refusing it. (Compiled by go
// test, not run.)
func Example_rawString() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	// docs:start raw-string
	rdb.JSONSet(ctx, "user:1001", "$.preferences.theme", "light") // sends: light
	// docs:end raw-string
}
