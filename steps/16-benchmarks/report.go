package main

import (
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// printTable prints the results as a Markdown table, the tutorial's shape:
// one row per operation, mode and client, numbers right-aligned, and the
// ratio to redis-benchmark sending the same way.
func printTable(out io.Writer, results []result, compared bool) {
	mw, cw := len("Mode"), len("Client")
	for _, r := range results {
		mw, cw = max(mw, len(r.Mode)), max(cw, len(r.Client))
	}
	row := func(cells ...string) {
		fmt.Fprintf(out, "| %-9s | %-*s | %-*s | %12s |", cells[0], mw, cells[1], cw, cells[2], cells[3])
		if compared {
			fmt.Fprintf(out, " %21s | %7s |", cells[4], cells[5])
		}
		fmt.Fprintln(out)
	}
	row("Operation", "Mode", "Client", "ops/s", "redis-benchmark ops/s", "/ C")
	rule := fmt.Sprintf("|-----------|-%s-|-%s-|-------------:|", strings.Repeat("-", mw), strings.Repeat("-", cw))
	if compared {
		rule += "----------------------:|--------:|"
	}
	fmt.Fprintln(out, rule)
	for _, r := range results {
		c, ratio := "—", "—" // JSON.SET: redis-benchmark has no such test
		if r.RedisBenchmark > 0 {
			c, ratio = fmt.Sprintf("%.0f", r.RedisBenchmark), fmt.Sprintf("%.2fx", r.Rate/r.RedisBenchmark)
		}
		row(r.Op, r.Mode, r.Client, fmt.Sprintf("%.0f", r.Rate), c, ratio)
	}
}

// csvHeader names writeCSV's columns.
var csvHeader = []string{"operation", "mode", "client", "ops_per_sec", "redis_benchmark_ops_per_sec", "ratio_to_redis_benchmark"}

// writeCSV writes one line per operation, mode and client, to compare
// machines or follow one machine over time. The redis-benchmark figure
// (the C client sending the same way) and the ratio are empty when it was
// not measured.
func writeCSV(path string, results []result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(csvHeader)
	for _, r := range results {
		c, ratio := "", ""
		if r.RedisBenchmark > 0 {
			c = strconv.FormatFloat(r.RedisBenchmark, 'f', 0, 64)
			ratio = strconv.FormatFloat(r.Rate/r.RedisBenchmark, 'f', 2, 64)
		}
		_ = w.Write([]string{r.Op, r.Mode, r.Client, strconv.FormatFloat(r.Rate, 'f', 0, 64), c, ratio})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// clientColors are the chart's colours, redis-benchmark's last.
var clientColors = map[string]string{
	goRedis: "#d82c20", goRedisPrebuilt: "#f08a5d", goRedisAuto: "#7b2cbf", rueidisClient: "#2a7de1",
	"redis-benchmark": "#8a8a8a",
}

// writeSVG draws one panel per mode, each with its own scale (pipelines
// are ten times faster, and would flatten the other bars), and a group of
// bars per operation: each Go client, and redis-benchmark beside them.
func writeSVG(path string, results []result, o Options) error {
	const width, panelH, top, left, right = 900, 220, 60, 70, 20
	var ops []string
	for _, r := range results {
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
	}
	height := top + len(modes)*panelH + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">Redis throughput from Go, beside redis-benchmark (ops/s, median of %d runs of %d)</text>`+"\n", left, o.Runs, o.N)
	legend := []string{goRedis, goRedisPrebuilt, goRedisAuto, rueidisClient}
	if o.RedisBenchmark != "" {
		legend = append(legend, "redis-benchmark")
	}
	for i, name := range legend {
		x := left + i*150
		fmt.Fprintf(&b, `<rect x="%d" y="36" width="12" height="12" fill="%s"/><text x="%d" y="46">%s</text>`+"\n", x, clientColors[name], x+16, html.EscapeString(name))
	}
	plotW := float64(width - left - right)
	for p, m := range modes {
		y0 := float64(top + p*panelH)
		plotTop, plotH := y0+24, float64(panelH-60)
		// The bars of each operation: the Go clients, then the C client.
		type barV struct {
			client string
			v      float64
		}
		groups := map[string][]barV{}
		peak := 0.0
		for _, r := range results {
			if r.Mode != m.Name {
				continue
			}
			groups[r.Op] = append(groups[r.Op], barV{r.Client, r.Rate})
			peak = math.Max(peak, math.Max(r.Rate, r.RedisBenchmark))
		}
		for _, op := range ops {
			for _, r := range results {
				if r.Op == op && r.Mode == m.Name && r.RedisBenchmark > 0 {
					groups[op] = append(groups[op], barV{"redis-benchmark", r.RedisBenchmark})
					break
				}
			}
		}
		scale := niceCeil(peak)
		title := m.Name
		if strings.HasPrefix(m.Name, "concurrent") {
			title += fmt.Sprintf(" (%d goroutines / connections)", o.Concurrency)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" font-weight="bold">%s</text>`+"\n", left, y0+14, html.EscapeString(title))
		for _, frac := range []float64{0, 0.5, 1} {
			y := plotTop + plotH*(1-frac)
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				left, y, width-right, y, left-6, y+4, human(scale*frac))
		}
		slot := plotW / float64(len(ops))
		for i, op := range ops {
			bars := groups[op]
			barW := slot * 0.7 / float64(max(len(bars), 1))
			x := float64(left) + slot*float64(i) + slot*0.15
			for k, bv := range bars {
				bar(&b, x+float64(k)*barW, plotTop, plotH, barW-1, bv.v/scale, clientColors[bv.client],
					fmt.Sprintf("%s %s, %s: %.0f ops/s", op, m.Name, bv.client, bv.v))
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x+slot*0.35, plotTop+plotH+16, html.EscapeString(op))
		}
	}
	b.WriteString("</svg>\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// bar draws one bar, its height a fraction of the panel, with a tooltip.
func bar(b *strings.Builder, x, top, h, w, frac float64, color, tip string) {
	bh := h * math.Min(frac, 1)
	fmt.Fprintf(b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
		x, top+h-bh, w, bh, color, html.EscapeString(tip))
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// human writes 250000 as 250k and 1500000 as 1.5M.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
