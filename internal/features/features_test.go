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

func TestMissingSaysWhatWhereAndHow(t *testing.T) {
	real := NewSet("Redis 8.0.2 from redis-server", "8.0.2", HashFieldEx)
	assert.Equal(t, "no JSON documents (JSON.SET, JSON.GET) on Redis 8.0.2 from redis-server: run `make up` for Redis 8.6 (JSON is built in), or use the embedded server (WORKBOOK_REDIS=embedded)", real.Missing(JSON))

	embedded := NewSet("the embedded server", "8.6.0")
	assert.NotContains(t, embedded.Missing(HashFieldEx), "use the embedded server", "never advise the server in use")
	assert.Contains(t, embedded.Missing(Eviction), "cannot emulate it honestly")

	withheld := real.With(Config, true).Withhold(Config, "tests change it server-wide")
	assert.False(t, withheld.Has(Config))
	assert.True(t, real.With(Config, true).Has(Config), "Withhold returns a copy")
	assert.Contains(t, withheld.Missing(Config), "not using CONFIG GET/SET on Redis 8.0.2 from redis-server: tests change it server-wide")
}
