package theazo

import (
	"context"
	"net/http"
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
