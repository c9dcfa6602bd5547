// Command benchtable reads `go test -bench` output on stdin and prints, for
// each benchmark pair named …/sdk and …/raw, the medians of both sides and
// their ratios; other benchmarks are printed with their metrics.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// line matches a benchmark result: name, iterations, then value/unit pairs.
var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func main() {
	samples := map[string]map[string][]float64{} // name → unit → values
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := m[1]
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
			order = append(order, name)
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				samples[name][f[i+1]] = append(samples[name][f[i+1]], v)
			}
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "benchmark\tsdk ns/op\traw ns/op\ttime ratio\tsdk allocs\traw allocs\talloc ratio\tsdk MB/s\traw MB/s\tthroughput ratio\tother\t")
	for _, name := range order {
		base, ok := strings.CutSuffix(name, "/sdk")
		if !ok {
			if !strings.HasSuffix(name, "/raw") {
				fmt.Fprintf(w, "%s\t%s\t\t\t%s\t\t\t\t\t\t%s\t\n", name, num(median(samples[name]["ns/op"])), num(median(samples[name]["allocs/op"])), others(samples[name]))
			}
			continue
		}
		sdk, raw := samples[name], samples[base+"/raw"]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", base,
			num(median(sdk["ns/op"])), num(median(raw["ns/op"])), ratio(sdk["ns/op"], raw["ns/op"]),
			num(median(sdk["allocs/op"])), num(median(raw["allocs/op"])), ratio(sdk["allocs/op"], raw["allocs/op"]),
			num(median(sdk["MB/s"])), num(median(raw["MB/s"])), ratio(sdk["MB/s"], raw["MB/s"]),
			"sdk "+others(sdk)+" raw "+others(raw))
	}
	w.Flush()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ratio(a, b []float64) string {
	if median(b) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", median(a)/median(b))
}

func num(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// others lists the custom metrics (conns, peak-live-B, …) of a benchmark.
func others(units map[string][]float64) string {
	var out []string
	for u, v := range units {
		switch u {
		case "ns/op", "B/op", "allocs/op", "MB/s":
			continue
		}
		out = append(out, fmt.Sprintf("%s=%s", u, num(median(v))))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
