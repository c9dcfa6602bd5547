package redisgovernor_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// redisServer is a redis-server the test started on a free loopback port,
// with persistence off; it is stopped (killed by its PID) at cleanup.
type redisServer struct {
	tb   testing.TB
	path string
	port int
	dir  string
	cmd  *exec.Cmd
	out  bytes.Buffer
}

// startRedis starts a redis-server. Without one on PATH the test is skipped
// with a message naming the Debian package, or fails when CI is set.
func startRedis(tb testing.TB) *redisServer {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		const msg = "redis-server not found: install the Debian package redis-server (apt-get install -y redis-server), or run scripts/redis"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(tb, l.Close())
	s := &redisServer{tb: tb, path: path, port: port, dir: tb.TempDir()}
	s.start()
	tb.Cleanup(s.stop)
	return s
}

// start runs redis-server and waits until it answers PING.
func (s *redisServer) start() {
	s.tb.Helper()
	s.out.Reset()
	cmd := exec.Command(s.path, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	require.NoError(s.tb, cmd.Start())
	s.cmd = cmd
	deadline := time.Now().Add(5 * time.Second)
	for !s.ping() {
		if time.Now().After(deadline) {
			s.stop()
			s.tb.Fatalf("redis-server on port %d did not answer PING within 5 s: %s", s.port, s.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping reports whether the server answers PING.
func (s *redisServer) ping() bool {
	conn, err := net.DialTimeout("tcp", s.addr(), 100*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// stop kills the server by its PID and reaps it.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// client returns a new client of the server with a connection pool of its
// own, closed at cleanup, and the count of its round trips.
func (s *redisServer) client(tb testing.TB) (*redis.Client, *roundTrips) {
	c := redis.NewClient(&redis.Options{Addr: s.addr()})
	n := &roundTrips{}
	c.AddHook(n)
	tb.Cleanup(func() { _ = c.Close() })
	return c, n
}

// commandCalls returns how many times the server ran each command since it
// started (or CONFIG RESETSTAT), from INFO commandstats.
func (s *redisServer) commandCalls(tb testing.TB) map[string]int {
	c := redis.NewClient(&redis.Options{Addr: s.addr()})
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	require.NoError(tb, err)
	out := map[string]int{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		out[name], _ = strconv.Atoi(n)
	}
	return out
}

// resetStats zeroes the server's command counts.
func (s *redisServer) resetStats(tb testing.TB) {
	c := redis.NewClient(&redis.Options{Addr: s.addr()})
	defer c.Close()
	require.NoError(tb, c.ConfigResetStat(context.Background()).Err())
}

// roundTrips is a go-redis hook that counts round trips: each command sent
// alone, and each pipeline.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// logRecords is a slog handler that keeps the messages logged.
type logRecords struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// count returns how many messages contain s.
func (l *logRecords) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}
