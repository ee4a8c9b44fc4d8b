package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

const exerciseDoc = `{"id":1001,"name":"Alice Chen","preferences":{"theme":"dark"},"tags":["redis"],"metrics":{"posts":47,"followers":1283,"reputation":8750}}`

// addForTest calls the exercise, turning the stub's error and a panic into
// teaching messages.
func addForTest(t *testing.T, ctx context.Context, rdb *redis.Client, key string, points int) (got int, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("AddReputation(%q, %d) panicked: %v. The reply of a $ path is an array that may be empty ([] when nothing matched): check its length before reading [0]", key, points, p)
		}
	}()
	got, err = AddReputation(ctx, rdb, key, points)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("AddReputation returned %q: the exercise is not done yet. Hint: the lesson's NUMINCRBY on $.metrics.followers is the model: rdb.JSONNumIncrBy(ctx, key, path, n)", err)
	}
	return got, err
}

// requireJSONForExercise skips on a server without JSON, but only once the
// exercise has shown it sends a JSON command: the shipped stub still fails.
func requireJSONForExercise(t *testing.T) {
	t.Helper()
	if testkit.Features(t).Has(features.JSON) {
		return
	}
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	rec := testkit.Record(rdb)
	_, err := addForTest(t, ctx, rdb, "exercise:profile", 1)
	for _, name := range commandNames(rec.Sent()) {
		if strings.HasPrefix(name, "JSON.") {
			t.Skipf("skipped: %s has no JSON documents (%s is an unknown command there), so AddReputation cannot be checked on it; run with WORKBOOK_REDIS=embedded, or on a Redis with JSON (redis:8.6 from Docker Hub, `make up`)", testkit.Features(t).Server, name)
		}
	}
	t.Fatalf("AddReputation sent no JSON command (it returned %d, %v): change the number with JSON.NUMINCRBY", 0, err)
}

func storeDoc(t *testing.T, ctx context.Context, rdb *redis.Client, key, doc string) {
	t.Helper()
	if err := rdb.JSONSet(ctx, key, "$", doc).Err(); err != nil {
		t.Fatal(err)
	}
}

// The number changes in place, in one JSON.NUMINCRBY, and nothing else does.
func TestExerciseAddReputation(t *testing.T) {
	requireJSONForExercise(t)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	storeDoc(t, ctx, rdb, "exercise:profile", exerciseDoc)
	rec := testkit.Record(rdb)

	got, err := addForTest(t, ctx, rdb, "exercise:profile", 25)
	if err != nil {
		t.Fatalf("AddReputation(+25) returned the error %q, want 8775", err)
	}
	if got != 8775 {
		t.Fatalf("AddReputation(+25) = %d, want 8775 (8750 + 25): return the new value from the command's reply, [8775]", got)
	}
	sent := commandNames(rec.Sent())
	for _, name := range sent {
		switch name {
		case "JSON.GET", "JSON.MGET", "JSON.SET", "JSON.MSET", "GET", "SET":
			t.Fatalf("AddReputation sent %v: it reads a value into Go and writes it back. Between the read and the write another client's change is lost (two +25 at once give +25). JSON.NUMINCRBY changes the number on the server, in one atomic command", sent)
		}
	}
	if !contains(sent, "JSON.NUMINCRBY") {
		t.Fatalf("AddReputation sent %v, want JSON.NUMINCRBY key $.metrics.reputation 25", sent)
	}

	whole, err := rdb.JSONGet(ctx, "exercise:profile", "$").Result()
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	if err := json.Unmarshal([]byte(whole), &docs); err != nil || len(docs) != 1 {
		t.Fatalf("the document is no longer one JSON object: %s", whole)
	}
	var want map[string]any
	_ = json.Unmarshal([]byte(strings.Replace(exerciseDoc, "8750", "8775", 1)), &want)
	if fmt.Sprint(docs[0]) != fmt.Sprint(want) {
		t.Fatalf("after AddReputation(+25) the document is\n  %s\nwant only the reputation changed:\n  %s", whole, strings.Replace(exerciseDoc, "8750", "8775", 1))
	}

	if got, err := addForTest(t, ctx, rdb, "exercise:profile", -75); err != nil || got != 8700 {
		t.Fatalf("AddReputation(-75) = %d, %v; want 8700, nil (points may be negative)", got, err)
	}
}

// Fifty clients adding 1 at once add exactly 50.
func TestExerciseAddReputationConcurrently(t *testing.T) {
	requireJSONForExercise(t)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	storeDoc(t, ctx, rdb, "exercise:profile", exerciseDoc)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := AddReputation(ctx, rdb, "exercise:profile", 1); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("AddReputation(+1) from one of 50 goroutines failed: %v", err)
	}
	v, err := rdb.JSONGet(ctx, "exercise:profile", "$.metrics.reputation").Result()
	if err != nil {
		t.Fatal(err)
	}
	if v != "[8800]" {
		t.Fatalf("after 50 concurrent AddReputation(+1) the reputation is %s, want [8800]: updates were lost, as a read-modify-write loses them; use JSON.NUMINCRBY", v)
	}
}

// A missing document or a missing number is an error, and nothing is
// created or changed.
func TestExerciseAddReputationRefusesWhatIsNotThere(t *testing.T) {
	requireJSONForExercise(t)
	ctx, rdb := testkit.Context(t), testkit.Client(t)

	got, err := addForTest(t, ctx, rdb, "exercise:nobody", 10)
	if err == nil {
		t.Fatalf("AddReputation on a key that does not exist = %d, nil; want an error (JSON.NUMINCRBY answers one; return it)", got)
	}
	if n := rdb.Exists(ctx, "exercise:nobody").Val(); n != 0 {
		t.Fatalf("AddReputation on a missing key created it: a profile that did not exist now exists with only a reputation")
	}

	storeDoc(t, ctx, rdb, "exercise:newcomer", `{"id":7,"name":"Bo","metrics":{"posts":0}}`)
	got, err = addForTest(t, ctx, rdb, "exercise:newcomer", 10)
	if err == nil {
		t.Fatalf("AddReputation on a document without $.metrics.reputation = %d, nil; want an error: the reply was [] (the path matched nothing), which is not a reputation of 0", got)
	}
	storeDoc(t, ctx, rdb, "exercise:odd", `{"id":8,"metrics":{"reputation":"high"}}`)
	got, err = addForTest(t, ctx, rdb, "exercise:odd", 10)
	if err == nil {
		t.Fatalf("AddReputation on a reputation that is a string = %d, nil; want an error: the reply was [null] (the match is not a number)", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// commandNames lists every command of trips, in order.
func commandNames(trips []testkit.Trip) []string {
	var out []string
	for _, tr := range trips {
		out = append(out, tr.Names()...)
	}
	return out
}
