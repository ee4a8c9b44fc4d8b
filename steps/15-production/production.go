package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

// tips runs the five production tips in order. The first three use your
// server and only keys under shop:; whatever changes server settings or
// empties a cache runs on a throwaway server the step starts itself, and
// the Sentinel demo starts processes of its own.
func tips(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	if err := keyNaming(ctx, out, rdb); err != nil {
		return err
	}

	set, err := features.Detect(ctx, rdb, "this server")
	if err != nil {
		return err
	}
	if set.Has(features.Config) {
		if err := hashEncoding(ctx, out, rdb); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, "--- 2. Small hashes: listpack encoding ---")
		fmt.Fprintln(out, set.Missing(features.Config))
	}

	owned, err := provision.StartOwned(ctx, os.Stderr)
	if err != nil {
		return fmt.Errorf("starting the step's own server: %w", err)
	}
	defer owned.Close()
	ownedClient := owned.NewClient()
	defer ownedClient.Close()

	if err := luaCAS(ctx, out, rdb, ownedClient); err != nil {
		return err
	}
	if err := sentinelFailover(ctx, out); err != nil {
		return err
	}
	return monitoring(ctx, out, ownedClient, owned.Features)
}
