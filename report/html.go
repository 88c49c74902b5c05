package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/liteforge/liteforge/eval"
)

// htmlChart is one inline SVG chart.
type htmlChart struct {
	Kind  string // accuracy-size, accuracy-latency, latency, op-types
	Title string
	SVG   template.HTML
}

type htmlModel struct {
	ID, Name, Path string
	Charts         []htmlChart
	Latency        *table
	OpTypes        *table
	Ops            *table
	NumOps         int
	Accuracy       *eval.Accuracy
	Classes        *table
	Confusion      *table
}

type htmlSummaryRow struct {
	Name   string
	Cells  []string
	Values []string // the raw numbers behind Cells, for scripts and tests
}

type htmlPage struct {
	Title, Data, Created string
	SummaryHeader        []string
	Summary              []htmlSummaryRow
	Tradeoff             []htmlChart
	Models               []htmlModel
}

// WriteHTML writes r as one self-contained HTML page: inline CSS and inline
// SVG charts, nothing fetched from anywhere.
func WriteHTML(w io.Writer, r *Report) error {
	page := htmlPage{Title: r.Title, Data: r.Data, Created: r.Created.UTC().Format(time.RFC3339)}
	sum := summary(r)
	page.SummaryHeader = sum.Header
	for i, e := range r.Entries {
		row := htmlSummaryRow{Name: e.Name, Cells: sum.Rows[i], Values: make([]string, len(sum.Header))}
		row.Values[1] = strconv.FormatInt(e.ModelBytes, 10)
		if a := e.Accuracy; a != nil {
			row.Values[2], row.Values[3], row.Values[4] = num(a.Top1), num(a.Top5), strconv.Itoa(a.Samples)
		}
		if b := e.Bench; b != nil {
			row.Values[5], row.Values[6], row.Values[7] = num(b.Latency.P50), num(b.Latency.Mean), num(b.Latency.P99)
			row.Values[8], row.Values[9] = num(b.InitMs), strconv.Itoa(b.PeakMemory)
		}
		if e.Agreement != nil {
			row.Values[10] = num(*e.Agreement)
		}
		page.Summary = append(page.Summary, row)
	}
	size := func(e Entry) (float64, bool) { return float64(e.ModelBytes) / 1024, e.ModelBytes > 0 }
	latency := func(e Entry) (float64, bool) {
		if e.Bench == nil {
			return 0, false
		}
		return e.Bench.Latency.P50, true
	}
	for _, c := range []struct {
		kind, title, x string
		f              func(Entry) (float64, bool)
	}{
		{"accuracy-size", "Accuracy against model size", "model size (KiB)", size},
		{"accuracy-latency", "Accuracy against latency", "p50 latency (ms)", latency},
	} {
		svg, err := tradeoffChart(c.title, c.x, r.Entries, c.f)
		if err != nil {
			return err
		}
		if svg != "" {
			page.Tradeoff = append(page.Tradeoff, htmlChart{Kind: c.kind, Title: c.title, SVG: template.HTML(svg)})
		}
	}
	for i, e := range r.Entries {
		m := htmlModel{ID: fmt.Sprintf("model-%d", i+1), Name: e.Name, Path: e.Path, Accuracy: e.Accuracy}
		if b := e.Bench; b != nil {
			m.Latency = latencyTable(b)
			if len(b.LatenciesMs) > 0 {
				svg, err := latencyChart(e.Name, b)
				if err != nil {
					return err
				}
				m.Charts = append(m.Charts, htmlChart{Kind: "latency", Title: "Latency distribution", SVG: template.HTML(svg)})
			}
			if len(b.OpTypes) > 0 {
				svg, err := opTypeChart(e.Name, b)
				if err != nil {
					return err
				}
				m.Charts = append(m.Charts, htmlChart{Kind: "op-types", Title: "Time per op type", SVG: template.HTML(svg)})
				m.OpTypes, m.Ops, m.NumOps = opTypeTable(b), opTable(b), len(b.Ops)
			}
		}
		if a := e.Accuracy; a != nil {
			m.Classes, m.Confusion = classTable(a), confusionTable(a)
		}
		page.Models = append(page.Models, m)
	}
	return pageTemplate.Execute(w, page)
}

// num formats a number for a data-value attribute: exactly, in Go syntax.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"percent": Percent,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="generator" content="liteforge"/>
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 1300px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.meta, .path { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
th { background: #f3f5f8; }
td:first-child, th:first-child { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure.chart { margin: 0; border: 1px solid #e3e3e3; border-radius: 6px; padding: 0.5em; background: #fff; }
figure.chart figcaption { font-weight: 600; margin-bottom: 0.3em; }
table.confusion td { min-width: 2.5em; }
details { margin: 0.8em 0; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Data}}Data: <code>{{.Data}}</code> · {{end}}Generated {{.Created}} by liteforge</p>
</header>
<section id="summary">
<h2>Summary</h2>
<table class="summary">
<thead><tr>{{range .SummaryHeader}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Summary}}{{$v := .Values}}<tr data-model="{{.Name}}">{{range $i, $c := .Cells}}<td{{with index $v $i}} data-value="{{.}}"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{if .Tradeoff}}<section id="tradeoff">
<h2>Accuracy against size and latency</h2>
<div class="charts">
{{range .Tradeoff}}<figure class="chart" data-chart="{{.Kind}}"><figcaption>{{.Title}}</figcaption>
{{.SVG}}
</figure>
{{end}}</div>
</section>
{{end}}{{range .Models}}<section class="model" id="{{.ID}}" data-model="{{.Name}}">
<h2>{{.Name}}</h2>
<p class="path"><code>{{.Path}}</code></p>
{{if .Charts}}<div class="charts">
{{range .Charts}}<figure class="chart" data-chart="{{.Kind}}"><figcaption>{{.Title}}</figcaption>
{{.SVG}}
</figure>
{{end}}</div>
{{end}}{{with .Latency}}<h3>Latency and memory</h3>
{{template "table" .}}{{end}}{{with .OpTypes}}<h3>Time per op type</h3>
{{template "table" .}}{{end}}{{with .Ops}}<details><summary>Time per op ({{len .Rows}} ops, in execution order)</summary>
{{template "table" .}}</details>
{{end}}{{with .Accuracy}}<h3>Accuracy: top-1 {{percent .Top1}}, top-5 {{percent .Top5}} on {{.Samples}} samples</h3>
{{end}}{{with .Classes}}{{template "table" .}}{{end}}{{with .Confusion}}<h3>Confusion matrix</h3>
<table class="confusion">
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}</section>
{{end}}</body>
</html>
{{define "table"}}<table>
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}`))
