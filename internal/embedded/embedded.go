// Package embedded is the workbook's in-process Redis: what a learner gets
// when there is no Docker and no redis-server, and what lets `make test` pass
// on a machine with nothing but Go.
//
// It is built on miniredis (github.com/alicebob/miniredis/v2) and listens on
// a real TCP address, so go-redis and redis-cli talk to it exactly as they
// would to Redis.
package embedded

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// Version is the Redis version whose behaviour the embedded server emulates
// for the commands the workbook teaches.
const Version = "8.6.0"

// Server is a running embedded Redis.
type Server struct {
	m *miniredis.Miniredis
}

// Option configures Start.
type Option func(*settings)

type settings struct {
	password string
}

// WithPassword makes the server require AUTH with this password.
func WithPassword(pw string) Option { return func(s *settings) { s.password = pw } }

// Start listens on addr ("" or "127.0.0.1:0" for a free loopback port).
func Start(addr string, opts ...Option) (*Server, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m := miniredis.NewMiniRedis()
	// miniredis's TTLs only move when a test calls FastForward; a learner's
	// server must expire keys on the wall clock, as Redis does.
	m.ClockTTL(true)
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("embedded Redis: cannot listen on %s: %w (pick another address, e.g. 127.0.0.1:6380)", addr, err)
	}
	if set.password != "" {
		m.RequireAuth(set.password)
	}
	return &Server{m: m}, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.m.Addr() }

// Close stops the server.
func (s *Server) Close() { s.m.Close() }

// Miniredis gives tests direct access (e.g. FastForward) to the server.
func (s *Server) Miniredis() *miniredis.Miniredis { return s.m }

// Features lists what the embedded server supports honestly. Eviction,
// maxclients and persistence are deliberately absent: it cannot emulate them.
func (s *Server) Features() features.Set {
	return features.NewSet("the embedded server", Version, features.HashFieldTTL)
}
