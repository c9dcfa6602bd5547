package theazo

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkCallOptions measures Agents.Get with no option, with
// WithResponseInto, and with the extras of a typical call, against the same
// loopback server: what the options cost over the plain call of
// BenchmarkCall (allocations above all).
func BenchmarkCallOptions(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, opts func(*Response) []RequestOption) {
		c := benchClient(newCountingServer(b, jsonHandler(benchAgent)).URL)
		var resp Response
		o := opts(&resp)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Agents.Get(ctx, "agt_01HX3K2ABC", o...); err != nil {
				b.Fatal(err)
			}
		}
		if o != nil && resp.StatusCode != http.StatusOK {
			b.Fatalf("the Response was not filled: %+v", resp)
		}
	}
	b.Run("AgentsGet/none", func(b *testing.B) {
		run(b, func(*Response) []RequestOption { return nil })
	})
	b.Run("AgentsGet/WithResponseInto", func(b *testing.B) {
		run(b, func(r *Response) []RequestOption { return []RequestOption{WithResponseInto(r)} })
	})
	b.Run("AgentsGet/WithResponseInto+WithHeader+WithMaxRetries", func(b *testing.B) {
		run(b, func(r *Response) []RequestOption {
			return []RequestOption{WithResponseInto(r), WithHeader("X-Tenant", "t_1"), WithMaxRetries(1)}
		})
	})
}

// cannedTransport answers every request with body, in memory.
type cannedTransport struct{ body string }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Request: r, ContentLength: int64(len(c.body)),
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(strings.NewReader(c.body)),
	}, nil
}

// BenchmarkCallInMemory is BenchmarkCall's Agents.Get over an in-memory
// transport, with and without WithResponseInto: without a server and its
// loopback connection in the figures, the time ratio is the SDK's own
// overhead over the hand-written call (decoding the same JSON included).
func BenchmarkCallInMemory(b *testing.B) {
	ctx := context.Background()
	hc := &http.Client{Transport: cannedTransport{benchAgent}}
	sdk := func(b *testing.B, opts ...RequestOption) {
		c := NewClient(testKey, WithBaseURL("http://127.0.0.1:1/v1"), WithHTTPClient(hc))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Agents.Get(ctx, "agt_01HX3K2ABC", opts...); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("AgentsGet/sdk", func(b *testing.B) { sdk(b) })
	b.Run("AgentsGet/raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a Agent
			if err := rawCall(ctx, hc, http.MethodGet, "http://127.0.0.1:1/v1/agents/agt_01HX3K2ABC", nil, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AgentsGetWithResponseInto", func(b *testing.B) {
		var resp Response
		sdk(b, WithResponseInto(&resp))
	})
}
