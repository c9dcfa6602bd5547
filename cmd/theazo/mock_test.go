package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// hostPort is the host:port of a base URL.
func hostPort(t *testing.T, base string) string {
	u, err := url.Parse(base)
	require.NoError(t, err)
	return u.Host
}

// trickle opens a connection that sends a request's head, waits for the
// server's first line in reply (it must start with want), then sends a body
// byte every 50 ms, never finishing; the test's cleanup closes it. A
// "100 Continue", which the server sends when its handler starts reading
// the body (the head asks for it with Expect: 100-continue), shows that the
// request is in flight, as the signal that follows must find it.
func trickle(t *testing.T, addr, head, want string) {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	first, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(first, want), "the server's first line is %q, want %q…", first, want)
	go func() {
		for {
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
}

// trickleAuthenticated trickles a POST with key whose handler is reading
// the body when it returns.
func trickleAuthenticated(t *testing.T, addr, key string) {
	trickle(t, addr, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+key+
		"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n{", "HTTP/1.1 100 Continue")
}

// TestMockExitsWithin2sOfSIGTERM: whatever clients do, theazo mock exits 0
// within half a second of its grace after SIGTERM: within 2 seconds by
// default, a grace of 1.5 s (the usage golden files show the default). The
// cases shorten the grace with --grace, so that they take less time; the
// grace is one deadline whatever its length.
func TestMockExitsWithin2sOfSIGTERM(t *testing.T) {
	t.Parallel()
	require.LessOrEqual(t, defaultGrace+500*time.Millisecond, 2*time.Second, "by default, within 2 s")
	const key = "th_test_mockshutdown"
	for _, tc := range []struct {
		name  string
		grace time.Duration // 0: the default, no --grace
		// stuck: the server cannot finish the request, so it waits the grace out
		stuck bool
		setup func(t *testing.T, addr, base string)
	}{
		{"a client trickling an authenticated body", 300 * time.Millisecond, true, func(t *testing.T, addr, base string) {
			trickleAuthenticated(t, addr, key)
		}},
		{"a client trickling an unauthenticated body", 100 * time.Millisecond, false, func(t *testing.T, addr, base string) {
			// Refused before the body is read: nothing to wait for.
			trickle(t, addr, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 401")
		}},
		{"a client of the public channel stream that never reads", 200 * time.Millisecond, true, func(t *testing.T, addr, base string) {
			c := testClient(t, key, base)
			ch, err := c.Channels.Create(t.Context(), &theazo.ChannelCreateParams{Name: "flood", Instructions: "x"})
			require.NoError(t, err)
			// A receive buffer this small before connecting keeps the
			// window the client offers small from the start.
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				var serr error
				err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
				return errors.Join(err, serr)
			}}
			conn, err := d.DialContext(t.Context(), "tcp", addr)
			require.NoError(t, err)
			t.Cleanup(func() { conn.Close() })
			_, err = fmt.Fprintf(conn, "GET /v1/channels/%s/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n", ch.ID)
			require.NoError(t, err)
			// Messages of 64 KiB, each streamed twice (it and its reply): over
			// 4 MiB with the events' framing, more than a socket's send buffer
			// grows to (4 MiB at most by default on Linux; the writes block
			// after about 2 MiB here), so the server's writes block.
			big := strings.Repeat("m", 64<<10)
			for range 32 {
				_, err := c.Channels.SendMessage(t.Context(), ch.ID, &theazo.MessageSendParams{Content: big})
				require.NoError(t, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			grace, args := defaultGrace, []string(nil)
			if tc.grace > 0 {
				grace, args = tc.grace, []string{"--grace", tc.grace.String()}
			}
			p, base := startMock(t, key, args...)
			tc.setup(t, hostPort(t, base), base)
			start := time.Now() // before the signal: the mock's grace starts after it
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			assert.Equal(t, 0, p.wait(t, 3*time.Second))
			took := time.Since(start)
			assert.Less(t, took, grace+500*time.Millisecond, "within half a second of the grace")
			if tc.stuck {
				assert.GreaterOrEqual(t, took, grace, "the server was stuck on the client until the grace ran out")
			}
		})
	}
}

// TestMockSecondSignalExitsAtOnce: while the mock waits for a client to
// finish, a second signal ends it at once.
func TestMockSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	const key = "th_test_mocksecond"
	p, base := startMock(t, key)
	trickleAuthenticated(t, hostPort(t, base), key)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	p.stderr.waitFor(t, regexp.MustCompile(`Stopping: `), 2*time.Second) // the first signal is handled
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	start := time.Now()
	assert.Equal(t, exitInterrupted, p.wait(t, 2*time.Second))
	assert.Less(t, time.Since(start), 500*time.Millisecond, "the second signal does not wait for the deadline")
}

// TestMockMemoryStaysBounded sends theazo mock 150,000 requests and 50
// unauthenticated POSTs of 100 MB each and reads its resident memory. It
// takes a while, so it runs when THEAZO_MOCK_LOAD=1, as scripts/mockload
// (part of .ci/run) sets it.
func TestMockMemoryStaysBounded(t *testing.T) {
	if os.Getenv("THEAZO_MOCK_LOAD") != "1" {
		t.Skip("a load test: scripts/mockload runs it (THEAZO_MOCK_LOAD=1)")
	}
	const key = "th_test_mockload"
	p, base := startMock(t, key)
	addr := hostPort(t, base)

	// 50 oversized POSTs without a key, all at once: refused before the
	// body is read.
	var posts sync.WaitGroup
	for range 50 {
		posts.Add(1)
		go func() {
			defer posts.Done()
			oversized(t, addr)
		}()
	}
	posts.Wait()
	t.Logf("after 50 oversized POSTs: resident memory %d MB", residentMB(t, p.cmd.Process.Pid))

	// 150,000 requests on 8 connections: half without a key, half with.
	const total, workers = 150_000, 8
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			for i := range total / workers {
				req, _ := http.NewRequest("GET", base+"/sessions?limit=1&n="+strconv.Itoa(i), nil)
				if (i+w)%2 == 0 {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)

	rss := residentMB(t, p.cmd.Process.Pid)
	t.Logf("150,000 requests in %s; resident memory %d MB", took.Round(time.Millisecond), rss)
	assert.Less(t, rss, 100, "the mock's resident memory stays under 100 MB")
}

// oversized sends a POST of 100 MB without a key, until the server
// answers 401 and closes the connection.
func oversized(t *testing.T, addr string) {
	conn, err := net.Dial("tcp", addr)
	if !assert.NoError(t, err) {
		return
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 100<<20)
	chunk := make([]byte, 1<<20)
	for range 100 {
		conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := conn.Write(chunk); err != nil {
			break // the server answered 401 and closed the connection
		}
	}
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
}

// residentMB reads a process's resident memory, in MB, from /proc.
func residentMB(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			require.NoError(t, err)
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}
