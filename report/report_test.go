package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liteforge/liteforge/eval"
)

// sampleReport compares two made-up models whose numbers are chosen by hand,
// so that every figure in the output can be checked against them.
func sampleReport() *Report {
	lat := func(base float64) []float64 {
		var v []float64
		for i := range 20 {
			v = append(v, base+float64(i%5))
		}
		return v
	}
	bench := func(base float64) *eval.Benchmark {
		b := &eval.Benchmark{Threads: 1, Warmup: 1, Runs: 20, LatenciesMs: lat(base), InitMs: 3.5, LoadMs: 1, PrepareMs: 2.5,
			OpTypes: []eval.OpTypeProfile{{Type: "CONV_2D", Count: 3, AvgMs: base * 0.75, Share: 0.75}, {Type: "SOFTMAX", Count: 1, AvgMs: base * 0.25, Share: 0.25}},
			Ops:     []eval.OpProfile{{Index: 0, Type: "CONV_2D", Output: "conv", AvgMs: base * 0.75, Share: 0.75}, {Index: 1, Type: "SOFTMAX", Output: "probs", AvgMs: base * 0.25, Share: 0.25}},
			Memory:  eval.MemoryReport{Arena: 1000, Weights: 4000, Persistent: 24, Scratch: 0}, PeakMemory: 5024}
		b.Latency = eval.Summarize(b.LatenciesMs)
		return b
	}
	acc := func(correct []int) *eval.Accuracy {
		labels := []int{0, 0, 1, 1}
		ok := []bool{true, true, true, true}
		return eval.Score(labels, correct, ok, 2)
	}
	return &Report{
		Title: "float against int8", Data: "mnist/test", Created: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Entries: []Entry{
			{Name: "model_float", Path: "/m/model_float.tflite", ModelBytes: 40960, Accuracy: acc([]int{0, 0, 1, 1}), Bench: bench(10)},
			{Name: "model_int8", Path: "/m/model_int8.tflite", ModelBytes: 10240, Accuracy: acc([]int{0, 1, 1, 1}), Bench: bench(4)},
		},
	}
}

// node is a parsed element of the HTML page.
type node struct {
	Name     string
	Attr     map[string]string
	Text     string
	Children []*node
}

// parseHTML parses the page with encoding/xml in its lenient HTML mode; the
// page is written to be well-formed, inline SVG included.
func parseHTML(t *testing.T, page []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{Name: "#root"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page does not parse: %v", err)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top.Text += string(tok)
		}
	}
	return root
}

// find returns every element below n for which match holds.
func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	for _, c := range n.Children {
		if match(c) {
			out = append(out, c)
		}
		out = append(out, c.find(match)...)
	}
	return out
}

func (n *node) text() string {
	s := n.Text
	for _, c := range n.Children {
		s += c.text()
	}
	return s
}

func byName(name string) func(*node) bool { return func(n *node) bool { return n.Name == name } }

func TestHTMLStructure(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// Self-contained: nothing loaded from elsewhere.
	for _, ref := range []string{"<script", "<link", "src=", "http://", "https://", "@import"} {
		for _, line := range strings.Split(page, "\n") {
			// SVG's own namespace declarations are names, not fetches.
			if strings.Contains(line, ref) && !strings.Contains(line, "xmlns") {
				t.Errorf("page refers to something outside itself (%q): %.120s", ref, line)
				break
			}
		}
	}
	doc := parseHTML(t, b.Bytes())
	sections := doc.find(byName("section"))
	ids := map[string]*node{}
	for _, s := range sections {
		ids[s.Attr["id"]] = s
	}
	for _, id := range []string{"summary", "tradeoff", "model-1", "model-2"} {
		if ids[id] == nil {
			t.Fatalf("no section %q (sections: %v)", id, len(sections))
		}
	}
	// Every chart is an inline SVG with its axis labels as text.
	wantCharts := map[string][]string{
		"summary":  nil,
		"tradeoff": {"accuracy-size", "accuracy-latency"},
		"model-1":  {"latency", "op-types"},
		"model-2":  {"latency", "op-types"},
	}
	axisLabels := map[string][]string{
		"accuracy-size":    {"model size (KiB)", "top-1 accuracy (%)", "model_float", "model_int8"},
		"accuracy-latency": {"p50 latency (ms)", "top-1 accuracy (%)", "model_float", "model_int8"},
		"latency":          {"latency (ms)", "runs"},
		"op-types":         {"ms per run", "CONV_2D ×3 (75.0%)", "SOFTMAX ×1 (25.0%)"},
	}
	for id, kinds := range wantCharts {
		figs := ids[id].find(func(n *node) bool { return n.Name == "figure" && n.Attr["data-chart"] != "" })
		if len(figs) != len(kinds) {
			t.Errorf("section %s has %d charts, want %d", id, len(figs), len(kinds))
			continue
		}
		for i, f := range figs {
			if f.Attr["data-chart"] != kinds[i] {
				t.Errorf("section %s chart %d is %q, want %q", id, i, f.Attr["data-chart"], kinds[i])
			}
			svgs := f.find(byName("svg"))
			if len(svgs) != 1 {
				t.Errorf("section %s chart %s: %d svg elements", id, kinds[i], len(svgs))
				continue
			}
			var texts []string
			for _, tx := range svgs[0].find(byName("text")) {
				texts = append(texts, tx.text())
			}
			all := strings.Join(texts, "|")
			for _, want := range axisLabels[kinds[i]] {
				if !strings.Contains(all, want) {
					t.Errorf("section %s chart %s: no text %q among %q", id, kinds[i], want, all)
				}
			}
			if len(svgs[0].find(byName("path"))) == 0 {
				t.Errorf("section %s chart %s draws nothing", id, kinds[i])
			}
		}
	}
	// The summary's numbers are the inputs': top-1 3/4 for int8, 4/4 float;
	// p50 of 10,11,12,13,14 ×4 is 12 (nearest rank 10 of 20); sizes as given.
	rows := ids["summary"].find(byName("tr"))
	if len(rows) != 3 {
		t.Fatalf("summary has %d rows, want a header and 2", len(rows))
	}
	want := map[string][]string{
		"model_float": {"model_float", "40.0 KiB", "100.00%", "100.00%", "4", "12.00", "12.00", "14.00", "3.50", "4.9 KiB"},
		"model_int8":  {"model_int8", "10.0 KiB", "75.00%", "100.00%", "4", "6.00", "6.00", "8.00", "3.50", "4.9 KiB"},
	}
	wantValues := map[string]map[int]string{
		"model_float": {1: "40960", 2: "1", 5: "12", 9: "5024"},
		"model_int8":  {1: "10240", 2: "0.75", 5: "6", 9: "5024"},
	}
	for _, row := range rows[1:] {
		name := row.Attr["data-model"]
		cells := row.find(byName("td"))
		for i, c := range cells {
			if got := strings.TrimSpace(c.text()); got != want[name][i] {
				t.Errorf("summary %s column %d = %q, want %q", name, i, got, want[name][i])
			}
			if v, ok := wantValues[name][i]; ok && c.Attr["data-value"] != v {
				t.Errorf("summary %s column %d data-value %q, want %q", name, i, c.Attr["data-value"], v)
			}
		}
	}
	// The int8 model's confusion matrix: label 0 once predicted 1.
	conf := ids["model-2"].find(func(n *node) bool { return n.Name == "table" && n.Attr["class"] == "confusion" })
	if len(conf) != 1 {
		t.Fatal("model-2 has no confusion matrix")
	}
	var cells []string
	for _, td := range conf[0].find(byName("td")) {
		cells = append(cells, td.text())
	}
	if got := strings.Join(cells, ","); got != "0,1,1,1,0,2" {
		t.Errorf("confusion cells %s, want 0,1,1,1,0,2", got)
	}
}

func TestTextMarkdownJSON(t *testing.T) {
	r := sampleReport()
	var txt, md, js bytes.Buffer
	if err := WriteText(&txt, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"model_int8", "75.00%", "CONV_2D", "10.0 KiB"} {
		if !strings.Contains(txt.String(), s) {
			t.Errorf("text report lacks %q", s)
		}
	}
	if !strings.Contains(md.String(), "| model_int8 | 10.0 KiB | 75.00% |") || !strings.Contains(md.String(), "|---|") {
		t.Errorf("markdown summary row missing:\n%s", md.String())
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Entries) != 2 || back.Entries[1].Accuracy.Top1 != 0.75 || back.Entries[0].Bench.Latency.P50 != 12 {
		t.Errorf("JSON round trip: %+v", back.Entries)
	}
}

// TestWriteFileAtomic: a report that fails to render leaves the previous file
// as it was and no temporary file behind.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := WriteFile(path, sampleReport()); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	bad := sampleReport()
	bad.Entries[0].Bench.LatenciesMs[3] = math.NaN() // the histogram refuses NaN
	if err := WriteFile(path, bad); err == nil {
		t.Fatal("a NaN latency rendered")
	}
	now, _ := os.ReadFile(path)
	if !bytes.Equal(now, good) {
		t.Error("the failed write changed the previous report")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the folder after a failed write, want 1", len(entries))
	}
	for _, f := range []struct{ name, start string }{{"r.json", "{"}, {"r.md", "# float against int8"}, {"r.txt", "float against int8"}} {
		p := filepath.Join(dir, f.name)
		if err := WriteFile(p, sampleReport()); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); !strings.HasPrefix(string(b), f.start) {
			t.Errorf("%s starts %.30q", f.name, b)
		}
	}
}

// TestCompareAgreement: the int8 model predicts 0,1,1,1 where the float one
// predicts 0,0,1,1: they agree on 3 of 4 examples.
func TestCompareAgreement(t *testing.T) {
	r := sampleReport()
	r.Compare()
	if r.Entries[0].Agreement != nil || r.Entries[1].Agreement == nil || *r.Entries[1].Agreement != 0.75 {
		t.Fatalf("agreements %v, %v; want none and 0.75", r.Entries[0].Agreement, r.Entries[1].Agreement)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, b.Bytes())
	rows := doc.find(func(n *node) bool { return n.Name == "tr" && n.Attr["data-model"] == "model_int8" })
	if len(rows) != 1 {
		t.Fatal("no int8 summary row")
	}
	cells := rows[0].find(byName("td"))
	if len(cells) != 11 || cells[10].text() != "75.00%" || cells[10].Attr["data-value"] != "0.75" {
		t.Errorf("agreement cell: %d cells, last %q", len(cells), cells[len(cells)-1].text())
	}
	if !strings.Contains(b.String(), "<th>agrees with model_float</th>") {
		t.Error("no agreement column header")
	}
}

// TestLatencyChartLeavesOutStalls: 99 runs of 1-2 ms and one of 100 ms; p99
// is 2 ms (nearest rank 99 of 100), so the stalled run is beyond twice p99
// and is counted in the title instead of drawn.
func TestLatencyChartLeavesOutStalls(t *testing.T) {
	var v []float64
	for i := range 99 {
		v = append(v, 1+float64(i%2))
	}
	v = append(v, 100)
	b := &eval.Benchmark{LatenciesMs: v, Latency: eval.Summarize(v)}
	svg, err := latencyChart("m", b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "runs above 4.00 ms not shown: 1") {
		t.Errorf("the chart does not say that one run was left out")
	}
}
