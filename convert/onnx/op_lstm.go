package onnx

import (
	"fmt"
	"slices"
	"strings"

	"github.com/liteforge/liteforge/ir"
)

// LSTM becomes UNIDIRECTIONAL_SEQUENCE_LSTM, one per direction: the reverse
// direction runs on the sequence reversed by a GATHER along time and
// reversed back, and a bidirectional LSTM concatenates the two. ONNX orders
// the gates i, o, f, c; TFLite takes one tensor per gate.

func init() {
	register(handler{conv: convLSTM, check: checkLSTM}, "LSTM")
}

func checkLSTM(n *node) string {
	acts := n.attr("activations", AttrStrings)
	if acts != nil {
		want := []string{"sigmoid", "tanh", "tanh"}
		for i, a := range acts.Strings {
			if strings.ToLower(string(a)) != want[i%3] {
				return fmt.Sprintf("activations %q (TFLite's LSTM uses Sigmoid, Tanh, Tanh)", acts.Strings)
			}
		}
	}
	if n.has("clip") {
		return "clip (TFLite clips the cell state, ONNX the gate inputs)"
	}
	if n.int("input_forget", 0) != 0 {
		return "input_forget=1"
	}
	if n.wants(2) {
		return "the Y_c output (TFLite keeps the cell state internal)"
	}
	return ""
}

func convLSTM(n *node) error {
	c := n.c
	x, w, r := n.need(0, "X"), n.need(1, "W"), n.need(2, "R")
	if n.err != nil {
		return nil
	}
	dir := n.str("direction", "forward")
	batchMajor := n.int("layout", 0) != 0
	hidden := n.int("hidden_size", 0)
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	if len(xs) != 3 {
		return fmt.Errorf("input X has shape %v, expected [seq, batch, input]", xs)
	}
	timeAxis, batchAxis := 0, 1
	if batchMajor {
		timeAxis, batchAxis = 1, 0
	}
	seq, batch := xs[timeAxis], xs[batchAxis]
	ws, rs := c.shape(w), c.shape(r)
	dirs := 1
	if dir == "bidirectional" {
		dirs = 2
	} else if dir != "forward" && dir != "reverse" {
		return fmt.Errorf("direction %q", dir)
	}
	if hidden == 0 && len(rs) == 3 {
		hidden = rs[2]
	}
	if len(ws) != 3 || ws[0] != dirs || ws[1] != 4*hidden || ws[2] != xs[2] || len(rs) != 3 || rs[1] != 4*hidden || rs[2] != hidden {
		return fmt.Errorf("inputs W %v and R %v do not fit %d direction(s), hidden size %d and input %v", ws, rs, dirs, hidden, xs)
	}
	if v := n.in(4); v != nil {
		lens, ok := c.intValues(v)
		if !ok || slices.ContainsFunc(lens, func(l int) bool { return l != seq }) {
			return fmt.Errorf("sequence_lens must be a constant equal to the sequence length %d", seq)
		}
	}
	for i, role := range []string{"initial_h", "initial_c"} {
		if v := n.in(5 + i); v != nil {
			vals, ok := c.floatValues(v)
			if !ok || slices.ContainsFunc(vals, func(f float64) bool { return f != 0 }) {
				return fmt.Errorf("%s must be absent or constant zeros: TFLite's LSTM state starts at zero", role)
			}
		}
	}
	wv, ok1 := c.floatValues(w)
	rv, ok2 := c.floatValues(r)
	if !ok1 || !ok2 {
		return fmt.Errorf("inputs W and R must be constant")
	}
	var bv, pv []float64
	if v := n.in(3); v != nil {
		var ok bool
		if bv, ok = c.floatValues(v); !ok || len(bv) != dirs*8*hidden {
			return fmt.Errorf("input B must be a constant of %d elements", dirs*8*hidden)
		}
	}
	if v := n.in(7); v != nil {
		var ok bool
		if pv, ok = c.floatValues(v); !ok || len(pv) != dirs*3*hidden {
			return fmt.Errorf("input P must be a constant of %d elements", dirs*3*hidden)
		}
	}
	xt, err := c.plain(x)
	if err != nil {
		return err
	}
	var ys []int // per direction: [seq, batch, H] or [batch, seq, H]
	for d := range dirs {
		reverse := dir == "reverse" || d == 1
		in := xt
		if reverse {
			if in, err = n.reverseTime(in, timeAxis, seq, fmt.Sprintf("reversed_input%d", d)); err != nil {
				return err
			}
		}
		lw := lstmWeights{hidden: hidden, input: xs[2], w: wv, r: rv, b: bv, p: pv, dir: d}
		y, err := n.unidirectionalLSTM(in, lw, batch, !batchMajor, d)
		if err != nil {
			return err
		}
		if reverse {
			if y, err = n.reverseTime(y, timeAxis, seq, fmt.Sprintf("output%d", d)); err != nil {
				return err
			}
		}
		ys = append(ys, y)
	}
	// Y: [seq, dirs, batch, H] (layout 0) or [batch, seq, dirs, H] (layout 1).
	dirAxis := 1
	if batchMajor {
		dirAxis = 2
	}
	var parts []int
	for d, y := range ys {
		s := slices.Insert(slices.Clone(c.tensor(y).Shape), dirAxis, 1)
		p, err := c.reshape(y, s, c.tmpName(fmt.Sprintf("y%d", d)))
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	yAll := parts[0]
	if len(parts) > 1 {
		if yAll, err = c.emit1(ir.Concatenation, &ir.ConcatenationOptions{Axis: dirAxis}, parts, c.tmpName("y"), ir.Float32); err != nil {
			return err
		}
	}
	if n.wants(0) {
		c.tensor(yAll).Name = n.outName(0)
		n.set(0, yAll, nil)
	}
	if n.wants(1) {
		// Y_h [dirs, batch, H]: each direction's last step (in its own time).
		var hs []int
		for d, y := range ys {
			step := seq - 1
			if dir == "reverse" || d == 1 {
				step = 0
			}
			begin := []int{0, 0, 0}
			size := slices.Clone(c.tensor(y).Shape)
			begin[timeAxis], size[timeAxis] = step, 1
			h, err := c.emit1(ir.Slice, nil, []int{y, c.constInt32(c.tmpName(fmt.Sprintf("last_begin%d", d)), begin),
				c.constInt32(c.tmpName(fmt.Sprintf("last_size%d", d)), size)}, c.tmpName(fmt.Sprintf("last%d", d)), ir.Float32)
			if err != nil {
				return err
			}
			// Y_h is [dirs, batch, H], or [batch, dirs, H] with layout 1.
			hShape := []int{1, batch, hidden}
			if batchMajor {
				hShape = []int{batch, 1, hidden}
			}
			if h, err = c.reshape(h, hShape, c.tmpName(fmt.Sprintf("y_h%d", d))); err != nil {
				return err
			}
			hs = append(hs, h)
		}
		yh := hs[0]
		if len(hs) > 1 {
			hAxis := 0
			if batchMajor {
				hAxis = 1
			}
			if yh, err = c.emit1(ir.Concatenation, &ir.ConcatenationOptions{Axis: hAxis}, hs, n.outName(1), ir.Float32); err != nil {
				return err
			}
		}
		c.tensor(yh).Name = n.outName(1)
		n.set(1, yh, nil)
	}
	return nil
}

// reverseTime gathers a sequence tensor's time steps in reverse order.
func (n *node) reverseTime(t, axis, seq int, name string) (int, error) {
	if err := checkGenerated(seq, "the reversed time index"); err != nil {
		return 0, err
	}
	idx := make([]int, seq)
	for i := range idx {
		idx[i] = seq - 1 - i
	}
	c := n.c
	return c.emit1(ir.Gather, &ir.GatherOptions{Axis: axis}, []int{t, c.constInt32(c.tmpName(name+"_order"), idx)}, c.tmpName(name), c.tensor(t).Type)
}

// lstmWeights holds one ONNX LSTM's constant parameters (all directions).
type lstmWeights struct {
	hidden, input int
	w, r, b, p    []float64
	dir           int
}

// gate returns rows of gate g (ONNX order i=0, o=1, f=2, c=3) of a
// [dirs, 4H, cols] parameter for this direction.
func (lw lstmWeights) gate(v []float64, g, cols int) []float32 {
	h := lw.hidden
	base := lw.dir*4*h*cols + g*h*cols
	out := make([]float32, h*cols)
	for i := range out {
		out[i] = float32(v[base+i])
	}
	return out
}

// bias is Wb + Rb of gate g, or zeros.
func (lw lstmWeights) bias(g int) []float32 {
	h := lw.hidden
	out := make([]float32, h)
	if lw.b == nil {
		return out
	}
	base := lw.dir * 8 * h
	for i := range out {
		out[i] = float32(lw.b[base+g*h+i] + lw.b[base+4*h+g*h+i])
	}
	return out
}

// peephole is P's part for gate g (ONNX order i=0, o=1, f=2), or nil.
func (lw lstmWeights) peephole(g int) []float32 {
	if lw.p == nil {
		return nil
	}
	h := lw.hidden
	out := make([]float32, h)
	for i := range out {
		out[i] = float32(lw.p[lw.dir*3*h+g*h+i])
	}
	return out
}

// unidirectionalLSTM adds one UNIDIRECTIONAL_SEQUENCE_LSTM over input t.
func (n *node) unidirectionalLSTM(t int, lw lstmWeights, batch int, timeMajor bool, d int) (int, error) {
	c := n.c
	h := lw.hidden
	name := func(s string) string { return c.tmpName(fmt.Sprintf("%s%d", s, d)) }
	in := make([]int, 24)
	for i := range in {
		in[i] = -1
	}
	in[0] = t
	// TFLite's order is input, forget, cell, output; ONNX's i=0, o=1, f=2, c=3.
	onnxGate := []int{0, 2, 3, 1}
	gateName := []string{"input", "forget", "cell", "output"}
	for k, g := range onnxGate {
		in[1+k] = c.constFloat32(name(gateName[k]+"_weights"), []int{h, lw.input}, lw.gate(lw.w, g, lw.input))
		in[5+k] = c.constFloat32(name(gateName[k]+"_recurrent_weights"), []int{h, h}, lw.gate(lw.r, g, h))
		in[12+k] = c.constFloat32(name(gateName[k]+"_bias"), []int{h}, lw.bias(g))
	}
	if lw.p != nil {
		// Peepholes: ONNX's P is i, o, f; TFLite's inputs 9-11 are i, f, o.
		for k, g := range []int{0, 2, 1} {
			in[9+k] = c.constFloat32(name([]string{"input", "forget", "output"}[k]+"_peephole"), []int{h}, lw.peephole(g))
		}
	}
	state := func(s string, size int) int {
		id := c.addTensor(name(s), ir.Float32, []int{batch, size})
		c.tensor(id).IsVariable = true
		return id
	}
	in[18] = state("output_state", h)
	in[19] = state("cell_state", h)
	opts := &ir.UnidirectionalSequenceLSTMOptions{Activation: ir.ActTanh, TimeMajor: timeMajor}
	return c.emit1(ir.UnidirectionalSequenceLSTM, opts, in, name("lstm"), ir.Float32)
}
