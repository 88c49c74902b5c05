package runtime

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/liteforge/liteforge/ir"
)

// graphBuilder assembles small graphs for the tests.
type graphBuilder struct{ g *ir.Graph }

func newGraph() *graphBuilder { return &graphBuilder{g: &ir.Graph{Name: "main"}} }

func (b *graphBuilder) tensor(name string, dt ir.DataType, shape ...int) int {
	return b.g.AddTensor(&ir.Tensor{Name: name, Type: dt, Shape: shape, HasRank: true})
}

func (b *graphBuilder) constF32(name string, shape []int, v ...float32) int {
	t := b.tensor(name, ir.Float32, shape...)
	b.g.Tensors[t].Data = ir.Float32Bytes(v)
	return t
}

func (b *graphBuilder) constI32(name string, v ...int32) int {
	t := b.tensor(name, ir.Int32, len(v))
	b.g.Tensors[t].Data = ir.Int32Bytes(v)
	return t
}

func (b *graphBuilder) custom(name string, in []int, out ...int) *ir.Op {
	op := &ir.Op{Type: ir.Custom, Custom: name, Version: 1, Inputs: in, Outputs: out}
	b.g.Ops = append(b.g.Ops, op)
	return op
}

func (b *graphBuilder) builtin(t ir.OpType, o ir.Options, in []int, out ...int) *ir.Op {
	op := &ir.Op{Type: t, Version: 1, Inputs: in, Outputs: out, Options: o}
	b.g.Ops = append(b.g.Ops, op)
	return op
}

func (b *graphBuilder) model(inputs, outputs []int) *ir.Model {
	b.g.Inputs, b.g.Outputs = inputs, outputs
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{b.g}}
}

// chainModel is x -> lf_scale2 -> ... (n ops) -> y on [1, width] float32.
func chainModel(n, width int) *ir.Model {
	b := newGraph()
	prev := b.tensor("x", ir.Float32, 1, width)
	x := prev
	for i := range n {
		next := b.tensor("t"+string(rune('a'+i)), ir.Float32, 1, width)
		b.custom("lf_scale2", []int{prev}, next)
		prev = next
	}
	return b.model([]int{x}, []int{prev})
}

func mustNew(t testing.TB, m *ir.Model, opts ...Option) *Interpreter {
	t.Helper()
	it, err := New(m, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func fill(t *ir.Tensor, v ...float32) { copy(t.Float32s(), v) }

func wantFloats(t *testing.T, got []float32, want ...float32) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestChainRunsAndSharesArena(t *testing.T) {
	it := mustNew(t, chainModel(4, 256))
	x := it.Input(0)
	for i := range 256 {
		x.Float32s()[i] = float32(i)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	y := it.Output(0).Float32s()
	for i, v := range y {
		if v != 16*float32(i) {
			t.Fatalf("y[%d] = %v, want %v", i, v, 16*float32(i))
		}
	}
	// x lives through every step (0-3); ta lives at steps 0-1, tb 1-2, tc
	// 2-3 and y (an output: kept to the end) at 3. ta and tc can share a
	// buffer, tb and y another: three 1 KiB buffers for five tensors.
	if got, want := it.ArenaSize(), 3*1024; got != want {
		t.Errorf("arena %d bytes, want %d", got, want)
	}
	if got := it.Memory().Activations; got != 5*1024 {
		t.Errorf("activations %d bytes, want %d", got, 5*1024)
	}
	ta, tb, tc, y4 := it.Tensor(1), it.Tensor(2), it.Tensor(3), it.Tensor(4)
	if &ta.Data[0] != &tc.Data[0] || &tb.Data[0] != &y4.Data[0] {
		t.Error("ta and tc, or tb and y, do not share memory")
	}
	checkNoLiveOverlap(t, it)
}

// checkNoLiveOverlap recomputes every arena tensor's lifetime from the graph
// and checks that no two tensors live at the same step share a byte, except
// the input and output of a RESHAPE, SQUEEZE or EXPAND_DIMS, which hold the
// same bytes and may share one buffer for the union of their lifetimes. It
// returns a lower bound of any such arena: the largest sum, over the steps,
// of the aligned sizes of the buffers live at that step.
func checkNoLiveOverlap(t *testing.T, it *Interpreter) (bound int) {
	t.Helper()
	type life struct{ first, last int }
	lives := map[int]*life{}
	group := map[int]int{} // reshape-family output -> the tensor it may alias
	root := func(ti int) int {
		for {
			r, ok := group[ti]
			if !ok {
				return ti
			}
			ti = r
		}
	}
	step := 0
	for i := range it.ops {
		s := &it.ops[i]
		if s.folded {
			continue
		}
		for _, ti := range slices.Concat(s.op.Inputs, s.op.Outputs) {
			if ti < 0 || it.TensorKind(ti) != "arena" {
				continue
			}
			if l, ok := lives[ti]; ok {
				l.last = step
			} else {
				lives[ti] = &life{step, step}
			}
		}
		switch s.op.Type {
		case ir.Reshape, ir.Squeeze, ir.ExpandDims:
			if in, out := s.op.Inputs[0], s.op.Outputs[0]; it.TensorKind(in) == "arena" && it.TensorKind(out) == "arena" {
				group[out] = root(in)
			}
		}
		step++
	}
	for _, ti := range it.inputs {
		if l, ok := lives[ti]; ok {
			l.first, l.last = 0, step-1
		}
	}
	for _, ti := range it.outputs {
		if l, ok := lives[ti]; ok {
			l.last = step - 1
		}
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(it.arena)))
	span := func(ti int) (uintptr, uintptr) {
		d := it.tensors[ti].Data
		p := uintptr(unsafe.Pointer(unsafe.SliceData(d)))
		return p - base, p - base + uintptr(len(d))
	}
	for st := range step {
		sum, seen := 0, map[int]bool{}
		for ti, l := range lives {
			if r := root(ti); l.first <= st && st <= l.last && !seen[r] {
				// A group's buffer is live while any member is.
				seen[r] = true
				sum += alignUp(len(it.tensors[ti].Data))
			}
		}
		bound = max(bound, sum)
	}
	if it.ArenaSize() < bound {
		t.Errorf("arena %d bytes is below the %d bytes live at once", it.ArenaSize(), bound)
	}
	for a, la := range lives {
		s0, e0 := span(a)
		if s0%arenaAlignment != 0 || e0 > uintptr(len(it.arena)) {
			t.Errorf("tensor %d at [%d, %d) is misaligned or outside the %d-byte arena", a, s0, e0, len(it.arena))
		}
		for b, lb := range lives {
			if a >= b || la.last < lb.first || lb.last < la.first {
				continue
			}
			s1, e1 := span(b)
			if root(a) == root(b) {
				if s0 != s1 {
					t.Errorf("tensors %d and %d may alias and live together, but the second has its own memory", a, b)
				}
				continue
			}
			if s0 < e1 && s1 < e0 && e0 > s0 && e1 > s1 {
				t.Errorf("tensors %d %v and %d %v live together and overlap in memory", a, *la, b, *lb)
			}
		}
	}
	return bound
}

func TestInvokeDoesNotAllocate(t *testing.T) {
	it := mustNew(t, chainModel(6, 64))
	if n := testing.AllocsPerRun(100, func() {
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Invoke allocates %v times per run", n)
	}
	var total time.Duration
	it = mustNew(t, chainModel(6, 64), WithProfiler(func(_ int, _ *ir.Op, d time.Duration) { total += d }))
	if n := testing.AllocsPerRun(100, func() { _ = it.Invoke() }); n != 0 {
		t.Errorf("Invoke with a profiler allocates %v times per run", n)
	}
}

func TestConcurrentInterpreters(t *testing.T) {
	m := chainModel(3, 32)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := New(m, WithThreads(1+g%2))
			if err != nil {
				errs <- err
				return
			}
			for r := range 50 {
				x := it.Input(0).Float32s()
				for i := range x {
					x[i] = float32(g*1000 + r + i)
				}
				if err := it.Invoke(); err != nil {
					errs <- err
					return
				}
				for i, v := range it.Output(0).Float32s() {
					if want := 8 * float32(g*1000+r+i); v != want {
						errs <- errors.New("wrong output under concurrency")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The model is untouched.
	for _, tt := range m.Graphs[0].Tensors {
		if tt.Data != nil {
			t.Fatalf("tensor %q of the shared model got data", tt.Name)
		}
	}
}

func TestUnsupportedOpsListedTogether(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 2)
	t1 := b.tensor("t1", ir.Float32, 2)
	t2 := b.tensor("t2", ir.Float32, 2)
	t3 := b.tensor("t3", ir.Float32, 2)
	t4 := b.tensor("t4", ir.Float32, 2)
	b.custom("lf_missing_a", []int{x}, t1)
	b.custom("lf_missing_b", []int{t1}, t2)
	b.custom("lf_missing_a", []int{t2}, t3)
	b.builtin(ir.StablehloRngBitGenerator, nil, []int{t3}, t4)
	_, err := New(b.model([]int{x}, []int{t4}))
	if err == nil {
		t.Fatal("New succeeded")
	}
	for _, want := range []string{"lf_missing_a (2)", "lf_missing_b (1)", "STABLEHLO_RNG_BIT_GENERATOR (1)", "3 op type(s)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestKernelErrorNamesOp(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 2)
	t1 := b.tensor("t1", ir.Float32, 2)
	y := b.tensor("y", ir.Float32, 2)
	b.custom("lf_scale2", []int{x}, t1)
	b.custom("lf_fail", []int{t1}, y)
	it := mustNew(t, b.model([]int{x}, []int{y}))
	err := it.Invoke()
	if err == nil || !strings.Contains(err.Error(), "op 1 (lf_fail): boom") {
		t.Fatalf("got %v, want an error naming op 1 (lf_fail)", err)
	}
}

func TestContextReachesKernels(t *testing.T) {
	b := newGraph()
	y := b.tensor("y", ir.Float32, 2)
	b.custom("lf_context", nil, y)
	m := b.model(nil, []int{y})
	it := mustNew(t, m, WithThreads(3), WithRounding(SingleRounding))
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 3, float32(SingleRounding))
	it = mustNew(t, m)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 1, float32(DoubleRounding))
	if _, err := New(m, WithThreads(0)); err == nil {
		t.Error("WithThreads(0) accepted")
	}
}

func TestWarningsOnce(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 2)
	y := b.tensor("y", ir.Float32, 2)
	b.custom("lf_warn", []int{x}, y)
	var got []string
	it := mustNew(t, b.model([]int{x}, []int{y}), WithWarnings(func(m string) { got = append(got, m) }))
	for range 3 {
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, []string{"model quirk in op 0"}) {
		t.Fatalf("warnings %q, want the one message once", got)
	}
}

func TestQuantizationChecked(t *testing.T) {
	build := func(q *ir.Quantization, dt ir.DataType, shape []int) *ir.Model {
		b := newGraph()
		x := b.tensor("x", dt, shape...)
		y := b.tensor("q_out", dt, shape...)
		b.g.Tensors[y].Quant = q
		b.custom("lf_int8_copy", []int{x}, y)
		return b.model([]int{x}, []int{y})
	}
	pt := func(s float32, z int64) *ir.Quantization {
		return &ir.Quantization{Scale: []float32{s}, ZeroPoint: []int64{z}}
	}
	for _, c := range []struct {
		name       string
		q          *ir.Quantization
		dt         ir.DataType
		shape      []int
		want       string // "" means accepted
		structural bool   // caught by Model.Validate too
	}{
		{"good int8", pt(0.5, -3), ir.Int8, []int{4}, "", false},
		{"good uint8", pt(0.5, 200), ir.Uint8, []int{4}, "", false},
		{"zero scale", pt(0, 0), ir.Int8, []int{4}, "scale 0 is 0", false},
		{"negative scale", pt(-1, 0), ir.Int16, []int{4}, "scale 0 is -1", false},
		{"nan scale", pt(float32(math.NaN()), 0), ir.Int8, []int{4}, "scale 0 is NaN", false},
		{"inf scale", pt(float32(math.Inf(1)), 0), ir.Uint8, []int{4}, "scale 0 is +Inf", false},
		{"int8 zero point", pt(1, 128), ir.Int8, []int{4}, "zero point 0 is 128", false},
		{"uint8 zero point", pt(1, -1), ir.Uint8, []int{4}, "zero point 0 is -1", false},
		{"int16 zero point", pt(1, 40000), ir.Int16, []int{4}, "zero point 0 is 40000", false},
		{"per-axis count", &ir.Quantization{Scale: []float32{1, 1, 1}, ZeroPoint: []int64{0, 0, 0}, Axis: 1}, ir.Int8, []int{2, 4}, "3 per-axis scales for dimension 1 of size 4", true},
		{"per-axis dimension", &ir.Quantization{Scale: []float32{1, 1}, ZeroPoint: []int64{0, 0}, Axis: 2}, ir.Int8, []int{2, 4}, "quantized dimension 2 is outside", true},
		{"zero point count", &ir.Quantization{Scale: []float32{1, 1}, ZeroPoint: []int64{0}, Axis: 0}, ir.Int8, []int{2, 4}, "2 scales and 1 zero points", true},
		{"int32 not checked", pt(0, 0), ir.Int32, []int{4}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := build(c.q, c.dt, c.shape)
			_, err := New(m)
			if c.structural {
				// Model.Validate rejects these itself; bypass it to
				// reach the runtime's own check.
				_, err = newUnvalidated(m)
			}
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `tensor 1 ("q_out")`) || !strings.Contains(err.Error(), "op 0 (lf_int8_copy)") {
				t.Fatalf("got %v, want an error naming op 0, tensor 1 (\"q_out\") and %q", err, c.want)
			}
		})
	}
}

// newUnvalidated is New without the model's structural validation, to test
// the runtime's checks on models Validate already rejects.
func newUnvalidated(m *ir.Model, opts ...Option) (*Interpreter, error) { return build(m, false, opts) }

// A rank-1 bias with per-axis parameters on dimension 3 (TFLite Micro's
// person_detect has one) runs, on dimension 0, with one warning.
func TestBiasQuantizedDimensionBeyondRank(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Int8, 3)
	y := b.tensor("y", ir.Int8, 3)
	bias := b.tensor("bias", ir.Int32, 3)
	b.g.Tensors[bias].Data = ir.Int32Bytes([]int32{1, 2, 3})
	b.g.Tensors[bias].Quant = &ir.Quantization{Scale: []float32{1, 2, 3}, ZeroPoint: []int64{0, 0, 0}, Axis: 3}
	b.custom("lf_int8_copy", []int{x, bias}, y)
	m := b.model([]int{x}, []int{y})
	var warnings []string
	it, err := New(m, WithWarnings(func(s string) { warnings = append(warnings, s) }))
	if err != nil {
		t.Fatal(err)
	}
	if q := it.Tensor(bias).Quant; q.Axis != 0 {
		t.Errorf("interpreter's bias has quantized dimension %d, want 0", q.Axis)
	}
	if m.Graphs[0].Tensors[bias].Quant.Axis != 3 {
		t.Error("the shared model's quantization was changed")
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"bias"`) {
		t.Errorf("warnings %q, want one naming the bias", warnings)
	}
}

func TestConstantsUsedInPlace(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 4)
	c := b.constF32("c", []int{4}, 1, 2, 3, 4)
	y := b.tensor("y", ir.Float32, 4)
	b.custom("lf_add", []int{x, c}, y)
	m := b.model([]int{x}, []int{y})

	// A misaligned copy of the same constant (offset by one byte in a larger
	// buffer, as inside a file) is copied once to an aligned buffer.
	raw := make([]byte, 17)
	copy(raw[1:], m.Graphs[0].Tensors[c].Data)
	m2 := m.Clone()
	m2.Graphs[0].Tensors[c].Data = raw[1:]

	it := mustNew(t, m)
	if &it.Tensor(c).Data[0] != &m.Graphs[0].Tensors[c].Data[0] {
		t.Error("the constant was copied")
	}
	if st := it.Memory(); st.Weights != 16 || st.Persistent != 0 {
		t.Errorf("memory %+v, want 16 weight bytes and nothing persistent", st)
	}
	it2 := mustNew(t, m2)
	if &it2.Tensor(c).Data[0] == &raw[1] {
		t.Error("the misaligned constant was not copied")
	}
	if st := it2.Memory(); st.Weights != 0 || st.Persistent != 16 {
		t.Errorf("memory %+v, want the 16 bytes counted as persistent", st)
	}
	for _, i := range []*Interpreter{it, it2} {
		fill(i.Input(0), 10, 20, 30, 40)
		if err := i.Invoke(); err != nil {
			t.Fatal(err)
		}
		wantFloats(t, i.Output(0).Float32s(), 11, 22, 33, 44)
	}
}

// DEQUANTIZE of float16 weights runs once at prepare and not at Invoke.
func TestConstantFolding(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 4)
	w16 := b.tensor("w16", ir.Float16, 4)
	// 1.0, 2.0, -0.5, 0.25 in IEEE binary16.
	b.g.Tensors[w16].Data = ir.Int16Bytes([]int16{0x3C00, 0x4000, -0x4800, 0x3400})
	w := b.tensor("w", ir.Float32, 4)
	y := b.tensor("y", ir.Float32, 4)
	b.builtin(ir.Dequantize, nil, []int{w16}, w)
	b.builtin(ir.Add, &ir.AddOptions{}, []int{x, w}, y)
	var ran []int
	it := mustNew(t, b.model([]int{x}, []int{y}), WithProfiler(func(i int, _ *ir.Op, _ time.Duration) { ran = append(ran, i) }))
	if k := it.TensorKind(w); k != "folded" {
		t.Errorf("DEQUANTIZE output is %s, want folded", k)
	}
	wantFloats(t, it.Tensor(w).Float32s(), 1, 2, -0.5, 0.25)
	fill(it.Input(0), 1, 1, 1, 1)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 2, 3, 0.5, 1.25)
	if !slices.Equal(ran, []int{1}) {
		t.Errorf("Invoke ran ops %v, want only op 1 (ADD)", ran)
	}
	if st := it.Memory(); st.Persistent < 16 {
		t.Errorf("memory %+v: the 16 folded bytes are not counted as persistent", st)
	}
}

// SHAPE of a tensor of known shape folds, so a RESHAPE fed by it has a
// static shape at prepare and takes its place in the arena.
func TestShapeFolding(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 2, 3)
	z := b.tensor("z", ir.Float32, 3, 2)
	s := b.tensor("s", ir.Int32, 2)
	r := b.tensor("r", ir.Float32, 1)
	b.builtin(ir.Shape, &ir.ShapeOptions{OutType: ir.Int32}, []int{z}, s)
	b.builtin(ir.Reshape, nil, []int{x, s}, r)
	it := mustNew(t, b.model([]int{x, z}, []int{r}))
	if k := it.TensorKind(s); k != "folded" {
		t.Errorf("SHAPE output is %s, want folded", k)
	}
	if k := it.TensorKind(r); k != "arena" {
		t.Errorf("RESHAPE output is %s, want arena", k)
	}
	if got := it.Output(0).Shape; !slices.Equal(got, []int{3, 2}) {
		t.Errorf("output shape %v before Invoke, want [3 2]", got)
	}
	fill(it.Input(0), 1, 2, 3, 4, 5, 6)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 1, 2, 3, 4, 5, 6)
}

// A RESHAPE whose shape is a graph input is resolved at every Invoke.
func TestDynamicShapes(t *testing.T) {
	for _, op := range []string{"builtin", "custom"} {
		t.Run(op, func(t *testing.T) {
			b := newGraph()
			x := b.tensor("x", ir.Float32, 6)
			s := b.tensor("s", ir.Int32, 2)
			r := b.tensor("r", ir.Float32, 6)
			y := b.tensor("y", ir.Float32, 6)
			if op == "builtin" {
				b.builtin(ir.Reshape, nil, []int{x, s}, r)
			} else {
				b.custom("lf_reshape", []int{x, s}, r)
			}
			b.custom("lf_scale2", []int{r}, y)
			it := mustNew(t, b.model([]int{x, s}, []int{y}))
			if k := it.TensorKind(r); k != "dynamic" {
				t.Fatalf("reshape output is %s, want dynamic", k)
			}
			fill(it.Input(0), 1, 2, 3, 4, 5, 6)
			for _, shape := range [][]int32{{2, 3}, {3, 2}, {6, 1}} {
				copy(ir.AsInt32(it.Input(1).Data), shape)
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
				if got := it.Output(0).Shape; !slices.Equal(got, []int{int(shape[0]), int(shape[1])}) {
					t.Fatalf("output shape %v, want %v", got, shape)
				}
				wantFloats(t, it.Output(0).Float32s(), 2, 4, 6, 8, 10, 12)
			}
			if st := it.Memory(); st.Persistent < 48 {
				t.Errorf("memory %+v: dynamic tensors not counted", st)
			}
			copy(ir.AsInt32(it.Input(1).Data), []int32{4, 2})
			if err := it.Invoke(); err == nil || !strings.Contains(err.Error(), "op 0") {
				t.Fatalf("got %v, want an error naming op 0 for a shape of 8 elements", err)
			}
		})
	}
}

func TestResizeInput(t *testing.T) {
	it := mustNew(t, chainModel(2, 4))
	if err := it.ResizeInput(0, []int{3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := it.AllocateTensors(); err != nil {
		t.Fatal(err)
	}
	x := it.Input(0)
	if len(x.Data) != 48 {
		t.Fatalf("input has %d bytes after resizing to [3 4], want 48", len(x.Data))
	}
	for i := range 12 {
		x.Float32s()[i] = float32(i)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got := it.Output(0).Shape; !slices.Equal(got, []int{3, 4}) {
		t.Fatalf("output shape %v, want [3 4]", got)
	}
	for i, v := range it.Output(0).Float32s() {
		if v != 4*float32(i) {
			t.Fatalf("y[%d] = %v, want %v", i, v, 4*float32(i))
		}
	}
	if got, want := it.ArenaSize(), 3*alignUp(48); got != want {
		t.Errorf("arena %d bytes, want %d", got, want)
	}
	// Lazily: resize, then Invoke re-plans (the new input is zeros).
	if err := it.ResizeInput(0, []int{2, 4}); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got := it.Output(0).Shape; !slices.Equal(got, []int{2, 4}) {
		t.Fatalf("output shape %v, want [2 4]", got)
	}
	// A caller's buffer of the wrong size is refused.
	it.Input(0).Data = make([]byte, 12)
	if err := it.Invoke(); err == nil || !strings.Contains(err.Error(), "input 0") {
		t.Fatalf("got %v, want an error about input 0's size", err)
	}
	if err := it.ResizeInput(1, []int{1}); err == nil {
		t.Error("resizing a missing input succeeded")
	}
	if err := it.ResizeInput(0, []int{-1, 4}); err == nil {
		t.Error("a negative dimension was accepted")
	}
}

func TestVariables(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 2)
	st := b.tensor("state", ir.Float32, 2)
	b.g.Tensors[st].IsVariable = true
	b.g.Tensors[st].Data = ir.Float32Bytes([]float32{100, 200})
	y := b.tensor("y", ir.Float32, 2)
	b.custom("lf_accumulate", []int{x, st}, y)
	m := b.model([]int{x}, []int{y})
	it := mustNew(t, m)
	fill(it.Input(0), 1, 2)
	for _, want := range [][]float32{{101, 202}, {102, 204}, {103, 206}} {
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		wantFloats(t, it.Output(0).Float32s(), want...)
	}
	it.ResetVariables()
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 101, 202)
	wantFloats(t, ir.AsFloat32(m.Graphs[0].Tensors[st].Data), 100, 200)
	if k := it.TensorKind(st); k != "variable" {
		t.Errorf("state is %s, want variable", k)
	}

	// Without a buffer, a variable starts at zero.
	m.Graphs[0].Tensors[st].Data = nil
	it = mustNew(t, m)
	fill(it.Input(0), 1, 2)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 1, 2)
}

// TestInt8VariablesStartAtZeroPoint: TFLite's ResetVariableTensor fills an
// int8 variable without a buffer with its zero point (the quantized 0.0), and
// every other variable with zero bytes.
func TestInt8VariablesStartAtZeroPoint(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Int8, 3)
	s8 := b.tensor("state8", ir.Int8, 3)
	s16 := b.tensor("state16", ir.Int16, 3)
	y := b.tensor("y", ir.Int8, 3)
	for _, ti := range []int{x, y} {
		b.g.Tensors[ti].Quant = &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{0}}
	}
	b.g.Tensors[s8].IsVariable = true
	b.g.Tensors[s8].Quant = &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-3}}
	b.g.Tensors[s16].IsVariable = true
	b.g.Tensors[s16].Quant = &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{0}}
	b.custom("lf_int8_copy", []int{x, s8, s16}, y)
	it := mustNew(t, b.model([]int{x}, []int{y}))
	check := func(when string) {
		t.Helper()
		for i, v := range it.Tensor(s8).Data {
			if int8(v) != -3 {
				t.Fatalf("%s: int8 state element %d is %d, want its zero point -3", when, i, int8(v))
			}
		}
		for i, v := range it.Tensor(s16).Data {
			if v != 0 {
				t.Fatalf("%s: int16 state byte %d is %d, want 0", when, i, v)
			}
		}
	}
	check("after New")
	for i := range it.Tensor(s8).Data {
		it.Tensor(s8).Data[i] = 77
		it.Tensor(s16).Data[i] = 77
	}
	it.ResetVariables()
	check("after ResetVariables")
}

func TestProfilerSeesEveryOp(t *testing.T) {
	type rec struct {
		i  int
		op string
	}
	var got []rec
	it := mustNew(t, chainModel(3, 8), WithProfiler(func(i int, op *ir.Op, d time.Duration) {
		if d < 0 {
			t.Errorf("negative duration %v", d)
		}
		got = append(got, rec{i, op.Name()})
	}))
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if want := []rec{{0, "lf_scale2"}, {1, "lf_scale2"}, {2, "lf_scale2"}}; !slices.Equal(got, want) {
		t.Fatalf("profiled %v, want %v", got, want)
	}
}

func TestSignatureAndSubgraphSelection(t *testing.T) {
	m := chainModel(1, 2)
	g1 := newGraph()
	a := g1.tensor("a", ir.Float32, 2)
	bb := g1.tensor("b", ir.Float32, 2)
	c := g1.tensor("c", ir.Float32, 2)
	g1.custom("lf_add", []int{a, bb}, c)
	g1.g.Inputs, g1.g.Outputs = []int{a, bb}, []int{c}
	m.Graphs = append(m.Graphs, g1.g)
	m.SignatureDefs = []ir.SignatureDef{{Key: "sum", Graph: 1,
		Inputs:  []ir.SignatureTensor{{Name: "rhs", Tensor: bb}, {Name: "lhs", Tensor: a}},
		Outputs: []ir.SignatureTensor{{Name: "total", Tensor: c}}}}

	it := mustNew(t, m, WithSignature("sum"))
	if it.NumInputs() != 2 || it.InputIndex("lhs") != 1 || it.InputIndex("rhs") != 0 || it.OutputIndex("total") != 0 || it.InputIndex("x") != -1 {
		t.Fatalf("signature inputs: lhs %d rhs %d total %d", it.InputIndex("lhs"), it.InputIndex("rhs"), it.OutputIndex("total"))
	}
	fill(it.Input(it.InputIndex("lhs")), 1, 2)
	fill(it.Input(it.InputIndex("rhs")), 10, 20)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 11, 22)

	it = mustNew(t, m, WithSubgraph(1))
	if it.InputIndex("a") != 0 || it.InputName(1) != "b" {
		t.Errorf("subgraph 1 inputs named %q, %q", it.InputName(0), it.InputName(1))
	}
	it = mustNew(t, m)
	if it.InputIndex("x") != 0 || it.OutputName(0) != "ta" {
		t.Errorf("subgraph 0: input x at %d, output named %q", it.InputIndex("x"), it.OutputName(0))
	}
	if _, err := New(m, WithSignature("nope")); err == nil || !strings.Contains(err.Error(), `"sum"`) {
		t.Errorf("unknown signature: %v", err)
	}
	if _, err := New(m, WithSubgraph(2)); err == nil {
		t.Error("subgraph 2 of 2 accepted")
	}
}

func TestInvokeContextCancelled(t *testing.T) {
	it := mustNew(t, chainModel(2, 4))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := it.InvokeContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestPreserveAllTensors(t *testing.T) {
	it := mustNew(t, chainModel(4, 4), WithPreserveAllTensors())
	fill(it.Input(0), 1, 2, 3, 4)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	for ti, scale := range map[int]float32{1: 2, 2: 4, 3: 8, 4: 16} {
		wantFloats(t, it.Tensor(ti).Float32s(), scale, 2*scale, 3*scale, 4*scale)
	}
	if got, want := it.ArenaSize(), 5*alignUp(16); got != want {
		t.Errorf("arena %d bytes, want %d (no sharing)", got, want)
	}
}

func TestMalformedModel(t *testing.T) {
	if _, err := New(&ir.Model{}); err == nil {
		t.Error("a model without subgraphs was accepted")
	}
	m := chainModel(2, 4)
	m.Graphs[0].Ops[1].Inputs[0] = 9
	if _, err := New(m); err == nil || !strings.Contains(err.Error(), "op 1") {
		t.Errorf("got %v, want an error naming op 1", err)
	}
}

// RESHAPE's output shares its input's buffer (nothing writes either after
// the reshape), so the arena needs no room for it.
func TestReshapeSharesMemory(t *testing.T) {
	b := newGraph()
	x := b.tensor("x", ir.Float32, 2, 2)
	a := b.tensor("a", ir.Float32, 2, 2)
	shape := b.constI32("shape", 4)
	r := b.tensor("r", ir.Float32, 4)
	y := b.tensor("y", ir.Float32, 4)
	b.custom("lf_scale2", []int{x}, a)
	b.builtin(ir.Reshape, nil, []int{a, shape}, r)
	b.custom("lf_scale2", []int{r}, y)
	it := mustNew(t, b.model([]int{x}, []int{y}))
	if &it.Tensor(a).Data[0] != &it.Tensor(r).Data[0] {
		t.Error("RESHAPE's output does not share its input's memory")
	}
	// x, a/r and y: three 16-byte tensors in 64-byte slots.
	if got, want := it.ArenaSize(), 3*arenaAlignment; got != want {
		t.Errorf("arena %d bytes, want %d", got, want)
	}
	fill(it.Input(0), 1, 2, 3, 4)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantFloats(t, it.Output(0).Float32s(), 4, 8, 12, 16)
	checkNoLiveOverlap(t, it)
}
