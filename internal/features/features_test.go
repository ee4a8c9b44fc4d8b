package features

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAtLeast(t *testing.T) {
	assert.True(t, AtLeast("8.6.2", 8, 6))
	assert.True(t, AtLeast("9.0.0", 8, 6))
	assert.True(t, AtLeast("8.10.0", 8, 6))
	assert.False(t, AtLeast("8.0.2", 8, 6))
	assert.False(t, AtLeast("7.4.1", 8, 0))
	assert.False(t, AtLeast("", 7, 4))
	assert.False(t, AtLeast("x.y", 7, 4))
}

func TestInfoField(t *testing.T) {
	info := "# Server\r\nredis_version:8.6.2\r\nredis_mode:standalone\r\n"
	assert.Equal(t, "8.6.2", InfoField(info, "redis_version"))
	assert.Equal(t, "standalone", InfoField(info, "redis_mode"))
	assert.Equal(t, "", InfoField(info, "missing"))
}

// A Redis 8.6 built without its JSON module is told so: not to "run Redis
// 8.6", which it already is.
func TestMissingSaysWhatTheBuildLacks(t *testing.T) {
	debian := NewSet("Redis 8.6.3 from redis-server", "8.6.3", HashFieldTTL, HashFieldEx, StreamIdempotence, VectorSets)
	debian.Modules = []string{"vectorset"}
	assert.Equal(t, "no JSON documents (JSON.SET, JSON.GET) on Redis 8.6.3 from redis-server: "+
		"this server was built without the JSON module (MODULE LIST: vectorset); "+
		"the official redis:8.6 image has it (`make up`), or use the embedded server (WORKBOOK_REDIS=embedded)",
		debian.Missing(JSON))
	assert.NotContains(t, debian.Missing(JSON), "for Redis 8.6", "never send an 8.6 server to 8.6")

	bare := NewSet("Redis 8.6.3 from redis-server", "8.6.3")
	bare.Modules = []string{}
	assert.Contains(t, bare.Missing(VectorSets), "built without the vector-set module (MODULE LIST: none)")

	// A server that refused MODULE LIST: no list, the same verdict.
	acl := NewSet("Redis 8.6.3 at a managed service", "8.6.3")
	assert.Contains(t, acl.Missing(JSON), "this server was built without the JSON module; the official")

	old := NewSet("Redis 7.4.1 from redis-server", "7.4.1", HashFieldTTL)
	old.Modules = []string{}
	assert.Contains(t, old.Missing(JSON), "Redis 7.4.1 has no JSON module loaded (MODULE LIST: none), and Redis 8.0 is the first release that ships it")
	assert.Contains(t, old.Missing(HashFieldEx), "Redis 7.4.1 predates them: Redis 8.0 added HSETEX and HGETDEL")

	r80 := NewSet("Redis 8.0.2 from redis-server", "8.0.2", HashFieldTTL, HashFieldEx)
	assert.Equal(t, "no idempotent stream production (XADD IDMP, IDMPAUTO) on Redis 8.0.2 from redis-server: "+
		"Redis 8.0.2 predates them: Redis 8.6 added the IDMP and IDMPAUTO options of XADD; `make up` runs Redis 8.6",
		r80.Missing(StreamIdempotence))

	// Recent enough and still missing: somebody disabled the commands.
	renamed := NewSet("Redis 8.6.3 at a managed service", "8.6.3")
	assert.Contains(t, renamed.Missing(HashFieldTTL), "does not accept HEXPIRE (added in Redis 7.4)")
	assert.Contains(t, renamed.Missing(Config), "this server refuses CONFIG GET (managed services often disable it)")
	assert.NotContains(t, renamed.Missing(Config), "embedded", "a real server is not the embedded one")
}

func TestMissingOnTheEmbeddedServer(t *testing.T) {
	embedded := NewSet("the embedded server", "8.6.0", JSON, HashFieldTTL, HashFieldEx, Config, Slowlog)
	for _, f := range embedded.Lacks() {
		assert.NotContains(t, embedded.Missing(f), "use the embedded server", "never advise the server in use (%s)", f)
		assert.Contains(t, embedded.Missing(f), "the embedded server", f)
	}
	assert.Contains(t, embedded.Missing(Eviction), "cannot emulate it honestly")
	assert.Equal(t, "no idempotent stream production (XADD IDMP, IDMPAUTO) on the embedded server: "+
		"the embedded server does not emulate the IDMP and IDMPAUTO options of XADD; "+
		"use a real Redis 8.6 (`make up`, or WORKBOOK_REDIS=binary with redis-server 8.6 on PATH)",
		embedded.Missing(StreamIdempotence))
	assert.Equal(t, []Feature{Eviction, MaxClients, Persistence, VectorSets, StreamIdempotence}, embedded.Lacks())
	assert.Equal(t, []Feature{StreamIdempotence}, embedded.Lacks(JSON, StreamIdempotence))
	assert.Empty(t, embedded.Reason(JSON), "no reason for what it has")
}

func TestWithhold(t *testing.T) {
	real := NewSet("Redis 8.0.2 from redis-server", "8.0.2", HashFieldEx)
	withheld := real.With(Config, true).Withhold(Config, "tests change it server-wide")
	assert.False(t, withheld.Has(Config))
	assert.True(t, real.With(Config, true).Has(Config), "Withhold returns a copy")
	assert.Contains(t, withheld.Missing(Config), "not using CONFIG GET/SET on Redis 8.0.2 from redis-server: tests change it server-wide")
	assert.Equal(t, "tests change it server-wide", withheld.Reason(Config))
}
