// Package report presents evaluation and benchmark results: text tables for
// a terminal, JSON, Markdown, and one self-contained HTML page whose charts
// (latency distribution, time per op type, accuracy against size and
// latency) are drawn with gonum/plot as inline SVG. Files are written
// atomically, so a reader never sees half a report.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/internal/fileutil"
)

// Entry is one model's results. Accuracy or Bench may be nil when the model
// was not evaluated or not benchmarked.
type Entry struct {
	Name       string          `json:"name"`
	Path       string          `json:"path"`
	ModelBytes int64           `json:"model_bytes"`
	Accuracy   *eval.Accuracy  `json:"accuracy,omitempty"`
	Bench      *eval.Benchmark `json:"bench,omitempty"`
	// Agreement is the fraction of examples on which the model predicts
	// what the report's first model predicts (see Compare).
	Agreement *float64 `json:"agreement_with_first,omitempty"`
}

// Compare sets each entry's Agreement with the first entry, for entries
// evaluated on the same examples as it.
func (r *Report) Compare() {
	if len(r.Entries) < 2 || r.Entries[0].Accuracy == nil {
		return
	}
	for i := range r.Entries[1:] {
		e := &r.Entries[i+1]
		if e.Accuracy == nil {
			continue
		}
		if a, err := eval.Agreement(r.Entries[0].Accuracy, e.Accuracy); err == nil {
			e.Agreement = &a
		}
	}
}

// Report compares one or more models.
type Report struct {
	Title string `json:"title"`
	// Data names the data set the accuracies were measured on.
	Data    string    `json:"data,omitempty"`
	Created time.Time `json:"created"`
	Entries []Entry   `json:"models"`
}

// Format is an output format.
type Format string

// The formats a report can be written in.
const (
	Text     Format = "text"
	JSON     Format = "json"
	Markdown Format = "markdown"
	HTML     Format = "html"
)

// FormatOf picks the format from a file name's extension (.html/.htm,
// .md/.markdown, .json, anything else text).
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return HTML
	case ".md", ".markdown":
		return Markdown
	case ".json":
		return JSON
	}
	return Text
}

// Write renders r in format f to w.
func Write(w io.Writer, r *Report, f Format) error {
	switch f {
	case Text:
		return WriteText(w, r)
	case JSON:
		return WriteJSON(w, r)
	case Markdown:
		return WriteMarkdown(w, r)
	case HTML:
		return WriteHTML(w, r)
	}
	return fmt.Errorf("report: unknown format %q", f)
}

// WriteFile renders r in the format its name asks for and writes it
// atomically: into a temporary file beside path, then renamed over it, so
// that a failure leaves no half-written report (and any old one intact).
func WriteFile(path string, r *Report) error {
	var b strings.Builder
	if err := Write(&b, r, FormatOf(path)); err != nil {
		return err
	}
	return fileutil.WriteAtomic(path, []byte(b.String()), 0o644)
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// table is a rectangular table of text cells with a header row.
type table struct {
	Header []string
	Rows   [][]string
}

func (t *table) add(cells ...string) { t.Rows = append(t.Rows, cells) }

// summary is the side-by-side comparison of every model.
func summary(r *Report) *table {
	t := &table{Header: []string{"model", "size", "top-1", "top-5", "samples", "p50 ms", "mean ms", "p99 ms", "init ms", "peak memory"}}
	compared := false
	for _, e := range r.Entries {
		compared = compared || e.Agreement != nil
	}
	if compared {
		t.Header = append(t.Header, "agrees with "+r.Entries[0].Name)
	}
	for _, e := range r.Entries {
		row := []string{e.Name, Bytes(e.ModelBytes), "-", "-", "-", "-", "-", "-", "-", "-"}
		if compared {
			row = append(row, "-")
			if e.Agreement != nil {
				row[10] = Percent(*e.Agreement)
			}
		}
		if a := e.Accuracy; a != nil {
			row[2], row[3], row[4] = Percent(a.Top1), Percent(a.Top5), fmt.Sprint(a.Samples)
		}
		if b := e.Bench; b != nil {
			row[5], row[6], row[7] = Ms(b.Latency.P50), Ms(b.Latency.Mean), Ms(b.Latency.P99)
			row[8], row[9] = Ms(b.InitMs), Bytes(int64(b.PeakMemory))
		}
		t.add(row...)
	}
	return t
}

// latencyTable is a benchmark's latency and memory in detail.
func latencyTable(b *eval.Benchmark) *table {
	l := b.Latency
	t := &table{Header: []string{"measure", "value"}}
	t.add("runs (warm-up)", fmt.Sprintf("%d (%d), %d thread(s)", b.Runs, b.Warmup, b.Threads))
	t.add("init (load + prepare)", fmt.Sprintf("%s ms (%s + %s)", Ms(b.InitMs), Ms(b.LoadMs), Ms(b.PrepareMs)))
	t.add("first run", Ms(b.FirstMs)+" ms")
	t.add("latency min / mean / max", fmt.Sprintf("%s / %s / %s ms", Ms(l.Min), Ms(l.Mean), Ms(l.Max)))
	t.add("latency p50 / p90 / p99", fmt.Sprintf("%s / %s / %s ms", Ms(l.P50), Ms(l.P90), Ms(l.P99)))
	t.add("latency std", Ms(l.Std)+" ms")
	m := b.Memory
	t.add("peak memory (weights + arena + persistent + scratch)", fmt.Sprintf("%s (%s + %s + %s + %s)", Bytes(int64(b.PeakMemory)), Bytes(int64(m.Weights)), Bytes(int64(m.Arena)), Bytes(int64(m.Persistent)), Bytes(int64(m.Scratch))))
	t.add("Go heap peak (baseline)", fmt.Sprintf("%s (%s)", Bytes(int64(m.GoHeapPeak)), Bytes(int64(m.GoHeapBaseline))))
	t.add("Go allocation per run", Bytes(int64(m.AllocsPerRun)))
	return t
}

// opTypeTable lists time per op type, largest first.
func opTypeTable(b *eval.Benchmark) *table {
	t := &table{Header: []string{"op type", "count", "ms per run", "share"}}
	for _, o := range b.OpTypes {
		t.add(o.Type, fmt.Sprint(o.Count), Ms(o.AvgMs), Percent(o.Share))
	}
	return t
}

// opTable lists every op in execution order, as TFLite's op profiling does.
func opTable(b *eval.Benchmark) *table {
	t := &table{Header: []string{"op", "type", "output", "shape", "ms per run", "share"}}
	for _, o := range b.Ops {
		t.add(fmt.Sprint(o.Index), o.Type, shorten(o.Output, 48), o.Shapes, Ms(o.AvgMs), Percent(o.Share))
	}
	return t
}

// classTable is the per-class accuracy.
func classTable(a *eval.Accuracy) *table {
	t := &table{Header: []string{"class", "samples", "correct", "accuracy"}}
	for _, c := range a.PerClass {
		t.add(fmt.Sprint(c.Class), fmt.Sprint(c.Samples), fmt.Sprint(c.Correct), Percent(c.Accuracy))
	}
	return t
}

// confusionTable has one row per true class and one column per prediction.
func confusionTable(a *eval.Accuracy) *table {
	t := &table{Header: []string{"label \\ predicted"}}
	for c := range a.Confusion {
		t.Header = append(t.Header, fmt.Sprint(c))
	}
	for c, row := range a.Confusion {
		cells := []string{fmt.Sprint(c)}
		for _, v := range row {
			cells = append(cells, fmt.Sprint(v))
		}
		t.add(cells...)
	}
	return t
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// Percent formats a fraction as a percentage with two decimals.
func Percent(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

// Ms formats milliseconds with precision that suits their size.
func Ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// Bytes formats a byte count with a binary unit.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// WriteText writes r as aligned plain-text tables.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "%s\n", r.Title)
	if r.Data != "" {
		fmt.Fprintf(ew, "data: %s\n", r.Data)
	}
	fmt.Fprintln(ew)
	writeTextTable(ew, summary(r))
	for _, e := range r.Entries {
		if e.Bench == nil && e.Accuracy == nil {
			continue
		}
		fmt.Fprintf(ew, "\n== %s (%s)\n", e.Name, e.Path)
		if b := e.Bench; b != nil {
			WriteBenchText(ew, b)
		}
		if a := e.Accuracy; a != nil {
			fmt.Fprintf(ew, "\naccuracy: top-1 %s, top-5 %s on %d samples\n", Percent(a.Top1), Percent(a.Top5), a.Samples)
			WriteAccuracyText(ew, a)
		}
	}
	return ew.err
}

// WriteBenchText writes a benchmark's latency and memory and, when it was
// profiled, the time per op type and per op, as text tables.
func WriteBenchText(w io.Writer, b *eval.Benchmark) error {
	ew := &errWriter{w: w}
	writeTextTable(ew, latencyTable(b))
	if len(b.OpTypes) > 0 {
		fmt.Fprintln(ew, "\ntime per op type:")
		writeTextTable(ew, opTypeTable(b))
		fmt.Fprintln(ew, "\ntime per op:")
		writeTextTable(ew, opTable(b))
	}
	return ew.err
}

// WriteAccuracyText writes the accuracy per class and the confusion matrix
// as text tables.
func WriteAccuracyText(w io.Writer, a *eval.Accuracy) error {
	ew := &errWriter{w: w}
	writeTextTable(ew, classTable(a))
	fmt.Fprintln(ew, "\nconfusion matrix (rows: label, columns: prediction):")
	writeTextTable(ew, confusionTable(a))
	return ew.err
}

func writeTextTable(w io.Writer, t *table) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	for _, r := range t.Rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// WriteMarkdown writes r as Markdown tables.
func WriteMarkdown(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "# %s\n\n", r.Title)
	if r.Data != "" {
		fmt.Fprintf(ew, "Data: `%s`\n\n", r.Data)
	}
	writeMarkdownTable(ew, summary(r))
	for _, e := range r.Entries {
		if e.Bench == nil && e.Accuracy == nil {
			continue
		}
		fmt.Fprintf(ew, "\n## %s\n\n`%s`\n\n", e.Name, e.Path)
		if b := e.Bench; b != nil {
			writeMarkdownTable(ew, latencyTable(b))
			if len(b.OpTypes) > 0 {
				fmt.Fprint(ew, "\n### Time per op type\n\n")
				writeMarkdownTable(ew, opTypeTable(b))
			}
		}
		if a := e.Accuracy; a != nil {
			fmt.Fprintf(ew, "\n### Accuracy: top-1 %s, top-5 %s on %d samples\n\n", Percent(a.Top1), Percent(a.Top5), a.Samples)
			writeMarkdownTable(ew, classTable(a))
		}
	}
	return ew.err
}

func writeMarkdownTable(w io.Writer, t *table) {
	esc := func(cells []string) string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		return "| " + strings.Join(out, " | ") + " |\n"
	}
	fmt.Fprint(w, esc(t.Header))
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	fmt.Fprint(w, "|"+strings.Join(sep, "|")+"|\n")
	for _, r := range t.Rows {
		fmt.Fprint(w, esc(r))
	}
}

// errWriter keeps the first write error so that formatting code need not
// check each write.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// NameOf is a short display name for a model file: its base name without
// the extension.
func NameOf(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}
