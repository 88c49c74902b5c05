package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func svdfNode(rank int, act ir.Activation, in, wf, wt, bias, state, out *ir.Tensor) *Node {
	return &Node{
		Op:  &ir.Op{Type: ir.SVDF, Options: &ir.SVDFOptions{Rank: rank, Activation: act}},
		In:  []*ir.Tensor{in, wf, wt, bias, state},
		Out: []*ir.Tensor{out},
		Ctx: &Context{Threads: 1},
	}
}

func TestSVDFFloatHandWorked(t *testing.T) {
	// Two filters of rank 2 make one unit; memory 3 (oldest first).
	// Feature weights [[1 0] [0.5 -1]], time weights [[1 2 3] [0.5 0.5 0.5]],
	// bias 0.1.
	// Invoke 1, x=[1 2]: features 1, -1.5; memories [0 0 1], [0 0 -1.5];
	//   output 3*1 + 0.5*(-1.5) + 0.1 = 2.35.
	// Invoke 2, x=[-1 1]: features -1, -1.5; memories [0 1 -1], [0 -1.5 -1.5];
	//   output (2-3) + 0.5*(-3) + 0.1 = -2.4.
	// Invoke 3, x=[0 0]: memories [1 -1 0], [-1.5 -1.5 0];
	//   output (1-2) + 0.5*(-3) + 0.1 = -2.4.
	n := svdfNode(2, ir.ActNone,
		bufTensor("x", ir.Float32, []int{1, 2}),
		constF32("wf", []int{2, 2}, []float32{1, 0, 0.5, -1}),
		constF32("wt", []int{2, 3}, []float32{1, 2, 3, 0.5, 0.5, 0.5}),
		constF32("b", []int{1}, []float32{0.1}),
		bufTensor("state", ir.Float32, []int{1, 6}),
		bufTensor("y", ir.Float32, []int{1, 1}))
	k := &svdfKernel{}
	if err := k.Prepare(n); err != nil {
		t.Fatal(err)
	}
	inputs := [][]float32{{1, 2}, {-1, 1}, {0, 0}}
	want := []float32{2.35, -2.4, -2.4}
	for i, x := range inputs {
		copy(n.In[0].Float32s(), x)
		if err := k.Eval(n); err != nil {
			t.Fatal(err)
		}
		if got := n.Out[0].Float32s()[0]; math.Abs(float64(got-want[i])) > 1e-6 {
			t.Errorf("invoke %d: output %v, want %v", i, got, want[i])
		}
	}
	wantState := []float32{1, -1, 0, -1.5, -1.5, 0}
	for i, got := range n.In[4].Float32s() {
		if got != wantState[i] {
			t.Errorf("state[%d] = %v, want %v", i, got, wantState[i])
		}
	}
}

// svdfReference keeps, per batch row and filter, the window of the last
// memory feature values and applies the SVDF definition to it.
type svdfReference struct {
	rank, units, memory int
	wf, wt              [][]float64
	bias                []float64
	act                 ir.Activation
	window              [][][]float64 // [batch][filter][memory], oldest first
}

func (r *svdfReference) invoke(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for b, xb := range x {
		for f, w := range r.wf {
			feature := 0.0
			for i, v := range xb {
				feature += w[i] * v
			}
			win := r.window[b][f]
			copy(win, win[1:])
			win[len(win)-1] = feature
		}
		out[b] = make([]float64, r.units)
		for u := range r.units {
			sum := 0.0
			if r.bias != nil {
				sum = r.bias[u]
			}
			for k := range r.rank {
				f := u*r.rank + k
				for m := range r.memory {
					sum += r.wt[f][m] * r.window[b][f][m]
				}
			}
			switch r.act {
			case ir.ActRelu:
				sum = math.Max(sum, 0)
			case ir.ActRelu6:
				sum = math.Min(math.Max(sum, 0), 6)
			case ir.ActTanh:
				sum = math.Tanh(sum)
			}
			out[b][u] = sum
		}
	}
	return out
}

func TestSVDFFloatMatchesReference(t *testing.T) {
	cases := []struct {
		name                              string
		batch, input, rank, units, memory int
		bias                              bool
		act                               ir.Activation
	}{
		{"rank1", 2, 5, 1, 4, 3, true, ir.ActNone},
		{"rank2_relu", 3, 4, 2, 3, 5, true, ir.ActRelu},
		{"no_bias_tanh", 1, 6, 3, 2, 4, false, ir.ActTanh},
	}
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 11))
			filters := tc.rank * tc.units
			ref := &svdfReference{rank: tc.rank, units: tc.units, memory: tc.memory, act: tc.act}
			ref.wf = randMatrix(r, filters, tc.input, 1)
			ref.wt = randMatrix(r, filters, tc.memory, 1)
			for _, m := range [][][]float64{ref.wf, ref.wt} {
				for _, row := range m {
					for j := range row {
						row[j] = float64(float32(row[j]))
					}
				}
			}
			var bias *ir.Tensor
			if tc.bias {
				ref.bias = randVector(r, tc.units, -0.5, 0.5)
				for i := range ref.bias {
					ref.bias[i] = float64(float32(ref.bias[i]))
				}
				bias = constF32("b", []int{tc.units}, vec32(ref.bias))
			}
			ref.window = make([][][]float64, tc.batch)
			for b := range ref.window {
				ref.window[b] = zeros2(filters, tc.memory)
			}
			n := svdfNode(tc.rank, tc.act,
				bufTensor("x", ir.Float32, []int{tc.batch, tc.input}),
				constF32("wf", []int{filters, tc.input}, flat32(ref.wf)),
				constF32("wt", []int{filters, tc.memory}, flat32(ref.wt)),
				bias,
				bufTensor("state", ir.Float32, []int{tc.batch, filters * tc.memory}),
				bufTensor("y", ir.Float32, []int{tc.batch, tc.units}))
			k := &svdfKernel{}
			if err := k.Prepare(n); err != nil {
				t.Fatal(err)
			}
			for invoke := range tc.memory + 2 {
				x := zeros2(tc.batch, tc.input)
				xs := n.In[0].Float32s()
				for b := range x {
					for i := range x[b] {
						x[b][i] = float64(float32(r.Float64()*2 - 1))
						xs[b*tc.input+i] = float32(x[b][i])
					}
				}
				if err := k.Eval(n); err != nil {
					t.Fatal(err)
				}
				compareF32(t, "output", invoke, n.Out[0].Float32s(), flatten(ref.invoke(x)), 2e-6)
			}
			if a := testing.AllocsPerRun(5, func() { _ = k.Eval(n) }); a != 0 {
				t.Fatalf("Eval allocates %v times per run", a)
			}
		})
	}
}

func TestSVDFPrepareErrors(t *testing.T) {
	base := func() *Node {
		return svdfNode(2, ir.ActNone,
			bufTensor("x", ir.Float32, []int{1, 2}),
			constF32("wf", []int{4, 2}, make([]float32, 8)),
			constF32("wt", []int{4, 3}, make([]float32, 12)),
			constF32("b", []int{2}, make([]float32, 2)),
			bufTensor("state", ir.Float32, []int{1, 12}),
			bufTensor("y", ir.Float32, []int{1, 2}))
	}
	cases := []struct {
		name, want string
		edit       func(n *Node)
	}{
		{"rank zero", "rank 0 must be positive", func(n *Node) { n.Op.Options.(*ir.SVDFOptions).Rank = 0 }},
		{"rank divides", "multiple of rank 3", func(n *Node) { n.Op.Options.(*ir.SVDFOptions).Rank = 3 }},
		{"input size", "feature weights", func(n *Node) { n.In[0].Shape = []int{1, 3} }},
		{"time filters", "time weights", func(n *Node) { n.In[2].Shape = []int{3, 4} }},
		{"bias size", "bias", func(n *Node) { n.In[3].Shape = []int{3} }},
		{"state shape", "activation state", func(n *Node) { n.In[4].Shape = []int{1, 10} }},
		{"output shape", "output", func(n *Node) { n.Out[0].Shape = []int{1, 4} }},
		{"missing state", "required input 4", func(n *Node) { n.In[4] = nil }},
		{"too few inputs", "expects 5 inputs", func(n *Node) { n.In = n.In[:4] }},
		{"state type", "input 4", func(n *Node) { n.In[4].Type = ir.Int16 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := base()
			tc.edit(n)
			err := (&svdfKernel{}).Prepare(n)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Prepare error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func q8(scale float32, zp int64) *ir.Quantization {
	return &ir.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

func TestSVDFInt8StateHandWorked(t *testing.T) {
	// TFLite Micro's int8-state SVDF (TFLite has no such kernel). All scales
	// are 1, so every rescale is the identity; the state's zero point is 10
	// and the output's -5. Feature weights [[1 2] [-1 1]], time weights
	// [[3 1] [1 -2]] (oldest first), bias [5 -5], memory 2.
	// Invoke 1, x=[3 4]: features 11, 1 -> stored 21, 11; memories (minus
	//   the zero point) [0 11], [0 1]; sums 11, -2; plus bias 16, -7;
	//   output 11, -12.
	// Invoke 2, x=[-1 0]: features -1, 1 -> stored 9, 11; memories [11 -1],
	//   [1 1]; sums 32, -1; output 32, -11.
	// Invoke 3, x=[100 100]: features 300 (stored 310, saturated to 127), 0
	//   (stored 10); memories [-1 117], [1 0]; sums 114, 1; output 114, -9.
	in := bufTensor("x", ir.Int8, []int{1, 2})
	in.Quant = q8(1, 0)
	wf := &ir.Tensor{Name: "wf", Type: ir.Int8, Shape: []int{2, 2}, Data: ir.Int8Bytes([]int8{1, 2, -1, 1}), Quant: q8(1, 0)}
	wt := &ir.Tensor{Name: "wt", Type: ir.Int8, Shape: []int{2, 2}, Data: ir.Int8Bytes([]int8{3, 1, 1, -2}), Quant: q8(1, 0)}
	bias := &ir.Tensor{Name: "b", Type: ir.Int32, Shape: []int{2}, Data: ir.Int32Bytes([]int32{5, -5}), Quant: q8(1, 0)}
	state := bufTensor("state", ir.Int8, []int{1, 4})
	state.Quant = q8(1, 10)
	for i := range state.Data {
		state.Data[i] = 10
	}
	out := bufTensor("y", ir.Int8, []int{1, 2})
	out.Quant = q8(1, -5)
	n := svdfNode(1, ir.ActRelu, in, wf, wt, bias, state, out)
	k := &svdfKernel{}
	if err := k.Prepare(n); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ x, want []int8 }{
		{[]int8{3, 4}, []int8{11, -12}},
		{[]int8{-1, 0}, []int8{32, -11}},
		{[]int8{100, 100}, []int8{114, -9}},
	}
	for i, s := range steps {
		copy(in.Int8s(), s.x)
		if err := k.Eval(n); err != nil {
			t.Fatal(err)
		}
		for j, got := range out.Int8s() {
			if got != s.want[j] {
				t.Errorf("invoke %d: output[%d] = %d, want %d", i, j, got, s.want[j])
			}
		}
	}
	wantState := []int8{9, 127, 11, 10}
	for i, got := range state.Int8s() {
		if got != wantState[i] {
			t.Errorf("state[%d] = %d, want %d", i, got, wantState[i])
		}
	}
	if a := testing.AllocsPerRun(3, func() { _ = k.Eval(n) }); a != 0 {
		t.Errorf("Eval allocates %v times per run", a)
	}
}
