# The workbook's commands. `make` alone lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

GO      ?= go
ADDR    ?= 127.0.0.1:6379
# Compose v2 is `docker compose`; older installs have `docker-compose`.
COMPOSE := $(shell if docker compose version >/dev/null 2>&1; then echo "docker compose"; \
             elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; fi)
# steps/NN-name for a step number N (step-4 → steps/04-data-types).
step_dir = $(firstword $(wildcard steps/$(shell printf '%02d' $(1))-*))

.PHONY: help
help: ## list the commands
	@echo "The Redis-with-Go workbook. Start with: go run ./runner"
	@echo
	@grep -hE '^[a-zA-Z%_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([^:]+):.*## (.*)/  make \1|\2/; s/%/N/' | column -t -s '|'

.PHONY: run
run: ## walk through the workbook (same as: go run ./runner)
	$(GO) run ./runner

step-%: ## run step N's program, e.g. make step-4 (pass arguments with ARGS=...)
	@test -n "$(call step_dir,$*)" || { echo "no step $* under steps/"; exit 2; }
	$(GO) run ./$(call step_dir,$*) $(ARGS)

# make test runs every exercise's tests against its reference solution: the
# overlay puts solutions/NN-name/exercise.go in place of each stub, so the
# suite is green on a fresh clone and whatever you wrote. Your own exercise
# is checked by `go run ./runner check N` (or make test-step-N).
OVERLAY := solutions/overlay.json

.PHONY: test
test: ## run every test, the exercises against their reference solutions (never touches your Redis)
	@test -f $(OVERLAY) || { echo "$(OVERLAY) is missing: it ships with the workbook (git checkout -- $(OVERLAY))"; exit 2; }
	$(GO) test -overlay=$(OVERLAY) ./...

test-step-%: ## run one step's tests (every package, your exercise included), e.g. make test-step-4
	@test -n "$(call step_dir,$*)" || { echo "no step $* under steps/"; exit 2; }
	$(GO) test -count=1 -v ./$(call step_dir,$*)/...

.PHONY: prepare
prepare: ## get everything a workshop needs offline (modules, programs, test builds, the Redis image), then the doctor
	$(GO) run ./runner prepare $(ARGS)

.PHONY: mutants
mutants: ## the breakages kept in the repository: each lesson mutant (internal/mutants/patches, M=filter) fails a test, every shipped stub fails its exercise, every failure a chapter shows still happens
	internal/mutants/run $(M)
	$(GO) test -count=1 -v -run 'TestEveryStubFailsItsExercise|TestShownFailuresAreReal' ./internal/workbook/ ./internal/docs/

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: docs
docs: ## refresh the code, output, failures and step tables shown in docs/ and the README
	$(GO) run ./internal/docs/cmd/docsync

.PHONY: golden
golden: ## record every step's current output as its expected output, then refresh docs
	UPDATE_GOLDEN=1 $(GO) test -count=1 -run 'TestOutput' ./steps/...
	$(MAKE) docs

.PHONY: bench
bench: ## measure go-redis beside redis-benchmark (table, bench/benchmarks.csv and .svg), then the Go benchmarks
	$(GO) run ./steps/16-benchmarks -n $(or $(N),50000) -runs $(or $(RUNS),5)
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: up
up: ## start Redis 8.6 with Docker Compose on 127.0.0.1:6379 and wait until it answers
	@test -n "$(COMPOSE)" || { echo "Docker Compose not found: install Docker Desktop, or the docker-compose package"; exit 2; }
	@# REDIS_BIND (a workshop's class server) opens it to the network: never without a password.
	@bind="$${REDIS_BIND:-$$(sed -n 's/^REDIS_BIND=//p' .env 2>/dev/null)}"; \
	 pw="$${REDIS_PASSWORD:-$$(sed -n 's/^REDIS_PASSWORD=//p' .env 2>/dev/null)}"; \
	 if [ -n "$$bind" ] && [ "$$bind" != 127.0.0.1 ] && [ -z "$$pw" ]; then \
	   echo "REDIS_BIND=$$bind makes Redis reachable from the network: set REDIS_PASSWORD too"; exit 2; fi
	$(COMPOSE) up -d
	@# Compose v1 has no --wait: poll the healthcheck the same way for both.
	@for i in $$(seq 60); do \
	  status=$$(docker inspect -f '{{.State.Health.Status}}' workbook-redis 2>/dev/null); \
	  if [ "$$status" = healthy ]; then echo "Redis is up on 127.0.0.1:$${REDIS_PORT:-6379} (make down stops it)"; exit 0; fi; \
	  sleep 1; \
	done; echo "Redis did not become healthy in 60s: see 'docker logs workbook-redis'"; exit 1

.PHONY: down
down: ## stop the Compose Redis (the data volume is kept)
	@test -n "$(COMPOSE)" || { echo "Docker Compose not found"; exit 2; }
	$(COMPOSE) down

.PHONY: redis-embedded
redis-embedded: ## run the embedded server on ADDR (default 127.0.0.1:6379) until Ctrl-C
	$(GO) run ./internal/embedded/cmd/redis-embedded -addr $(ADDR)
