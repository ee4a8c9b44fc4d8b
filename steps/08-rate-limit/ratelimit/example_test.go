package ratelimit_test

import (
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

// The middleware in front of an HTTP service, as the chapter shows it. (An
// example without an Output comment is compiled by go test, not run: this
// one would listen on a port.)
func ExampleMiddleware() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	listOrders := func(w http.ResponseWriter, r *http.Request) {}
	// docs:start middleware
	limiter := ratelimit.New(rdb, "api:v1", 100, time.Minute)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders", listOrders)
	http.ListenAndServe("127.0.0.1:8080", ratelimit.Middleware(limiter, ratelimit.ClientIP)(mux))
	// docs:end middleware
}
