package main

import (
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// printTable prints the results as a Markdown table, the tutorial's shape:
// one row per operation and mode, numbers right-aligned.
func printTable(out io.Writer, results []result, compared bool) {
	if compared {
		fmt.Fprintln(out, "| Operation | Mode         | go-redis ops/s | redis-benchmark ops/s | go-redis / C |")
		fmt.Fprintln(out, "|-----------|--------------|---------------:|----------------------:|-------------:|")
	} else {
		fmt.Fprintln(out, "| Operation | Mode         | go-redis ops/s |")
		fmt.Fprintln(out, "|-----------|--------------|---------------:|")
	}
	for _, r := range results {
		fmt.Fprintf(out, "| %-9s | %-12s | %14.0f |", r.Op, r.Mode, r.GoRedis)
		if compared {
			if r.RedisBenchmark > 0 {
				fmt.Fprintf(out, " %21.0f | %11.2fx |", r.RedisBenchmark, r.GoRedis/r.RedisBenchmark)
			} else {
				// JSON.SET: redis-benchmark has no such test.
				fmt.Fprintf(out, " %21s | %12s |", "—", "—")
			}
		}
		fmt.Fprintln(out)
	}
}

// writeCSV writes one line per operation and mode, to compare machines or
// follow one machine over time. redis_benchmark_ops_per_sec is empty when
// it was not measured.
func writeCSV(path string, results []result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"operation", "mode", "go_redis_ops_per_sec", "redis_benchmark_ops_per_sec"})
	for _, r := range results {
		c := ""
		if r.RedisBenchmark > 0 {
			c = strconv.FormatFloat(r.RedisBenchmark, 'f', 0, 64)
		}
		_ = w.Write([]string{r.Op, r.Mode, strconv.FormatFloat(r.GoRedis, 'f', 0, 64), c})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeSVG draws one panel per mode, each with its own scale (pipelines
// are ten times faster, and would flatten the other bars), and a pair of
// bars per operation: go-redis, and redis-benchmark beside it.
func writeSVG(path string, results []result, o Options) error {
	const (
		width, panelH, top, left, right = 860, 220, 60, 70, 20
		goColor, cColor                 = "#d82c20", "#8a8a8a"
	)
	var ops []string
	byKey := map[[2]string]result{}
	for _, r := range results {
		if len(ops) == 0 || ops[len(ops)-1] != r.Op {
			ops = append(ops, r.Op)
		}
		byKey[[2]string{r.Op, r.Mode}] = r
	}
	height := top + len(modes)*panelH + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">Redis throughput: go-redis vs redis-benchmark (ops/s, median of %d runs of %d)</text>`+"\n", left, o.Runs, o.N)
	fmt.Fprintf(&b, `<rect x="%d" y="36" width="12" height="12" fill="%s"/><text x="%d" y="46">go-redis</text>`+"\n", left, goColor, left+16)
	if o.RedisBenchmark != "" {
		fmt.Fprintf(&b, `<rect x="%d" y="36" width="12" height="12" fill="%s"/><text x="%d" y="46">redis-benchmark (C)</text>`+"\n", left+90, cColor, left+106)
	}
	plotW := float64(width - left - right)
	for p, m := range modes {
		y0 := float64(top + p*panelH)
		plotTop, plotH := y0+24, float64(panelH-60)
		// The panel's scale: a round number above its highest bar.
		peak := 0.0
		for _, op := range ops {
			r := byKey[[2]string{op, m.Name}]
			peak = math.Max(peak, math.Max(r.GoRedis, r.RedisBenchmark))
		}
		scale := niceCeil(peak)
		title := m.Name
		if m.Name == "concurrent" {
			title += fmt.Sprintf(" (%d goroutines / connections)", o.Concurrency)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" font-weight="bold">%s</text>`+"\n", left, y0+14, html.EscapeString(title))
		for _, frac := range []float64{0, 0.5, 1} {
			y := plotTop + plotH*(1-frac)
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				left, y, width-right, y, left-6, y+4, human(scale*frac))
		}
		slot := plotW / float64(len(ops))
		barW := slot * 0.32
		for i, op := range ops {
			r := byKey[[2]string{op, m.Name}]
			x := float64(left) + slot*float64(i) + slot*0.16
			bar(&b, x, plotTop, plotH, barW, r.GoRedis/scale, goColor, fmt.Sprintf("%s %s, go-redis: %.0f ops/s", op, m.Name, r.GoRedis))
			if r.RedisBenchmark > 0 {
				bar(&b, x+barW+2, plotTop, plotH, barW, r.RedisBenchmark/scale, cColor, fmt.Sprintf("%s %s, redis-benchmark: %.0f ops/s", op, m.Name, r.RedisBenchmark))
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x+barW+1, plotTop+plotH+16, html.EscapeString(op))
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
