package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/liteforge/liteforge/eval"
)

// chartColors tells models apart in the comparison charts.
var chartColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

// svgOf renders a plot as an SVG element to inline in HTML (the XML prolog
// and doctype dropped).
func svgOf(p *plot.Plot, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

// latencyChart is a histogram of the timed runs' latencies.
func latencyChart(name string, b *eval.Benchmark) (string, error) {
	p := plot.New()
	p.Title.Text = "Latency distribution: " + name
	p.X.Label.Text = "latency (ms)"
	p.Y.Label.Text = "runs"
	// gonum/plot panics on NaN and infinities; refuse them here.
	for i, v := range b.LatenciesMs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", fmt.Errorf("latency chart of %s: run %d has latency %v", name, i, v)
		}
	}
	// A few stalled runs (another process on the machine) would squeeze
	// the rest into one bar: runs beyond twice the p99 are left out, and
	// the title says how many.
	vals := plotter.Values(b.LatenciesMs)
	if cut := 2 * b.Latency.P99; cut > 0 && b.Latency.Max > cut {
		vals = nil
		for _, v := range b.LatenciesMs {
			if v <= cut {
				vals = append(vals, v)
			}
		}
		p.Title.Text += fmt.Sprintf(" (runs above %s ms not shown: %d)", Ms(cut), len(b.LatenciesMs)-len(vals))
	}
	bins := min(max(len(vals)/4, 5), 40)
	h, err := plotter.NewHist(vals, bins)
	if err != nil {
		return "", fmt.Errorf("latency chart of %s: %w", name, err)
	}
	h.FillColor = chartColors[0]
	p.Add(h)
	return svgOf(p, 16*vg.Centimeter, 9*vg.Centimeter)
}

// opTypeChart is a horizontal bar chart of the time per op type per run.
func opTypeChart(name string, b *eval.Benchmark) (string, error) {
	p := plot.New()
	p.Title.Text = "Time per op type: " + name
	p.X.Label.Text = "ms per run"
	var vals plotter.Values
	var names []string
	// Largest at the top: the chart's Y axis runs upwards.
	for i := len(b.OpTypes) - 1; i >= 0; i-- {
		o := b.OpTypes[i]
		if math.IsNaN(o.AvgMs) || math.IsInf(o.AvgMs, 0) {
			return "", fmt.Errorf("op chart of %s: %s has time %v", name, o.Type, o.AvgMs)
		}
		vals = append(vals, o.AvgMs)
		names = append(names, fmt.Sprintf("%s ×%d (%.1f%%)", o.Type, o.Count, 100*o.Share))
	}
	bars, err := plotter.NewBarChart(vals, 0.5*vg.Centimeter)
	if err != nil {
		return "", fmt.Errorf("op chart of %s: %w", name, err)
	}
	bars.Horizontal = true
	bars.Color = chartColors[1]
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalY(names...)
	h := vg.Length(len(names))*0.8*vg.Centimeter + 3*vg.Centimeter
	return svgOf(p, 16*vg.Centimeter, h)
}

// tradeoffChart places each model by accuracy against x (size or latency),
// labelled with its name.
func tradeoffChart(title, xLabel string, entries []Entry, x func(Entry) (float64, bool)) (string, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = "top-1 accuracy (%)"
	var xys plotter.XYs
	var labels []string
	for i, e := range entries {
		v, ok := x(e)
		if !ok || e.Accuracy == nil || math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(e.Accuracy.Top1) {
			continue
		}
		pt := plotter.XY{X: v, Y: 100 * e.Accuracy.Top1}
		s, err := plotter.NewScatter(plotter.XYs{pt})
		if err != nil {
			return "", err
		}
		s.GlyphStyle.Color = chartColors[i%len(chartColors)]
		s.GlyphStyle.Radius = vg.Points(5)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		xys = append(xys, pt)
		labels = append(labels, e.Name)
	}
	if len(xys) == 0 {
		return "", nil
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return "", err
	}
	l.Offset = vg.Point{X: vg.Points(7), Y: vg.Points(-3)}
	p.Add(l)
	// Room around the points so that labels and glyphs stay inside.
	pad := func(lo, hi float64) (float64, float64) {
		d := (hi - lo) * 0.15
		if d == 0 {
			d = max(0.05*abs(hi), 0.5)
		}
		return lo - d, hi + 2*d
	}
	p.X.Min, p.X.Max = pad(minXY(xys, true), maxXY(xys, true))
	p.Y.Min, p.Y.Max = pad(minXY(xys, false), maxXY(xys, false))
	p.Y.Max = min(p.Y.Max, 100.5)
	p.Add(plotter.NewGrid())
	return svgOf(p, 16*vg.Centimeter, 10*vg.Centimeter)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func minXY(xys plotter.XYs, x bool) float64 {
	m := pick(xys[0], x)
	for _, p := range xys[1:] {
		m = min(m, pick(p, x))
	}
	return m
}

func maxXY(xys plotter.XYs, x bool) float64 {
	m := pick(xys[0], x)
	for _, p := range xys[1:] {
		m = max(m, pick(p, x))
	}
	return m
}

func pick(p plotter.XY, x bool) float64 {
	if x {
		return p.X
	}
	return p.Y
}
