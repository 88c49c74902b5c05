package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
)

// Random one-op LSTM and SVDF models in every arithmetic (float, hybrid,
// full integer) and layout, checked against TFLite by runBoth.

// graphBuilder collects the tensors of a one-op graph.
type graphBuilder struct {
	r *rand.Rand
	g *ir.Graph
}

func (b *graphBuilder) add(t *ir.Tensor) int {
	t.HasRank = true
	b.g.Tensors = append(b.g.Tensors, t)
	return len(b.g.Tensors) - 1
}

func quant(scale float32, zp int64) *ir.Quantization {
	return &ir.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

// floats is a float32 constant with values in [-amp, amp).
func (b *graphBuilder) floats(name string, shape []int, amp float32) int {
	v := make([]float32, ir.NumElements(shape))
	for i := range v {
		v[i] = (b.r.Float32()*2 - 1) * amp
	}
	return b.add(&ir.Tensor{Name: name, Type: ir.Float32, Shape: shape, Data: ir.Float32Bytes(v)})
}

// ints8 is an int8 constant with values in [-127, 127] and the given scale.
func (b *graphBuilder) ints8(name string, shape []int, scale float32) int {
	d := make([]byte, ir.NumElements(shape))
	for i := range d {
		d[i] = byte(int8(b.r.IntN(255) - 127))
	}
	return b.add(&ir.Tensor{Name: name, Type: ir.Int8, Shape: shape, Data: d, Quant: quant(scale, 0)})
}

// ints16 is an int16 constant with values in [lo, hi].
func (b *graphBuilder) ints16(name string, shape []int, lo, hi int, scale float32) int {
	v := make([]int16, ir.NumElements(shape))
	for i := range v {
		v[i] = int16(lo + b.r.IntN(hi-lo+1))
	}
	return b.add(&ir.Tensor{Name: name, Type: ir.Int16, Shape: shape, Data: ir.Int16Bytes(v), Quant: quant(scale, 0)})
}

// ints32 is an int32 constant with values in [-amp, amp].
func (b *graphBuilder) ints32(name string, shape []int, amp int, scale float32) int {
	v := make([]int32, ir.NumElements(shape))
	for i := range v {
		v[i] = int32(b.r.IntN(2*amp+1) - amp)
	}
	return b.add(&ir.Tensor{Name: name, Type: ir.Int32, Shape: shape, Data: ir.Int32Bytes(v), Quant: quant(scale, 0)})
}

func (b *graphBuilder) act(name string, t ir.DataType, shape []int, q *ir.Quantization) int {
	return b.add(&ir.Tensor{Name: name, Type: t, Shape: shape, Quant: q})
}

func (b *graphBuilder) variable(name string, t ir.DataType, shape []int, q *ir.Quantization) int {
	return b.add(&ir.Tensor{Name: name, Type: t, Shape: shape, Quant: q, IsVariable: true})
}

type lstmCase struct {
	kind                    string // "float", "hybrid" or "int8"
	batch, time             int
	nInput, nCell, nOutput  int
	cifg, peephole, proj    bool
	layerNorm, timeMajor    bool
	asym                    bool
	cellClip, projClip      float32
	hiddenZP, stateZP, inZP int64
}

func (c lstmCase) String() string {
	s := fmt.Sprintf("%s_b%dt%d_%dx%dx%d", c.kind, c.batch, c.time, c.nInput, c.nCell, c.nOutput)
	for _, f := range []struct {
		on   bool
		name string
	}{{c.cifg, "cifg"}, {c.peephole, "peephole"}, {c.proj, "proj"}, {c.layerNorm, "ln"}, {c.timeMajor, "timemajor"}, {c.asym, "asym"}, {c.cellClip > 0, "cellclip"}, {c.projClip > 0, "projclip"}} {
		if f.on {
			s += "_" + f.name
		}
	}
	return s
}

// build makes a one-op UNIDIRECTIONAL_SEQUENCE_LSTM model for the case.
func (c lstmCase) build(r *rand.Rand) *ir.Model {
	if !c.proj {
		c.nOutput = c.nCell
	}
	b := &graphBuilder{r: r, g: &ir.Graph{Name: "main"}}
	inShape := []int{c.batch, c.time, c.nInput}
	if c.timeMajor {
		inShape = []int{c.time, c.batch, c.nInput}
	}
	outShape := append([]int(nil), inShape...)
	outShape[2] = c.nOutput
	in := make([]int, 24)
	for i := range in {
		in[i] = -1
	}
	var inter []int
	isInt := c.kind == "int8"
	switch c.kind {
	case "int8":
		in[0] = b.act("input", ir.Int8, inShape, quant(1.0/64, c.inZP))
	default:
		in[0] = b.act("input", ir.Float32, inShape, nil)
	}
	weights := func(name string, rows, cols int) int {
		if c.kind == "float" {
			return b.floats(name, []int{rows, cols}, 0.6)
		}
		return b.ints8(name, []int{rows, cols}, 0.6/127)
	}
	vector := func(name string, n int, amp float32) int {
		return b.floats(name, []int{n}, amp)
	}
	for g, gate := range []string{"input", "forget", "cell", "output"} {
		if g == 0 && c.cifg {
			continue
		}
		in[1+g] = weights("wx_"+gate, c.nCell, c.nInput)
		in[5+g] = weights("wh_"+gate, c.nCell, c.nOutput)
		switch {
		case isInt && c.layerNorm:
			in[12+g] = b.ints32("bias_"+gate, []int{c.nCell}, 20000, 1e-8)
		case isInt:
			in[12+g] = b.ints32("bias_"+gate, []int{c.nCell}, 3000, 1e-5)
		default:
			in[12+g] = vector("bias_"+gate, c.nCell, 0.5)
		}
		if c.peephole && g != 2 {
			switch c.kind {
			case "int8":
				in[9+[]int{0, 1, -1, 2}[g]] = b.ints16("peep_"+gate, []int{c.nCell}, -3000, 3000, 1e-4)
			case "hybrid":
				in[9+[]int{0, 1, -1, 2}[g]] = b.ints8("peep_"+gate, []int{c.nCell}, 0.5/127)
			default:
				in[9+[]int{0, 1, -1, 2}[g]] = vector("peep_"+gate, c.nCell, 0.5)
			}
		}
		if c.layerNorm {
			if isInt {
				in[20+g] = b.ints16("ln_"+gate, []int{c.nCell}, 10000, 30000, 3e-5)
			} else {
				v := make([]float32, c.nCell)
				for i := range v {
					v[i] = 0.5 + r.Float32()
				}
				in[20+g] = b.add(&ir.Tensor{Name: "ln_" + gate, Type: ir.Float32, Shape: []int{c.nCell}, Data: ir.Float32Bytes(v)})
			}
		}
	}
	if c.proj {
		in[16] = weights("proj", c.nOutput, c.nCell)
		if isInt {
			in[17] = b.ints32("proj_bias", []int{c.nOutput}, 1000, 1e-4)
		} else {
			in[17] = vector("proj_bias", c.nOutput, 0.3)
		}
	}
	var out int
	if isInt {
		stateQ := quant(1.0/128, c.stateZP)
		in[18] = b.variable("h", ir.Int8, []int{c.batch, c.nOutput}, stateQ)
		in[19] = b.variable("c", ir.Int16, []int{c.batch, c.nCell}, quant(1.0/2048, 0))
		out = b.act("output", ir.Int8, outShape, stateQ)
		for g := range 4 {
			inter = append(inter, b.act(fmt.Sprintf("inter%d", g), ir.Int16, []int{0}, quant(0.0007, 0)))
		}
		hq := stateQ
		if c.proj {
			hq = quant(1.0/100, c.hiddenZP)
		}
		inter = append(inter, b.act("hidden", ir.Int8, []int{0}, hq))
	} else {
		in[18] = b.variable("h", ir.Float32, []int{c.batch, c.nOutput}, nil)
		in[19] = b.variable("c", ir.Float32, []int{c.batch, c.nCell}, nil)
		out = b.act("output", ir.Float32, outShape, nil)
	}
	if !c.layerNorm {
		in = in[:20]
	}
	b.g.Ops = []*ir.Op{{
		Type: ir.UnidirectionalSequenceLSTM, Version: 1, Inputs: in, Outputs: []int{out}, Intermediates: inter,
		Options: &ir.UnidirectionalSequenceLSTMOptions{
			Activation: ir.ActTanh, CellClip: c.cellClip, ProjClip: c.projClip,
			TimeMajor: c.timeMajor, AsymmetricQuantizeInputs: c.asym,
		},
	}}
	b.g.Inputs, b.g.Outputs = []int{in[0]}, []int{out}
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{b.g}}
}

var lstmOracleCases = []lstmCase{
	{kind: "float", batch: 2, time: 3, nInput: 3, nCell: 4, nOutput: 2, peephole: true, proj: true, projClip: 0.3, cellClip: 0.8},
	{kind: "float", batch: 2, time: 3, nInput: 3, nCell: 4, cifg: true, layerNorm: true, timeMajor: true},
	{kind: "hybrid", batch: 2, time: 4, nInput: 5, nCell: 4},
	{kind: "hybrid", batch: 2, time: 4, nInput: 5, nCell: 4, asym: true, peephole: true},
	{kind: "hybrid", batch: 3, time: 3, nInput: 4, nCell: 6, nOutput: 3, proj: true, asym: true, timeMajor: true, projClip: 0.4},
	{kind: "hybrid", batch: 1, time: 4, nInput: 3, nCell: 4, nOutput: 2, proj: true, layerNorm: true, cifg: true, cellClip: 0.6},
	{kind: "int8", batch: 2, time: 4, nInput: 5, nCell: 4, stateZP: -3, inZP: 7},
	{kind: "int8", batch: 3, time: 3, nInput: 4, nCell: 4, cifg: true, peephole: true, timeMajor: true, stateZP: 2, cellClip: 0.15},
	{kind: "int8", batch: 2, time: 3, nInput: 4, nCell: 6, nOutput: 3, proj: true, peephole: true, hiddenZP: 4, stateZP: -5, projClip: 0.06},
	{kind: "int8", batch: 2, time: 3, nInput: 3, nCell: 4, nOutput: 4, proj: true, layerNorm: true, hiddenZP: -9, stateZP: 1, inZP: -2},
	{kind: "int8", batch: 1, time: 4, nInput: 3, nCell: 4, nOutput: 2, proj: true, layerNorm: true, cifg: true, peephole: true, timeMajor: true, hiddenZP: 3},
}

func TestLSTMMatchesTFLite(t *testing.T) {
	for ci, c := range lstmOracleCases {
		t.Run(c.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 17))
			checkOneOpModel(t, c.String(), c.build(r), r)
		})
	}
}

type svdfCase struct {
	kind                      string // "float", "hybrid" or "int8" (int16 state)
	batch, input, rank, units int
	memory                    int
	asym, bias                bool
}

func (c svdfCase) String() string {
	s := fmt.Sprintf("%s_b%d_in%d_rank%d_units%d_mem%d", c.kind, c.batch, c.input, c.rank, c.units, c.memory)
	if c.asym {
		s += "_asym"
	}
	if !c.bias {
		s += "_nobias"
	}
	return s
}

func (c svdfCase) build(r *rand.Rand) *ir.Model {
	b := &graphBuilder{r: r, g: &ir.Graph{Name: "main"}}
	filters := c.rank * c.units
	in := make([]int, 5)
	var out int
	act := ir.ActRelu
	switch c.kind {
	case "int8":
		in[0] = b.act("input", ir.Int8, []int{c.batch, c.input}, quant(1.0/32, 3))
		in[1] = b.ints8("wf", []int{filters, c.input}, 0.01)
		in[2] = b.ints16("wt", []int{filters, c.memory}, -20000, 20000, 1e-4)
		in[3] = b.ints32("bias", []int{c.units}, 5000, 1.0/64*1e-4)
		in[4] = b.variable("state", ir.Int16, []int{c.batch, filters * c.memory}, quant(1.0/64, 0))
		out = b.act("output", ir.Int8, []int{c.batch, c.units}, quant(1.0/16, -20))
	case "hybrid":
		in[0] = b.act("input", ir.Float32, []int{c.batch, c.input}, nil)
		in[1] = b.ints8("wf", []int{filters, c.input}, 0.8/127)
		in[2] = b.ints8("wt", []int{filters, c.memory}, 0.8/127)
		in[3] = b.floats("bias", []int{c.units}, 0.3)
		in[4] = b.variable("state", ir.Float32, []int{c.batch, filters * c.memory}, nil)
		out = b.act("output", ir.Float32, []int{c.batch, c.units}, nil)
		act = ir.ActNone
	default:
		in[0] = b.act("input", ir.Float32, []int{c.batch, c.input}, nil)
		in[1] = b.floats("wf", []int{filters, c.input}, 0.8)
		in[2] = b.floats("wt", []int{filters, c.memory}, 0.8)
		in[3] = b.floats("bias", []int{c.units}, 0.3)
		in[4] = b.variable("state", ir.Float32, []int{c.batch, filters * c.memory}, nil)
		out = b.act("output", ir.Float32, []int{c.batch, c.units}, nil)
	}
	if !c.bias {
		in[3] = -1
	}
	b.g.Ops = []*ir.Op{{Type: ir.SVDF, Version: 1, Inputs: in, Outputs: []int{out},
		Options: &ir.SVDFOptions{Rank: c.rank, Activation: act, AsymmetricQuantizeInputs: c.asym}}}
	b.g.Inputs, b.g.Outputs = []int{in[0]}, []int{out}
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{b.g}}
}

var svdfOracleCases = []svdfCase{
	{kind: "float", batch: 2, input: 6, rank: 2, units: 3, memory: 4, bias: true},
	{kind: "hybrid", batch: 2, input: 7, rank: 1, units: 4, memory: 3, bias: true},
	{kind: "hybrid", batch: 3, input: 5, rank: 2, units: 2, memory: 5, asym: true},
	{kind: "int8", batch: 2, input: 8, rank: 1, units: 5, memory: 4, bias: true},
	{kind: "int8", batch: 1, input: 6, rank: 2, units: 3, memory: 3},
}

func TestSVDFMatchesTFLite(t *testing.T) {
	for ci, c := range svdfOracleCases {
		t.Run(c.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 23))
			checkOneOpModel(t, c.String(), c.build(r), r)
		})
	}
}

// TestSequenceInvokeDoesNotAllocate runs every synthetic model through the
// runtime and checks that an Invoke (each kernel's Eval) allocates nothing.
func TestSequenceInvokeDoesNotAllocate(t *testing.T) {
	var models []*ir.Model
	for ci, c := range lstmOracleCases {
		models = append(models, c.build(rand.New(rand.NewPCG(uint64(ci), 3))))
	}
	for ci, c := range svdfOracleCases {
		models = append(models, c.build(rand.New(rand.NewPCG(uint64(ci), 3))))
	}
	for i, m := range models {
		it, err := runtime.New(m)
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(3, func() {
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("model %d (%s): Invoke allocates %v times", i, m.Graphs[0].Ops[0].Name(), a)
		}
	}
}

// TestIntegerLSTMRejectsBadQuantization checks that malformed integer LSTMs
// fail at prepare with an error that says what is wrong.
func TestIntegerLSTMRejectsBadQuantization(t *testing.T) {
	base := lstmCase{kind: "int8", batch: 1, time: 2, nInput: 3, nCell: 4, peephole: true}
	cases := []struct {
		name, want string
		edit       func(g *ir.Graph)
	}{
		{"no intermediates", "needs 5 intermediate tensors", func(g *ir.Graph) { g.Ops[0].Intermediates = nil }},
		{"cell scale", "not a power of two", func(g *ir.Graph) {
			g.Tensors[g.Ops[0].Inputs[19]].Quant = quant(0.0003, 0)
		}},
		{"per-axis weights", "needs one per tensor", func(g *ir.Graph) {
			w := g.Tensors[g.Ops[0].Inputs[2]]
			w.Quant = &ir.Quantization{Scale: []float32{0.01, 0.01, 0.01, 0.01}, ZeroPoint: []int64{0, 0, 0, 0}}
		}},
		{"zero scale", "scale 0 is 0", func(g *ir.Graph) { g.Tensors[g.Ops[0].Inputs[0]].Quant = quant(0, 0) }},
		{"missing quantization", "has no quantization", func(g *ir.Graph) { g.Tensors[g.Ops[0].Inputs[18]].Quant = nil }},
		{"bias type", "want int32", func(g *ir.Graph) {
			b := g.Tensors[g.Ops[0].Inputs[13]]
			b.Type, b.Data = ir.Int16, b.Data[:8]
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := base.build(rand.New(rand.NewPCG(1, 1)))
			tc.edit(m.Graphs[0])
			_, err := runtime.New(m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("runtime.New error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// checkOneOpModel runs a one-op model on a random input in TFLite and in
// liteforge and compares the output: exactly when it is an integer.
func checkOneOpModel(t *testing.T, what string, m *ir.Model, r *rand.Rand) {
	t.Helper()
	g := m.Graphs[0]
	want, got := runBoth(t, m, [][]byte{randomInput(r, g.Tensors[g.Inputs[0]])})
	if g.Tensors[g.Outputs[0]].Type == ir.Float32 {
		compareFloat(t, what, want[0], got[0], 1e-5)
	} else {
		compareExact(t, what, want[0], got[0])
	}
}
