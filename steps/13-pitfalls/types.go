package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"
)

// Python's pitfall is bytes coming back where strings were expected. Go has
// no decode step to forget: a Go string holds any bytes, and comparing a
// []byte with a string does not compile. Go's traps are elsewhere: a
// missing key, and values go-redis cannot encode.
func stringsAndBytes(ctx context.Context, out io.Writer, l *lab) error {
	rdb := l.rdb
	defer rdb.Del(context.WithoutCancel(ctx), "pit:user:1:nickname", "pit:avatar", "pit:profile:1", "pit:profile:1:json")

	// A nickname that exists but is empty, and one that does not exist.
	if err := rdb.Set(ctx, "pit:user:1:nickname", "", 0).Err(); err != nil {
		return err
	}
	for _, key := range []string{"pit:user:1:nickname", "pit:user:2:nickname"} {
		fmt.Fprintf(out, "  pitfall: %s → %q (the error was ignored)\n", key, nicknameNaive(ctx, rdb, key))
	}
	for _, key := range []string{"pit:user:1:nickname", "pit:user:2:nickname"} {
		nick, found, err := nickname(ctx, rdb, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  fix:     %s → %q, found: %t\n", key, nick, found)
	}

	// Binary data: Bytes() and Result() give the same bytes, untouched.
	avatar := []byte{0x89, 'P', 'N', 'G', 0x00, 0xff}
	if err := rdb.Set(ctx, "pit:avatar", avatar, 0).Err(); err != nil {
		return err
	}
	asBytes, err := rdb.Get(ctx, "pit:avatar").Bytes()
	if err != nil {
		return err
	}
	asString, err := rdb.Get(ctx, "pit:avatar").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  binary:  Bytes() → % x; Result() → %q; same bytes: %t\n", asBytes, asString, string(asBytes) == asString)

	// A struct is not a Redis string: go-redis refuses it before sending.
	p := profile{Name: "Ada", Role: "admin", Logins: 3}
	err = rdb.Set(ctx, "pit:profile:1", p, 0).Err()
	fmt.Fprintf(out, "  pitfall: SET with a struct → %v\n", err)

	// Fix 1: encode it yourself, e.g. as JSON, and decode when reading.
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := rdb.Set(ctx, "pit:profile:1:json", doc, 0).Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  fix:     SET the JSON instead → %s\n", doc)

	// Fix 2: a hash, one field per struct field (the `redis` tags), read
	// back into the struct with Scan.
	if err := rdb.HSet(ctx, "pit:profile:1", p).Err(); err != nil {
		return err
	}
	var back profile
	if err := rdb.HGetAll(ctx, "pit:profile:1").Scan(&back); err != nil {
		return err
	}
	fmt.Fprintf(out, "  fix:     HSET the struct, HGETALL + Scan → %+v\n", back)
	return nil
}

// profile is stored as a hash: go-redis maps fields by their `redis` tags.
type profile struct {
	Name   string `redis:"name" json:"name"`
	Role   string `redis:"role" json:"role"`
	Logins int    `redis:"logins" json:"logins"`
}

// nicknameNaive is the pitfall: with the error ignored, a missing key and
// an empty value both come back as "".
func nicknameNaive(ctx context.Context, rdb *redis.Client, key string) string {
	v, _ := rdb.Get(ctx, key).Result()
	return v
}

// nickname tells "not there" (redis.Nil) apart from a real failure, and
// from a value that happens to be empty.
func nickname(ctx context.Context, rdb *redis.Client, key string) (string, bool, error) {
	v, err := rdb.Get(ctx, key).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return v, true, nil
}
