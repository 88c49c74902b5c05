package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
)

// tensorKind says where a tensor's memory comes from.
type tensorKind uint8

const (
	kindActivation tensorKind = iota // in the arena
	kindConstant                     // the model's data, used in place
	kindVariable                     // persistent, written by ops
	kindFolded                       // computed once at prepare, persistent
	kindDynamic                      // shape known only at invoke; outside the arena
)

// opState is one op of the interpreter, in execution order.
type opState struct {
	index   int // in the graph
	op      *ir.Op
	kernel  kernels.Kernel
	node    kernels.Node
	folded  bool // ran at prepare; Invoke skips it
	dynamic bool // shapes resolved at invoke
	// hidden holds, during a dynamic op's Prepare, the data of its computed
	// inputs, hidden so that the kernel does not take them for constants.
	hidden [][]byte
}

// Interpreter runs one subgraph of a model. See the package comment.
type Interpreter struct {
	model    *ir.Model
	graph    *ir.Graph
	gi       int
	cfg      config
	ctx      kernels.Context
	tensors  []*ir.Tensor
	kinds    []tensorKind
	ops      []opState
	inputs   []int    // tensor indices, in the interpreter's input order
	outputs  []int    // tensor indices
	inNames  []string // signature names (or tensor names)
	outNames []string
	inBytes  []int // expected byte size of each input, checked by Invoke

	// memory
	arena       []byte
	arenaSize   int
	activations int      // bytes of arena tensors without any sharing
	persistent  [][]byte // variables, folded outputs, aligned constant copies
	varInit     [][]byte // initial values of variables, per tensor (nil: zeros)
	dynBuf      [][]byte // per tensor: reusable buffer of a dynamic tensor
	needPlan    bool
	warnMu      sync.Mutex
	warned      map[string]bool
}

// New prepares an interpreter for m: it resolves a kernel for every op (an
// error lists every op type that has none, with counts), copies the tensors
// it will write, infers shapes, checks quantization parameters, folds ops
// whose inputs are all constant, plans the arena and prepares the kernels.
func New(m *ir.Model, opts ...Option) (*Interpreter, error) { return build(m, true, opts) }

// build is New, with the model's structural validation optional so that
// tests can reach the runtime's own checks.
func build(m *ir.Model, validate bool, opts []Option) (*Interpreter, error) {
	cfg := config{threads: 1, rounding: DoubleRounding}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if m == nil || len(m.Graphs) == 0 {
		return nil, errors.New("runtime: model has no subgraphs")
	}
	it := &Interpreter{model: m, cfg: cfg, warned: map[string]bool{}}
	if err := it.selectGraph(); err != nil {
		return nil, err
	}
	if validate {
		if err := m.ValidateGraph(it.gi); err != nil {
			return nil, fmt.Errorf("runtime: %w", err)
		}
	}
	it.ctx = kernels.Context{Threads: cfg.threads, Rounding: cfg.rounding, Kernels: cfg.kernelSet, Warnf: it.warnf}
	if err := it.resolveKernels(); err != nil {
		return nil, err
	}
	it.copyTensors()
	if err := it.AllocateTensors(); err != nil {
		return nil, err
	}
	return it, nil
}

// selectGraph picks the subgraph and the input/output lists from the options.
func (it *Interpreter) selectGraph() error {
	m, cfg := it.model, it.cfg
	if cfg.signature != "" {
		var sig *ir.SignatureDef
		for i := range m.SignatureDefs {
			if m.SignatureDefs[i].Key == cfg.signature {
				sig = &m.SignatureDefs[i]
			}
		}
		if sig == nil {
			keys := make([]string, len(m.SignatureDefs))
			for i, s := range m.SignatureDefs {
				keys[i] = s.Key
			}
			return fmt.Errorf("runtime: no signature %q (the model has %q)", cfg.signature, keys)
		}
		if cfg.hasGraphIndex && cfg.graph != sig.Graph {
			return fmt.Errorf("runtime: signature %q runs subgraph %d, not subgraph %d", cfg.signature, sig.Graph, cfg.graph)
		}
		if sig.Graph < 0 || sig.Graph >= len(m.Graphs) {
			return fmt.Errorf("runtime: signature %q refers to subgraph %d, the model has %d", cfg.signature, sig.Graph, len(m.Graphs))
		}
		it.gi, it.graph = sig.Graph, m.Graphs[sig.Graph]
		for _, st := range sig.Inputs {
			it.inputs = append(it.inputs, st.Tensor)
			it.inNames = append(it.inNames, st.Name)
		}
		for _, st := range sig.Outputs {
			it.outputs = append(it.outputs, st.Tensor)
			it.outNames = append(it.outNames, st.Name)
		}
		return nil
	}
	if cfg.graph < 0 || cfg.graph >= len(m.Graphs) {
		return fmt.Errorf("runtime: subgraph %d out of range (the model has %d)", cfg.graph, len(m.Graphs))
	}
	it.gi, it.graph = cfg.graph, m.Graphs[cfg.graph]
	it.inputs = slices.Clone(it.graph.Inputs)
	it.outputs = slices.Clone(it.graph.Outputs)
	for _, t := range it.inputs {
		if t >= 0 && t < len(it.graph.Tensors) {
			it.inNames = append(it.inNames, it.graph.Tensors[t].Name)
		}
	}
	for _, t := range it.outputs {
		if t >= 0 && t < len(it.graph.Tensors) {
			it.outNames = append(it.outNames, it.graph.Tensors[t].Name)
		}
	}
	return nil
}

// resolveKernels makes one kernel per op, in execution order, and reports
// every op type without a kernel at once.
func (it *Interpreter) resolveKernels() error {
	g := it.graph
	order, err := g.TopoOrder()
	if err != nil {
		return fmt.Errorf("runtime: %w", err)
	}
	missing := map[string]int{}
	it.ops = make([]opState, len(order))
	for i, oi := range order {
		op := g.Ops[oi]
		f, ok := kernels.LookupOp(op)
		if !ok {
			missing[op.Name()]++
			continue
		}
		it.ops[i] = opState{index: oi, op: op, kernel: f()}
	}
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, n)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s (%d)", n, missing[n])
		}
		return fmt.Errorf("runtime: no kernel for %d op type(s): %s", len(names), strings.Join(parts, ", "))
	}
	return nil
}

// copyTensors makes the interpreter's own tensors. Constants keep the model's
// data (read-only, shared), unless it is misaligned for its element type, in
// which case one aligned copy is made so kernels can view it in place.
func (it *Interpreter) copyTensors() {
	g := it.graph
	it.tensors = make([]*ir.Tensor, len(g.Tensors))
	it.kinds = make([]tensorKind, len(g.Tensors))
	it.varInit = make([][]byte, len(g.Tensors))
	it.dynBuf = make([][]byte, len(g.Tensors))
	isInput := make([]bool, len(g.Tensors))
	for _, t := range it.inputs {
		isInput[t] = true
	}
	var beyondRank []int // tensors normalizeQuant changed
	for ti, src := range g.Tensors {
		t := src.Clone()
		t.Quant = src.Quant // read-only; shared unless normalized below
		it.tensors[ti] = t
		switch {
		case src.IsVariable:
			it.kinds[ti] = kindVariable
			it.varInit[ti] = src.Data
		case src.IsConst() && !isInput[ti]:
			it.kinds[ti] = kindConstant
			if size := src.Type.Size(); size > 1 && uintptr(unsafe.Pointer(unsafe.SliceData(src.Data)))%uintptr(size) != 0 {
				c := alignedBytes(len(src.Data))
				copy(c, src.Data)
				t.Data = c
				it.persistent = append(it.persistent, c)
			}
		default:
			it.kinds[ti] = kindActivation
			t.Data = nil
		}
		if it.normalizeQuant(ti) {
			beyondRank = append(beyondRank, ti)
		}
	}
	if len(beyondRank) > 0 {
		first := it.tensors[beyondRank[0]]
		it.warnf("%d rank-1 tensors (first: tensor %d (%q)) have per-axis quantization on a dimension beyond their rank (%d); using dimension 0 as TFLite Micro does (TFLite rejects this model)",
			len(beyondRank), beyondRank[0], first.Name, g.Tensors[beyondRank[0]].Quant.Axis)
	}
	// Variables get persistent memory of their own.
	for ti, t := range it.tensors {
		if it.kinds[ti] != kindVariable {
			continue
		}
		n, err := t.ByteSize()
		if err != nil {
			n = 0
		}
		buf := alignedBytes(n)
		t.Data = buf
		it.persistent = append(it.persistent, buf)
	}
	it.ResetVariables()
}

// normalizeQuant accepts what TFLite Micro accepts and TFLite rejects: a
// rank-1 tensor (a bias) with per-axis parameters whose quantized dimension
// is beyond its rank but whose scale count matches its length. The
// interpreter's copy gets dimension 0; it reports whether it changed one, so
// that New can warn once for the whole model.
func (it *Interpreter) normalizeQuant(ti int) bool {
	t := it.tensors[ti]
	q := t.Quant
	if !q.PerAxis() || len(t.Shape) != 1 || (q.Axis >= 0 && q.Axis < 1) || len(q.Scale) != t.Shape[0] {
		return false
	}
	c := q.Clone()
	c.Axis = 0
	t.Quant = c
	return true
}

// ResetVariables sets every variable tensor (LSTM and SVDF states, say) back
// to its initial value: the buffer the model gives it, or else zero, which
// for an int8 variable is its zero point (as tflite::ResetVariableTensor
// sets it: a quantized state of real value 0).
func (it *Interpreter) ResetVariables() {
	for ti, t := range it.tensors {
		if it.kinds[ti] != kindVariable {
			continue
		}
		if init := it.varInit[ti]; init != nil {
			clear(t.Data)
			copy(t.Data, init)
			continue
		}
		var fill byte
		if q := t.Quant; t.Type == ir.Int8 && q.Quantized() && len(q.ZeroPoint) > 0 {
			fill = byte(int8(q.ZeroPoint[0]))
		}
		for i := range t.Data {
			t.Data[i] = fill
		}
	}
}

// warnf passes a kernel's or the runtime's warning on, once per distinct
// message. Kernels may warn from their worker goroutines, hence the lock.
func (it *Interpreter) warnf(format string, args ...any) {
	if it.cfg.warn == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	it.warnMu.Lock()
	seen := it.warned[msg]
	it.warned[msg] = true
	it.warnMu.Unlock()
	if !seen {
		it.cfg.warn(msg)
	}
}

// NumInputs is the number of inputs.
func (it *Interpreter) NumInputs() int { return len(it.inputs) }

// NumOutputs is the number of outputs.
func (it *Interpreter) NumOutputs() int { return len(it.outputs) }

// Threads is the number of goroutines the kernels may use (WithThreads).
func (it *Interpreter) Threads() int { return it.cfg.threads }

// Input returns input i. Fill its Data (copy into it, or point it at a buffer
// of exactly its byte size) before Invoke. The tensor and its Data stay valid
// until ResizeInput or AllocateTensors.
func (it *Interpreter) Input(i int) *ir.Tensor { return it.tensors[it.inputs[i]] }

// Output returns output i; its Data holds the result of the last Invoke.
func (it *Interpreter) Output(i int) *ir.Tensor { return it.tensors[it.outputs[i]] }

// InputIndex returns the position of the input with this name (its signature
// name when the interpreter runs a signature, else its tensor name), or -1.
func (it *Interpreter) InputIndex(name string) int { return indexOf(it.inNames, name) }

// OutputIndex returns the position of the output with this name, or -1.
func (it *Interpreter) OutputIndex(name string) int { return indexOf(it.outNames, name) }

// InputName is input i's name (see InputIndex).
func (it *Interpreter) InputName(i int) string { return it.inNames[i] }

// OutputName is output i's name.
func (it *Interpreter) OutputName(i int) string { return it.outNames[i] }

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// NumTensors is the number of tensors of the interpreter's subgraph.
func (it *Interpreter) NumTensors() int { return len(it.tensors) }

// Tensor returns the interpreter's tensor ti (indices as in the model's
// subgraph). After Invoke, an intermediate tensor's Data holds its value only
// with WithPreserveAllTensors: otherwise its memory may have been reused.
func (it *Interpreter) Tensor(ti int) *ir.Tensor { return it.tensors[ti] }

// Graph returns the model subgraph the interpreter runs (shared; read-only).
func (it *Interpreter) Graph() *ir.Graph { return it.graph }

// ResizeInput gives input i a new shape (for dynamic dimensions, a batch
// size, ...). Shapes are inferred and the arena planned again at the next
// Invoke or AllocateTensors; Data of every tensor is invalid until then.
func (it *Interpreter) ResizeInput(i int, shape []int) error {
	if i < 0 || i >= len(it.inputs) {
		return fmt.Errorf("runtime: input %d out of range (%d inputs)", i, len(it.inputs))
	}
	if ir.NumElements(shape) < 0 {
		return fmt.Errorf("runtime: input %d: invalid shape %v", i, shape)
	}
	t := it.tensors[it.inputs[i]]
	if slices.Equal(t.Shape, shape) && t.HasRank {
		return nil
	}
	if sig := t.ShapeSignature; sig != nil && len(sig) == len(shape) {
		for d, s := range sig {
			if s >= 0 && s != shape[d] {
				it.warnf("input %d (%q): dimension %d resized from its static size %d to %d", i, t.Name, d, s, shape[d])
			}
		}
	}
	t.Shape = slices.Clone(shape)
	t.HasRank = true
	it.needPlan = true
	return nil
}

// Invoke runs the model once on the current inputs.
func (it *Interpreter) Invoke() error { return it.InvokeContext(context.Background()) }

// InvokeContext is Invoke that stops between ops once ctx is done.
func (it *Interpreter) InvokeContext(ctx context.Context) error {
	if it.needPlan {
		if err := it.AllocateTensors(); err != nil {
			return err
		}
	}
	for i, ti := range it.inputs {
		if t := it.tensors[ti]; len(t.Data) != it.inBytes[i] {
			return fmt.Errorf("runtime: input %d (%q) has %d bytes of data, its %v shape %v needs %d", i, t.Name, len(t.Data), t.Type, t.Shape, it.inBytes[i])
		}
	}
	prof := it.cfg.profiler
	for i := range it.ops {
		s := &it.ops[i]
		if s.folded {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.dynamic {
			if err := it.prepareDynamic(s); err != nil {
				return err
			}
		}
		var start time.Time
		if prof != nil {
			start = time.Now()
		}
		if err := s.kernel.Eval(&s.node); err != nil {
			return fmt.Errorf("runtime: op %d (%s): %w", s.index, s.op.Name(), err)
		}
		if prof != nil {
			prof(s.index, s.op, time.Since(start))
		}
	}
	return nil
}

// alignedBytes returns n zeroed bytes starting at an arenaAlignment boundary.
func alignedBytes(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	b := make([]byte, n+arenaAlignment-1)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) % arenaAlignment); r != 0 {
		off = arenaAlignment - r
	}
	return b[off : off+n : off+n]
}
