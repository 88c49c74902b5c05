package modelinfo

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText prints info for people: a header, then per subgraph its inputs,
// outputs, op counts and every tensor.
func (info *Info) WriteText(w io.Writer) error {
	p := &printer{w: w}
	if info.File != "" {
		p.printf("model:       %s, %s\n", info.File, byteSize(info.FileBytes))
	}
	p.printf("schema:      TFLite v%d\n", info.Version)
	if info.Description != "" {
		p.printf("description: %s\n", info.Description)
	}
	p.printf("subgraphs:   %d\n", len(info.Subgraphs))
	p.printf("weights:     %s of constant data\n", byteSize(int64(info.WeightBytes)))
	if len(info.Metadata) > 0 {
		var parts []string
		for _, m := range info.Metadata {
			parts = append(parts, fmt.Sprintf("%s (%s)", m.Name, byteSize(int64(m.Bytes))))
		}
		p.printf("metadata:    %s\n", strings.Join(parts, ", "))
	}
	for _, s := range info.Signatures {
		p.printf("signature:   %q on subgraph %d: inputs %s; outputs %s\n", s.Key, s.Subgraph, sigIO(s.Inputs), sigIO(s.Outputs))
	}
	for _, g := range info.Subgraphs {
		p.printf("\nsubgraph %d", g.Index)
		if g.Name != "" {
			p.printf(" %q", g.Name)
		}
		p.printf(": %d ops, %d tensors, %s of weights\n", g.Ops, len(g.Tensors), byteSize(int64(g.WeightBytes)))
		p.refs("inputs", g.Inputs)
		p.refs("outputs", g.Outputs)
		if len(g.OpCounts) > 0 {
			p.printf("  ops by type:\n")
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, c := range g.OpCounts {
				name := c.Op
				if c.Custom {
					name += " (custom)"
				}
				fmt.Fprintf(tw, "    %s\t%d\n", name, c.Count)
			}
			p.flush(tw)
		}
		p.printf("  tensors:\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "    id\tname\ttype\tshape\tbytes\tkind\tquantization\n")
		for _, t := range g.Tensors {
			fmt.Fprintf(tw, "    %d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, shortName(t.Name), t.DType,
				shapeText(t.Shape, t.ShapeSignature), bytesText(t.Bytes), kind(t), quantText(t.Quant))
		}
		p.flush(tw)
	}
	return p.err
}

// printer keeps the first write error so that the text code reads straight.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

func (p *printer) flush(tw *tabwriter.Writer) {
	if err := tw.Flush(); p.err == nil {
		p.err = err
	}
}

func (p *printer) refs(label string, rs []TensorRef) {
	p.printf("  %s:\n", label)
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	for i, r := range rs {
		fmt.Fprintf(tw, "    %d\ttensor %d\t%s\t%s\t%s\n", i, r.Tensor, shortName(r.Name), r.DType, shapeText(r.Shape, r.ShapeSignature))
	}
	p.flush(tw)
}

// maxNameText bounds tensor names in the text tables; converters join the
// names of fused ops with ';' into names hundreds of characters long. The JSON
// form keeps names whole.
const maxNameText = 60

// shortName keeps the first of ';'-joined names, cut to maxNameText.
func shortName(name string) string {
	first, _, joined := strings.Cut(name, ";")
	if joined {
		first += ";..."
	}
	if len(first) > maxNameText {
		first = first[:maxNameText-3] + "..."
	}
	return first
}

func sigIO(ios []SignatureIO) string {
	var parts []string
	for _, s := range ios {
		parts = append(parts, fmt.Sprintf("%s=tensor %d", s.Name, s.Tensor))
	}
	if parts == nil {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func shapeText(shape, sig []int) string {
	s := fmt.Sprint(shape)
	if sig != nil && !slices.Equal(sig, shape) {
		s += " sig " + fmt.Sprint(sig)
	}
	return s
}

func bytesText(n int) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func kind(t Tensor) string {
	var k []string
	switch {
	case t.Constant:
		k = append(k, "const")
	case t.Variable:
		k = append(k, "variable")
	default:
		k = append(k, "activation")
	}
	if t.Sparse {
		k = append(k, "sparse")
	}
	return strings.Join(k, ",")
}

// quantText summarizes quantization on one line: per-tensor parameters in
// full, per-axis ones as a count and ranges.
func quantText(q *Quantization) string {
	if q == nil {
		return "-"
	}
	var parts []string
	switch {
	case q.PerAxis:
		lo, hi := slices.Min(q.Scale), slices.Max(q.Scale)
		s := fmt.Sprintf("per-axis dim %d: %d scales %.6g..%.6g", q.QuantizedDimension, len(q.Scale), lo, hi)
		if len(q.ZeroPoint) > 0 {
			zlo, zhi := slices.Min(q.ZeroPoint), slices.Max(q.ZeroPoint)
			if zlo == zhi {
				s += fmt.Sprintf(", zp %d", zlo)
			} else {
				s += fmt.Sprintf(", zp %d..%d", zlo, zhi)
			}
		}
		parts = append(parts, s)
	case len(q.Scale) == 1:
		zp := int64(0)
		if len(q.ZeroPoint) > 0 {
			zp = q.ZeroPoint[0]
		}
		parts = append(parts, fmt.Sprintf("scale %.6g zp %d", q.Scale[0], zp))
	}
	if len(q.Min) == 1 && len(q.Max) == 1 {
		parts = append(parts, fmt.Sprintf("range [%.6g, %.6g]", q.Min[0], q.Max[0]))
	} else if len(q.Min) > 1 {
		parts = append(parts, fmt.Sprintf("%d per-axis ranges", len(q.Min)))
	}
	return strings.Join(parts, "; ")
}

// byteSize prints n exactly, with a binary-prefixed size for large values.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d bytes (%.1f KiB)", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
