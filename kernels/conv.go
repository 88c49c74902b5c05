package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// CONV_2D: input [N,H,W,C], filter [O,KH,KW,C/groups], optional bias [O],
// output [N,OH,OW,O]. Every type routes through internal/gemm: the input is
// the left operand (its im2col view, gathered block by block; a 1x1 stride-1
// convolution reads the input as it is), the filter the packed right operand.

func init() {
	Register(ir.Conv2D, func() Kernel { return &conv2D{} })
}

type conv2D struct {
	win     window2D
	groups  int
	outC    int
	filterK int // KH*KW*C/groups: the multiply's depth
	eng     *gemm.Engine
	eval    func(n *Node) error

	// float32
	convF32  []gemm.Conv[float32] // one im2col view per group
	denseF32 gemm.Matrix[float32] // the input itself, for 1x1 stride-1 convolutions
	dense    bool
	packF32  []*gemm.PackedF32 // one per group
	biasF32  []float32
	ep       gemm.Epilogue
	repack   bool // the filter is computed at run time
	dynBias  bool // so is the bias

	q convQuant // integer and hybrid state (conv_int.go)
}

func convOptions(n *Node) (*ir.Conv2DOptions, error) {
	o, ok := n.Op.Options.(*ir.Conv2DOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("%s: missing Conv2DOptions", n.Op.Name())
	}
	return o, nil
}

func orOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

func (k *conv2D) Prepare(n *Node) error {
	o, err := convOptions(n)
	if err != nil {
		return err
	}
	if len(n.In) < 2 || len(n.Out) != 1 {
		return fmt.Errorf("%s: want 2 or 3 inputs and 1 output, got %d and %d", n.Op.Name(), len(n.In), len(n.Out))
	}
	in, filter, out := n.In[0], n.In[1], n.Out[0]
	if in == nil || filter == nil || out == nil {
		return fmt.Errorf("%s: input, filter and output are required", n.Op.Name())
	}
	if len(filter.Shape) != 4 {
		return fmt.Errorf("%s: filter %q must be 4-D [O,KH,KW,I], got %v", n.Op.Name(), filter.Name, filter.Shape)
	}
	k.win, err = newWindow2D(n, in, out, filter.Shape[1], filter.Shape[2], o.StrideH, o.StrideW,
		orOne(o.DilationH), orOne(o.DilationW), o.Padding)
	if err != nil {
		return err
	}
	k.outC = filter.Shape[0]
	fc := filter.Shape[3]
	if fc <= 0 || k.win.inC%fc != 0 {
		return fmt.Errorf("%s: input channels %d are not a multiple of the filter's %d", n.Op.Name(), k.win.inC, fc)
	}
	k.groups = k.win.inC / fc
	if k.outC <= 0 || k.outC%k.groups != 0 || out.Shape[3] != k.outC {
		return fmt.Errorf("%s: %d output channels (output %v) do not split into %d groups", n.Op.Name(), k.outC, out.Shape, k.groups)
	}
	k.filterK = k.win.kh * k.win.kw * fc
	k.eng = engineFor(k.eng, n.Ctx)
	switch {
	case in.Type == ir.Float32 && filter.Type == ir.Float32:
		return k.prepareF32(n, o)
	case in.Type == ir.Float32 && (filter.Type == ir.Int8 || filter.Type == ir.Uint8):
		return k.prepareHybrid(n, o)
	case in.Type == ir.Int8 || in.Type == ir.Uint8 || in.Type == ir.Int16:
		return k.prepareInt(n, o)
	}
	return unsupported(n, fmt.Sprintf("input %v with filter %v", in.Type, filter.Type))
}

func (k *conv2D) Eval(n *Node) error { return k.eval(n) }

// im2colGeometry returns the geometry of group g's im2col view.
func (k *conv2D) im2colGeometry(g int) (c gemm.Conv[float32]) {
	w := k.win
	fc := w.inC / k.groups
	return gemm.Conv[float32]{Batch: w.batch, InH: w.inH, InW: w.inW, InC: w.inC, ChanOff: g * fc, Chans: fc,
		KH: w.kh, KW: w.kw, StrideH: w.strideH, StrideW: w.strideW, DilationH: w.dilH, DilationW: w.dilW,
		PadTop: w.padTop, PadLeft: w.padLeft, OutH: w.outH, OutW: w.outW}
}

// isPointwise reports whether the convolution is a plain matrix product over
// pixels (1x1 filter, stride 1, one group), which needs no im2col.
func (k *conv2D) isPointwise() bool {
	w := k.win
	return w.kh == 1 && w.kw == 1 && w.strideH == 1 && w.strideW == 1 && k.groups == 1
}

// filterMatrix is group g's filter rows as the right operand (K by O/groups).
func filterMatrix[T gemm.Elem](data []T, g, perGroup, depth int) gemm.Matrix[T] {
	return gemm.Matrix[T]{Data: data, Off: g * perGroup * depth, Rows: depth, Cols: perGroup, RowStride: 1, ColStride: depth}
}

func (k *conv2D) prepareF32(n *Node, o *ir.Conv2DOptions) error {
	in, filter, out := n.In[0], n.In[1], n.Out[0]
	if xnnpackFloat(n, filter, optionalInput(n, 2)) {
		return k.prepareF32XNN(n, o)
	}
	if err := requireType(n, "output", out, ir.Float32); err != nil {
		return err
	}
	var err error
	if k.biasF32, err = floatBias(n, optionalInput(n, 2), k.outC); err != nil {
		return err
	}
	lo, hi, err := floatRange(n, o.Activation)
	if err != nil {
		return err
	}
	k.ep = gemm.Epilogue{Min: lo, Max: hi}
	k.dense = k.isPointwise()
	k.convF32 = make([]gemm.Conv[float32], k.groups)
	for g := range k.convF32 {
		k.convF32[g] = k.im2colGeometry(g)
	}
	w := k.win
	k.denseF32 = gemm.Matrix[float32]{Rows: w.batch * w.inH * w.inW, Cols: w.inC, RowStride: w.inC, ColStride: 1}
	k.packF32 = make([]*gemm.PackedF32, k.groups)
	var fdata []float32
	k.repack = !filter.IsConst()
	if b := optionalInput(n, 2); b != nil {
		k.dynBias = !b.IsConst()
	}
	if !k.repack {
		if err := checkData(n, "filter", filter); err != nil {
			return err
		}
		fdata = filter.Float32s()
	} else {
		// Reserve the packed buffers now; Eval repacks the filter in place.
		fdata = make([]float32, ir.NumElements(filter.Shape))
	}
	perGroup := k.outC / k.groups
	for g := range k.packF32 {
		if k.packF32[g], err = gemm.PackF32(nil, filterMatrix(fdata, g, perGroup, k.filterK)); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	_ = in
	k.eng.Reserve(w.batch*w.outH*w.outW, k.filterK)
	k.eval = k.evalF32
	return nil
}

func (k *conv2D) evalF32(n *Node) error {
	in, filter, out := n.In[0].Float32s(), n.In[1], n.Out[0].Float32s()
	perGroup := k.outC / k.groups
	if k.repack {
		fdata := filter.Float32s()
		for g := range k.packF32 {
			if _, err := gemm.PackF32(k.packF32[g], filterMatrix(fdata, g, perGroup, k.filterK)); err != nil {
				return fmt.Errorf("%s: %w", n.Op.Name(), err)
			}
		}
	}
	ep := k.ep
	ep.Bias = k.biasF32
	if k.dynBias {
		ep.Bias = n.In[2].Float32s()
	}
	for g := 0; g < k.groups; g++ {
		var lhs gemm.LHS[float32]
		if k.dense {
			k.denseF32.Data = in
			lhs = &k.denseF32
		} else {
			k.convF32[g].In = in
			lhs = &k.convF32[g]
		}
		gep := ep
		if ep.Bias != nil {
			gep.Bias = ep.Bias[g*perGroup : (g+1)*perGroup]
		}
		if err := k.eng.MulF32(lhs, k.packF32[g], out[g*perGroup:], k.outC, gep); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	k.denseF32.Data = nil
	for g := range k.convF32 {
		k.convF32[g].In = nil
	}
	return nil
}
