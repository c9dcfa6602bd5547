package theazo

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkOpenStream holds one agent stream open, read on a goroutine of
// its own that has received the first event and waits for the next, and
// reports the goroutines and the live heap it adds to the process (client
// and loopback server): the SDK's stream against a raw net/http stream read
// the same way, line by line with a bufio.Scanner. A guard: the SDK should
// hold an open stream for what a hand-written reader does.
func BenchmarkOpenStream(b *testing.B) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "id: 1\nevent: thinking\ndata: {\"text\":\"working\"}\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	b.Cleanup(srv.Close)
	b.Cleanup(func() { close(release) }) // first: the handlers return, then the server closes
	url := srv.URL + "/v1/agents/agt_1/stream"

	// measure opens a stream with read, which must signal first after the
	// first event and then read on until ctx ends.
	measure := func(b *testing.B, closeIdle func(), read func(ctx context.Context, first chan<- struct{}) error) {
		var goroutines, heap float64
		for b.Loop() {
			closeIdle()
			g0, h0 := settledGoroutines(), liveHeap()
			ctx, cancel := context.WithCancel(context.Background())
			first, done := make(chan struct{}), make(chan error, 1)
			go func() { done <- read(ctx, first) }()
			select {
			case <-first:
			case err := <-done:
				b.Fatal("the stream ended before its first event:", err)
			}
			g1, h1 := settledGoroutines(), liveHeap()
			goroutines, heap = float64(g1-g0), float64(h1)-float64(h0)
			cancel()
			<-done
		}
		b.ReportMetric(goroutines, "goroutines")
		b.ReportMetric(heap/1024, "live-KiB")
	}
	b.Run("Agents/sdk", func(b *testing.B) {
		c := benchClient(srv.URL)
		measure(b, c.CloseIdleConnections, func(ctx context.Context, first chan<- struct{}) error {
			s, err := c.Agents.Stream(ctx, "agt_1")
			if err != nil {
				return err
			}
			defer s.Close()
			n := 0
			for _, err := range s.Events() {
				if err != nil {
					return err
				}
				if n++; n == 1 {
					close(first)
				}
			}
			return nil
		})
	})
	b.Run("Agents/raw", func(b *testing.B) {
		hc := rawClient()
		measure(b, hc.CloseIdleConnections, func(ctx context.Context, first chan<- struct{}) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+testKey)
			req.Header.Set("Accept", "text/event-stream")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			n := 0
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data: ") {
					if n++; n == 1 {
						close(first)
					}
				}
			}
			return sc.Err()
		})
	})
}

// settledGoroutines returns the number of goroutines once it has stopped
// changing for a few milliseconds (connections closed by the previous
// round wind down in the background), or after a second.
func settledGoroutines() int {
	n, same := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(time.Second); same < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}
