package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// constF32 is a float32 constant tensor.
func constF32(name string, shape []int, v []float32) *ir.Tensor {
	return &ir.Tensor{Name: name, Type: ir.Float32, Shape: shape, HasRank: true, Data: ir.Float32Bytes(v)}
}

// bufTensor is an activation (or variable) tensor with zeroed storage.
func bufTensor(name string, t ir.DataType, shape []int) *ir.Tensor {
	x := &ir.Tensor{Name: name, Type: t, Shape: shape, HasRank: true}
	size, err := x.ByteSize()
	if err != nil {
		panic(err)
	}
	x.Data = make([]byte, size)
	return x
}

// lstmSpec describes a float LSTM for the tests: weights in float64 so the
// reference below computes in double precision.
type lstmSpec struct {
	nInput, nCell, nOutput int
	cifg, peephole, proj   bool
	projBias, layerNorm    bool
	cellClip, projClip     float32
	timeMajor              bool
	act                    ir.Activation

	wx, wh     [numGates][][]float64 // [cell][input], [cell][output]
	peep, bias [numGates][]float64
	ln         [numGates][]float64
	pw         [][]float64 // [output][cell]
	pb         []float64
}

func randMatrix(r *rand.Rand, rows, cols int, scale float64) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = (r.Float64()*2 - 1) * scale
		}
	}
	return m
}

func randVector(r *rand.Rand, n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + r.Float64()*(hi-lo)
	}
	return v
}

// fill draws random weights for every part the spec enables. Values are
// rounded to float32 so that the kernel and the reference see the same numbers.
func (s *lstmSpec) fill(r *rand.Rand) {
	if !s.proj {
		s.nOutput = s.nCell
	}
	round := func(m [][]float64) [][]float64 {
		for _, row := range m {
			for j := range row {
				row[j] = float64(float32(row[j]))
			}
		}
		return m
	}
	for g := range numGates {
		if g == gateInput && s.cifg {
			continue
		}
		s.wx[g] = round(randMatrix(r, s.nCell, s.nInput, 0.8))
		s.wh[g] = round(randMatrix(r, s.nCell, s.nOutput, 0.8))
		s.bias[g] = round([][]float64{randVector(r, s.nCell, -0.5, 0.5)})[0]
		if s.peephole && g != gateCell {
			s.peep[g] = round([][]float64{randVector(r, s.nCell, -0.5, 0.5)})[0]
		}
		if s.layerNorm {
			s.ln[g] = round([][]float64{randVector(r, s.nCell, 0.5, 1.5)})[0]
		}
	}
	if s.proj {
		s.pw = round(randMatrix(r, s.nOutput, s.nCell, 0.8))
		if s.projBias {
			s.pb = round([][]float64{randVector(r, s.nOutput, -0.3, 0.3)})[0]
		}
	}
}

func flat32(m [][]float64) []float32 {
	var v []float32
	for _, row := range m {
		for _, x := range row {
			v = append(v, float32(x))
		}
	}
	return v
}

func vec32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// node builds the op with its 24 inputs for an input of the given shape.
func (s *lstmSpec) node(inShape []int) *Node {
	nBatch := inShape[0]
	if s.timeMajor {
		nBatch = inShape[1]
	}
	in := make([]*ir.Tensor, 24)
	in[lstmInput] = bufTensor("input", ir.Float32, inShape)
	for g := range numGates {
		if s.wx[g] != nil {
			in[lstmInputWeights+g] = constF32("wx_"+gateNames[g], []int{s.nCell, s.nInput}, flat32(s.wx[g]))
			in[lstmRecurrentW+g] = constF32("wh_"+gateNames[g], []int{s.nCell, s.nOutput}, flat32(s.wh[g]))
			in[lstmGateBias+g] = constF32("b_"+gateNames[g], []int{s.nCell}, vec32(s.bias[g]))
		}
		if p := peepholeIndex[g]; p >= 0 && s.peep[g] != nil {
			in[p] = constF32("peep_"+gateNames[g], []int{s.nCell}, vec32(s.peep[g]))
		}
		if s.ln[g] != nil {
			in[lstmLayerNormCoeff+g] = constF32("ln_"+gateNames[g], []int{s.nCell}, vec32(s.ln[g]))
		}
	}
	if s.pw != nil {
		in[lstmProjWeights] = constF32("proj", []int{s.nOutput, s.nCell}, flat32(s.pw))
	}
	if s.pb != nil {
		in[lstmProjBias] = constF32("proj_bias", []int{s.nOutput}, vec32(s.pb))
	}
	in[lstmOutputState] = bufTensor("h", ir.Float32, []int{nBatch, s.nOutput})
	in[lstmCellState] = bufTensor("c", ir.Float32, []int{nBatch, s.nCell})
	outShape := append([]int(nil), inShape...)
	outShape[len(outShape)-1] = s.nOutput
	act := s.act
	if act == ir.ActNone {
		act = ir.ActTanh
	}
	return &Node{
		Op: &ir.Op{Type: ir.UnidirectionalSequenceLSTM, Options: &ir.UnidirectionalSequenceLSTMOptions{
			Activation: act, CellClip: s.cellClip, ProjClip: s.projClip, TimeMajor: s.timeMajor,
		}},
		In:  in,
		Out: []*ir.Tensor{bufTensor("output", ir.Float32, outShape)},
		Ctx: &Context{Threads: 1},
	}
}

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clip64(x, limit float64) float64 {
	if limit > 0 {
		return math.Max(-limit, math.Min(limit, x))
	}
	return x
}

func layerNorm64(z []float64) []float64 {
	mean, sq := 0.0, 0.0
	for _, x := range z {
		mean += x
	}
	mean /= float64(len(z))
	for _, x := range z {
		sq += (x - mean) * (x - mean)
	}
	inv := 1 / math.Sqrt(sq/float64(len(z))+1e-8)
	out := make([]float64, len(z))
	for i, x := range z {
		out[i] = (x - mean) * inv
	}
	return out
}

// refStep is one LSTM step for one batch row, written from the textbook
// equations (with TFLite's options): it returns the new h and c.
func (s *lstmSpec) refStep(x, h, c []float64) ([]float64, []float64) {
	act := math.Tanh
	pre := func(g int, cell []float64) []float64 {
		z := make([]float64, s.nCell)
		for j := range z {
			for k, xv := range x {
				z[j] += s.wx[g][j][k] * xv
			}
			for k, hv := range h {
				z[j] += s.wh[g][j][k] * hv
			}
			if s.peep[g] != nil {
				z[j] += s.peep[g][j] * cell[j]
			}
		}
		if s.ln[g] != nil {
			z = layerNorm64(z)
			for j := range z {
				z[j] *= s.ln[g][j]
			}
		}
		for j := range z {
			z[j] += s.bias[g][j]
		}
		return z
	}
	zf, zc := pre(gateForget, c), pre(gateCell, c)
	var zi []float64
	if !s.cifg {
		zi = pre(gateInput, c)
	}
	cNew := make([]float64, s.nCell)
	for j := range cNew {
		f := sigmoid64(zf[j])
		i := 1 - f
		if !s.cifg {
			i = sigmoid64(zi[j])
		}
		cNew[j] = clip64(f*c[j]+i*act(zc[j]), float64(s.cellClip))
	}
	zo := pre(gateOutput, cNew)
	m := make([]float64, s.nCell)
	for j := range m {
		m[j] = sigmoid64(zo[j]) * act(cNew[j])
	}
	if !s.proj {
		return m, cNew
	}
	hNew := make([]float64, s.nOutput)
	for j := range hNew {
		if s.pb != nil {
			hNew[j] = s.pb[j]
		}
		for k, mv := range m {
			hNew[j] += s.pw[j][k] * mv
		}
		hNew[j] = clip64(hNew[j], float64(s.projClip))
	}
	return hNew, cNew
}

// reference runs the whole sequence for every batch row from states h0, c0
// (one row per batch) and returns the outputs in the op's layout and the
// final states.
func (s *lstmSpec) reference(x []float32, inShape []int, h0, c0 [][]float64) ([]float64, [][]float64, [][]float64) {
	nBatch, nTime := inShape[0], inShape[1]
	if s.timeMajor {
		nBatch, nTime = nTime, nBatch
	}
	out := make([]float64, nBatch*nTime*s.nOutput)
	h, c := h0, c0
	for b := range nBatch {
		for t := range nTime {
			row := b*nTime + t
			if s.timeMajor {
				row = t*nBatch + b
			}
			xv := make([]float64, s.nInput)
			for k := range xv {
				xv[k] = float64(x[row*s.nInput+k])
			}
			h[b], c[b] = s.refStep(xv, h[b], c[b])
			copy(out[row*s.nOutput:], h[b])
		}
	}
	return out, h, c
}

func zeros2(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
	}
	return m
}

func prepareEval(t *testing.T, k Kernel, n *Node) {
	t.Helper()
	if err := k.Prepare(n); err != nil {
		t.Fatal(err)
	}
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
}

func TestLSTMFloatHandWorked(t *testing.T) {
	// One cell, one input, two time steps. Input weights i,f,c,o = 1, 0, 2, -1;
	// recurrent weights all 0.5; biases 0 except the output gate's 1; tanh.
	// Step 1 (x=0.5, h=c=0): i=σ(0.5)=0.6224593, f=0.5, g=tanh(1)=0.7615942,
	// c=0.4740614, o=σ(0.5), h=o·tanh(c)=0.2748002.
	// Step 2 (x=-1): i=σ(-1+0.5h), f=σ(0.5h), g=tanh(-2+0.5h), o=σ(1+0.5h+1)...
	// giving h=-0.0264098, c=-0.0295337.
	in := make([]*ir.Tensor, 24)
	in[lstmInput] = bufTensor("x", ir.Float32, []int{1, 2, 1})
	copy(in[lstmInput].Float32s(), []float32{0.5, -1})
	for g, w := range []float32{1, 0, 2, -1} {
		in[lstmInputWeights+g] = constF32("wx", []int{1, 1}, []float32{w})
		in[lstmRecurrentW+g] = constF32("wh", []int{1, 1}, []float32{0.5})
		in[lstmGateBias+g] = constF32("b", []int{1}, []float32{0})
	}
	in[lstmGateBias+gateOutput] = constF32("bo", []int{1}, []float32{1})
	in[lstmOutputState] = bufTensor("h", ir.Float32, []int{1, 1})
	in[lstmCellState] = bufTensor("c", ir.Float32, []int{1, 1})
	n := &Node{
		Op:  &ir.Op{Type: ir.UnidirectionalSequenceLSTM, Options: &ir.UnidirectionalSequenceLSTMOptions{Activation: ir.ActTanh}},
		In:  in,
		Out: []*ir.Tensor{bufTensor("y", ir.Float32, []int{1, 2, 1})},
		Ctx: &Context{Threads: 1},
	}
	prepareEval(t, &lstmKernel{}, n)
	want := []float32{0.27480023, -0.02640976}
	for i, got := range n.Out[0].Float32s() {
		if math.Abs(float64(got-want[i])) > 1e-6 {
			t.Errorf("output[%d] = %v, want %v", i, got, want[i])
		}
	}
	if got := n.In[lstmCellState].Float32s()[0]; math.Abs(float64(got+0.02953367)) > 1e-6 {
		t.Errorf("cell state = %v, want -0.02953367", got)
	}
	if got := n.In[lstmOutputState].Float32s()[0]; math.Abs(float64(got+0.02640976)) > 1e-6 {
		t.Errorf("output state = %v, want -0.02640976", got)
	}
}

var lstmFloatCases = []struct {
	name string
	spec lstmSpec
	in   []int
}{
	{"basic", lstmSpec{nInput: 3, nCell: 4}, []int{2, 5, 3}},
	{"cifg", lstmSpec{nInput: 3, nCell: 4, cifg: true}, []int{2, 4, 3}},
	{"peephole", lstmSpec{nInput: 3, nCell: 4, peephole: true}, []int{1, 6, 3}},
	{"cifg_peephole", lstmSpec{nInput: 2, nCell: 3, cifg: true, peephole: true}, []int{2, 3, 2}},
	{"projection", lstmSpec{nInput: 3, nCell: 5, nOutput: 2, proj: true}, []int{2, 4, 3}},
	{"projection_bias_clip", lstmSpec{nInput: 3, nCell: 5, nOutput: 3, proj: true, projBias: true, projClip: 0.2, cellClip: 0.4}, []int{2, 5, 3}},
	{"layer_norm", lstmSpec{nInput: 3, nCell: 4, layerNorm: true}, []int{2, 4, 3}},
	{"layer_norm_cifg_peephole_proj", lstmSpec{nInput: 3, nCell: 4, nOutput: 2, layerNorm: true, cifg: true, peephole: true, proj: true, projBias: true}, []int{1, 5, 3}},
	{"time_major", lstmSpec{nInput: 3, nCell: 4, timeMajor: true, peephole: true}, []int{5, 3, 3}},
	{"time_major_proj", lstmSpec{nInput: 2, nCell: 4, nOutput: 3, proj: true, timeMajor: true, cellClip: 0.5}, []int{4, 2, 2}},
}

func TestLSTMFloatMatchesReference(t *testing.T) {
	for ci, tc := range lstmFloatCases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 7))
			s := tc.spec
			s.fill(r)
			n := s.node(tc.in)
			k := &lstmKernel{}
			if err := k.Prepare(n); err != nil {
				t.Fatal(err)
			}
			nBatch := tc.in[0]
			if s.timeMajor {
				nBatch = tc.in[1]
			}
			h, c := zeros2(nBatch, s.nOutput), zeros2(nBatch, s.nCell)
			// Three invokes: the state variables carry over between them.
			for invoke := range 3 {
				x := n.In[lstmInput].Float32s()
				for i := range x {
					x[i] = float32(r.Float64()*2 - 1)
				}
				if err := k.Eval(n); err != nil {
					t.Fatal(err)
				}
				var want []float64
				want, h, c = s.reference(x, tc.in, h, c)
				compareF32(t, "output", invoke, n.Out[0].Float32s(), want, 2e-6)
				compareF32(t, "output state", invoke, n.In[lstmOutputState].Float32s(), flatten(h), 2e-6)
				compareF32(t, "cell state", invoke, n.In[lstmCellState].Float32s(), flatten(c), 2e-6)
			}
		})
	}
}

func flatten(m [][]float64) []float64 {
	var v []float64
	for _, row := range m {
		v = append(v, row...)
	}
	return v
}

func compareF32(t *testing.T, what string, invoke int, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("invoke %d: %s has %d elements, want %d", invoke, what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol || math.IsNaN(float64(got[i])) {
			t.Fatalf("invoke %d: %s[%d] = %v, want %v (diff %g)", invoke, what, i, got[i], want[i], d)
		}
	}
}

func TestLSTMFloatClipsAreActive(t *testing.T) {
	// The clipping case must actually clip, or the reference comparison above
	// would not cover it: check that some cell state sits at the clip value.
	tc := lstmFloatCases[5]
	r := rand.New(rand.NewPCG(5, 7))
	s := tc.spec
	s.fill(r)
	n := s.node(tc.in)
	x := n.In[lstmInput].Float32s()
	for i := range x {
		x[i] = float32(r.Float64()*4 - 2)
	}
	prepareEval(t, &lstmKernel{}, n)
	clipped := 0
	for _, v := range n.In[lstmCellState].Float32s() {
		if math.Abs(float64(v)) == float64(s.cellClip) {
			clipped++
		}
	}
	for _, v := range n.Out[0].Float32s() {
		if math.Abs(float64(v)) == float64(s.projClip) {
			clipped++
		}
	}
	if clipped == 0 {
		t.Fatal("no value reached cell_clip or proj_clip; the test inputs do not exercise clipping")
	}
}

func TestLSTMFloatEvalDoesNotAllocate(t *testing.T) {
	tc := lstmFloatCases[7]
	r := rand.New(rand.NewPCG(1, 1))
	s := tc.spec
	s.fill(r)
	n := s.node(tc.in)
	k := &lstmKernel{}
	if err := k.Prepare(n); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(10, func() { _ = k.Eval(n) }); a != 0 {
		t.Fatalf("Eval allocates %v times per run", a)
	}
}

func TestLSTMPrepareErrors(t *testing.T) {
	base := func() (*lstmSpec, *Node) {
		s := &lstmSpec{nInput: 3, nCell: 4, peephole: true}
		s.fill(rand.New(rand.NewPCG(3, 3)))
		return s, s.node([]int{1, 2, 3})
	}
	cases := []struct {
		name, want string
		edit       func(n *Node)
	}{
		{"too few inputs", "expects 20 or 24 inputs", func(n *Node) { n.In = n.In[:19] }},
		{"no options", "missing UnidirectionalSequenceLSTM options", func(n *Node) { n.Op.Options = nil }},
		{"input rank", "rank 2 or 3", func(n *Node) { n.In[0].Shape = []int{1, 2, 3, 1} }},
		{"weights shape", "input 2", func(n *Node) { n.In[2].Shape = []int{4, 2} }},
		{"half cifg", "both present or both absent", func(n *Node) { n.In[lstmRecurrentW] = nil }},
		{"partial peephole", "peephole", func(n *Node) { n.In[lstmCellToForget] = nil }},
		{"missing forget bias", "required input 13", func(n *Node) { n.In[13] = nil }},
		{"state size", "output state", func(n *Node) { n.In[lstmOutputState].Shape = []int{1, 3} }},
		{"output shape", "output \"output\" has shape", func(n *Node) { n.Out[0].Shape = []int{1, 2, 5} }},
		{"negative clip", "must not be negative", func(n *Node) {
			n.Op.Options.(*ir.UnidirectionalSequenceLSTMOptions).CellClip = -1
		}},
		{"bias type", "is int32, want float32", func(n *Node) { n.In[lstmGateBias+gateCell].Type = ir.Int32 }},
		{"variable weights", "must be a constant", func(n *Node) { n.In[lstmRecurrentW+gateCell].Data = nil }},
		{"input type", "not supported", func(n *Node) { n.In[0].Type = ir.Int16 }},
		{"activation", "activation", func(n *Node) {
			n.Op.Options.(*ir.UnidirectionalSequenceLSTMOptions).Activation = ir.Activation(9)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, n := base()
			tc.edit(n)
			err := (&lstmKernel{}).Prepare(n)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Prepare error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
