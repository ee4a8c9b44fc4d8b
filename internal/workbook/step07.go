package workbook

func init() {
	register(Step{
		Number:  7,
		Slug:    "07-pubsub",
		Title:   "An event bus on pub/sub, and on Streams",
		Summary: "Route JSON events to handlers by channel and pattern with pub/sub, waiting for the subscription confirmation instead of sleeping; then the same bus on a stream with a consumer group, which keeps events for consumers that are not running.",
		Hints: []string{
			"In another terminal, `redis-cli PSUBSCRIBE 'events:*'`, then run the step: you see the two JSON events, timestamps included.",
			"Publish with nobody listening: `redis-cli PUBLISH events:user:signup '{}'` answers 0, the number of receivers. The event is gone.",
			"`go run ./steps/07-pubsub -streams` publishes first and starts the consumer afterwards; `redis-cli XINFO GROUPS step07:events` during a run shows the group's pending count.",
		},
	})
}
