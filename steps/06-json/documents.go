package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/keyclaim"
)

// Profile is the user document. The field order here is the order in which
// json.Marshal writes the keys, and Redis keeps that order.
type Profile struct {
	ID          int         `json:"id"`
	Name        string      `json:"name"`
	Email       string      `json:"email"`
	Preferences Preferences `json:"preferences"`
	Tags        []string    `json:"tags"`
	Metrics     Metrics     `json:"metrics"`
	CreatedAt   string      `json:"created_at"`
}

// Preferences, Notifications and Metrics are the nested objects.
type Preferences struct {
	Theme         string        `json:"theme"`
	Language      string        `json:"language"`
	Notifications Notifications `json:"notifications"`
}

type Notifications struct {
	Email bool `json:"email"`
	Push  bool `json:"push"`
	SMS   bool `json:"sms"`
}

type Metrics struct {
	Posts      int `json:"posts"`
	Followers  int `json:"followers"`
	Reputation int `json:"reputation"`
}

// Product is one of the documents written in a batch.
type Product struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	Price    float64 `json:"price"`
	Category string  `json:"category"`
}

const profileKey = "user:1001"

// productKey names product n's document.
func productKey(n int) string { return fmt.Sprintf("product:%d", n) }

const productCount = 5

// jsonDocuments stores a profile and five products as JSON documents.
func jsonDocuments(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// Check before touching anything: a server without JSON answers every
	// JSON command with "unknown command", which says what failed but not
	// what to do about it.
	if err := requireJSON(ctx, rdb); err != nil {
		return err
	}
	keys := []string{profileKey}
	for n := 1; n <= productCount; n++ {
		keys = append(keys, productKey(n))
	}
	// This Redis may hold a real application's user:1001 or product:3:
	// claim the keys first, which stops the step, changing nothing, if any
	// of them exists and was not written by the workbook (internal/keyclaim).
	if err := keyclaim.Claim(ctx, rdb, "step 6", keys...); err != nil {
		return err
	}
	// Step 4 left user:1001 as a hash, and a key has one type: JSON.SET
	// on it would fail. Start from a clean slate (this also makes a second
	// run print what the first did).
	if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
		return err
	}
	if err := profile(ctx, out, rdb); err != nil {
		return err
	}
	if err := products(ctx, out, rdb); err != nil {
		return err
	}
	// The documents stay, on purpose, to explore with redis-cli (JSON.GET
	// user:1001 $.tags); the next run replaces them.
	fmt.Fprintf(out, "\nLeft %s and %d products for you to explore with redis-cli\n", profileKey, productCount)
	return nil
}

// requireJSON returns one clear error when the server has no JSON type:
// what is missing, on which server, and how to get a server that has it.
func requireJSON(ctx context.Context, rdb *redis.Client) error {
	set, err := features.Detect(ctx, rdb, "")
	if err != nil {
		return fmt.Errorf("cannot tell whether the server supports JSON: %w", err)
	}
	if !set.Has(features.JSON) {
		set.Server = fmt.Sprintf("Redis %s at %s", set.Version, rdb.Options().Addr)
		return errors.New(set.Missing(features.JSON))
	}
	return nil
}

// quoted is a Go string as JSON text. go-redis sends a string argument to
// JSON.SET and JSON.ARRAPPEND as it is, as raw JSON: the string light is
// not valid JSON, the string "light" (with its quotes) is.
func quoted(s string) string {
	b, _ := json.Marshal(s) // marshalling a string cannot fail
	return string(b)
}

// profile stores the user document, reads it whole and by path, and
// changes parts of it without reading it first.
func profile(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	doc := Profile{
		ID: 1001, Name: "Alice Chen", Email: "alice@example.com",
		Preferences: Preferences{
			Theme: "dark", Language: "en",
			Notifications: Notifications{Email: true, Push: true, SMS: false},
		},
		Tags:      []string{"python", "redis", "devops"},
		Metrics:   Metrics{Posts: 47, Followers: 1283, Reputation: 8750},
		CreatedAt: "2025-06-15T10:30:00Z",
	}
	// A struct (or map) is marshalled to JSON by go-redis. "$" is the root:
	// this writes the whole document.
	if err := rdb.JSONSet(ctx, profileKey, "$", doc).Err(); err != nil {
		return fmt.Errorf("JSON.SET %s $: %w", profileKey, err)
	}

	// A JSONPath ($...) can match any number of values, so the reply is
	// always a JSON array of the matches: here, one document.
	whole, err := rdb.JSONGet(ctx, profileKey, "$").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Full document: %s\n", whole)
	var docs []Profile
	if err := json.Unmarshal([]byte(whole), &docs); err != nil {
		return err
	}
	fmt.Fprintf(out, "Decoded: %d document, %s, %d followers\n", len(docs), docs[0].Name, docs[0].Metrics.Followers)

	// Paths pick values out of the document on the server: only they
	// travel back, not the whole document.
	theme, err := rdb.JSONGet(ctx, profileKey, "$.preferences.theme").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Theme: %s\n", theme)
	followers, err := rdb.JSONGet(ctx, profileKey, "$.metrics.followers").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Followers: %s\n", followers)
	// The older path syntax, without the $, names exactly one value and
	// returns it bare.
	legacy, err := rdb.JSONGet(ctx, profileKey, ".preferences.theme").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Theme (legacy path, no $): %s\n", legacy)

	// Change one field in place. Each command is atomic on the server, so
	// two clients changing different fields cannot overwrite each other.
	if err := rdb.JSONSet(ctx, profileKey, "$.preferences.theme", quoted("light")).Err(); err != nil {
		return fmt.Errorf("JSON.SET %s $.preferences.theme: %w", profileKey, err)
	}
	// NUMINCRBY answers with the new value of every match...
	incr, err := rdb.JSONNumIncrBy(ctx, profileKey, "$.metrics.followers", 1).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "NUMINCRBY $.metrics.followers 1 → %s\n", incr)
	// ...and ARRAPPEND with the new length of every matched array.
	lengths, err := rdb.JSONArrAppend(ctx, profileKey, "$.tags", quoted("caching")).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ARRAPPEND $.tags \"caching\" → %v\n", lengths)

	// Verify: read the changed parts back.
	tags, err := rdb.JSONGet(ctx, profileKey, "$.tags").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Updated tags: %s\n", tags)
	if theme, err = rdb.JSONGet(ctx, profileKey, "$.preferences.theme").Result(); err != nil {
		return err
	}
	fmt.Fprintf(out, "Updated theme: %s\n", theme)
	return nil
}

// products writes five documents in one round trip, then reads one field
// of each in another.
func products(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// Pipelined sends every command queued in the function at once and
	// reads all the replies at the end: one network round trip, not five.
	_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for n := 1; n <= productCount; n++ {
			p := Product{ID: n, Name: fmt.Sprintf("Product %d", n), Price: 9.99 + float64(n), Category: "electronics"}
			pipe.JSONSet(ctx, productKey(n), "$", p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing the products: %w", err)
	}
	fmt.Fprintf(out, "\nStored %d products via pipeline\n", productCount)

	// Each queued command is a *JSONCmd whose reply is filled in when the
	// pipeline runs; keep them to read the replies afterwards.
	prices := make([]*redis.JSONCmd, 0, productCount)
	_, err = rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for n := 1; n <= productCount; n++ {
			prices = append(prices, pipe.JSONGet(ctx, productKey(n), "$.price"))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the prices: %w", err)
	}
	replies := make([]string, len(prices))
	for i, cmd := range prices {
		replies[i] = cmd.Val()
	}
	fmt.Fprintf(out, "Product prices: %s\n", strings.Join(replies, " "))
	return nil
}
