package kernels

import (
	"sync"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// Float32 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED under
// XNNPACKKernels sum in the order of XNNPACK's scalar micro-kernels, which
// TFLite's XNNPACK delegate runs in its WebAssembly build (the TFLite
// oracle): each output starts from its bias and adds one rounded product at
// a time, with no fused multiply-add. Convolutions (gemm and igemm) go over
// the window row by row, each tap's channels in order, with padded taps
// reading zeros; depthwise convolutions (dwconv "acc2") go over the window
// column by column and alternate the taps between two partial sums, the
// first starting from the bias, which are added at the end. Reproducing the
// order bit for bit matters where a float result is quantized next: the
// hybrid kernels that follow an XNNPACK-run float op quantize its output on
// the fly, and one different last bit can move an int8 input by a step.

// xnnGemmF32 multiplies rows of length K by packed weights the way XNNPACK's
// float gemm does: out[j] = clamp(((bias[j] + a[0]*w[0][j]) + a[1]*w[1][j]) + ...).
type xnnGemmF32 struct {
	k, n   int
	packed []float32 // panels of 4 columns: panel p holds w[k][4p+j] at p*K*4 + k*4 + j
	bias   []float32 // n rounded up to 4, zero past n
	lo, hi float32
}

// newXNNGemmF32 packs weights stored [n][k] row-major (TFLite's convolution
// and fully-connected layout); bias may be nil.
func newXNNGemmF32(weights []float32, n, k int, bias []float32, lo, hi float32) *xnnGemmF32 {
	panels := (n + 3) / 4
	g := &xnnGemmF32{k: k, n: n, packed: make([]float32, panels*k*4), bias: make([]float32, panels*4), lo: lo, hi: hi}
	for j := 0; j < n; j++ {
		p, c := j/4, j%4
		for kk := 0; kk < k; kk++ {
			g.packed[(p*k+kk)*4+c] = weights[j*k+kk]
		}
	}
	copy(g.bias, bias)
	return g
}

// row computes one output row from a (length k) into out (length n).
func (g *xnnGemmF32) row(a, out []float32) {
	a = a[:g.k]
	for p := 0; p*4 < g.n; p++ {
		b := (*[4]float32)(g.bias[p*4:])
		c0, c1, c2, c3 := b[0], b[1], b[2], b[3]
		w := g.packed[p*g.k*4 : (p+1)*g.k*4]
		for kk, av := range a {
			pw := (*[4]float32)(w[kk*4:])
			// The conversions round each product, so that Go does not fuse
			// the multiply-add on targets where it may.
			c0 += float32(av * pw[0])
			c1 += float32(av * pw[1])
			c2 += float32(av * pw[2])
			c3 += float32(av * pw[3])
		}
		cols := min(4, g.n-p*4)
		dst := out[p*4 : p*4+cols]
		acc := [4]float32{c0, c1, c2, c3}
		for j := range dst {
			dst[j] = min(max(acc[j], g.lo), g.hi)
		}
	}
}

// xnnConvF32 is a float32 CONV_2D or FULLY_CONNECTED in XNNPACK's order.
type xnnConvF32 struct {
	win    window2D
	groups int
	fc     int // input channels per group
	outC   int
	dense  bool          // 1x1, stride 1, one group: rows are the input's pixels
	gemms  []*xnnGemmF32 // one per group
	cols   [][]float32   // per part: one pixel's window, gathered
	in     []float32
	out    []float32
	rows   int // output pixels
	done   sync.WaitGroup
	ctx    *Context
	minOps int
}

// newXNNConvF32 sets up a float convolution (or fully-connected layer, a
// 1x1 convolution over its rows) with constant weights n.In[1] and optional
// bias n.In[2] in XNNPACK's order, and returns its Eval.
func newXNNConvF32(n *Node, w window2D, groups, outC int, act ir.Activation) (func(n *Node) error, error) {
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return nil, err
	}
	if err := checkData(n, "weights", n.In[1]); err != nil {
		return nil, err
	}
	bias, err := floatBias(n, optionalInput(n, 2), outC)
	if err != nil {
		return nil, err
	}
	lo, hi, err := floatRange(n, act)
	if err != nil {
		return nil, err
	}
	fc := w.inC / groups
	perGroup := outC / groups
	depth := w.kh * w.kw * fc
	filter := n.In[1].Float32s()[:outC*depth]
	c := &xnnConvF32{win: w, groups: groups, fc: fc, outC: outC, ctx: n.Ctx,
		dense: w.kh == 1 && w.kw == 1 && w.strideH == 1 && w.strideW == 1 && groups == 1,
		rows:  w.batch * w.outH * w.outW}
	for g := 0; g < groups; g++ {
		var b []float32
		if bias != nil {
			b = bias[g*perGroup : (g+1)*perGroup]
		}
		c.gemms = append(c.gemms, newXNNGemmF32(filter[g*perGroup*depth:(g+1)*perGroup*depth], perGroup, depth, b, lo, hi))
	}
	c.cols = make([][]float32, threadsOf(n.Ctx))
	for i := range c.cols {
		c.cols[i] = make([]float32, depth)
	}
	return func(n *Node) error {
		c.eval(n.In[0].Float32s(), n.Out[0].Float32s())
		return nil
	}, nil
}

func (c *xnnConvF32) eval(in, out []float32) {
	c.in, c.out = in, out
	parts := min(threadsOf(c.ctx), c.rows)
	if c.rows*c.outC*c.gemms[0].k < 1<<15 {
		parts = 1
	}
	gemm.Parallel(c, parts, &c.done)
	c.in, c.out = nil, nil
}

// RunPart computes one thread's share of the output pixels.
func (c *xnnConvF32) RunPart(part, parts int) {
	r0, r1 := gemm.Split(c.rows, 1, part, parts)
	w := c.win
	perGroup := c.outC / c.groups
	col := c.cols[part]
	for r := r0; r < r1; r++ {
		dst := c.out[r*c.outC : (r+1)*c.outC]
		if c.dense {
			c.gemms[0].row(c.in[r*w.inC:(r+1)*w.inC], dst)
			continue
		}
		b, oy, ox := r/(w.outH*w.outW), r/w.outW%w.outH, r%w.outW
		for g, gm := range c.gemms {
			// Gather the window, taps row by row, zeros where it hangs
			// over the edge (XNNPACK's igemm reads its zero buffer there).
			i := 0
			for ky := 0; ky < w.kh; ky++ {
				iy := oy*w.strideH - w.padTop + ky*w.dilH
				for kx := 0; kx < w.kw; kx++ {
					ix := ox*w.strideW - w.padLeft + kx*w.dilW
					tap := col[i : i+c.fc]
					i += c.fc
					if iy < 0 || iy >= w.inH || ix < 0 || ix >= w.inW {
						clear(tap)
						continue
					}
					copy(tap, c.in[((b*w.inH+iy)*w.inW+ix)*w.inC+g*c.fc:])
				}
			}
			gm.row(col, dst[g*perGroup:(g+1)*perGroup])
		}
	}
}

// prepareF32XNN is conv2D.prepareF32 under XNNPACKKernels, for constant
// filters and biases (XNNPACK's delegate takes only those; TFLite runs the
// others itself).
func (k *conv2D) prepareF32XNN(n *Node, o *ir.Conv2DOptions) (err error) {
	k.eval, err = newXNNConvF32(n, k.win, k.groups, k.outC, o.Activation)
	return err
}

// xnnpackFloat reports whether a float op with these (maybe nil) weight and
// bias inputs runs in XNNPACK's order: under XNNPACKKernels, when both are
// constant at Prepare.
func xnnpackFloat(n *Node, weights, bias *ir.Tensor) bool {
	return n.Ctx != nil && n.Ctx.Kernels == XNNPACKKernels && weights != nil && weights.IsConst() &&
		(bias == nil || bias.IsConst())
}

// prepareF32XNN is fullyConnected.prepareF32 under XNNPACKKernels, for
// constant weights and bias.
func (k *fullyConnected) prepareF32XNN(n *Node, o *ir.FullyConnectedOptions) (err error) {
	win := window2D{batch: k.batch, inH: 1, inW: 1, inC: k.inSize, outH: 1, outW: 1, kh: 1, kw: 1,
		strideH: 1, strideW: 1, dilH: 1, dilW: 1}
	k.eval, err = newXNNConvF32(n, win, 1, k.units, o.Activation)
	return err
}

// rowsF32XNN is rowsF32 in the order of XNNPACK's dwconv "acc2" kernels.
// With a depth multiplier above 1 XNNPACK runs the op as a grouped
// convolution (one input channel per group) through its igemm kernels: one
// sum per output channel, from the bias, over the window row by row.
func (k *depthwiseConv2D) rowsF32XNN(part, r0, r1 int) {
	if k.mult > 1 {
		k.rowsF32(part, r0, r1)
		return
	}
	w, outC, mult := k.win, k.outC, k.mult
	odd := k.xnnOdd[part]
	for r := r0; r < r1; r++ {
		b, oy := r/w.outH, r%w.outH
		for ox := 0; ox < w.outW; ox++ {
			even := k.outF32[((b*w.outH+oy)*w.outW+ox)*outC:][:outC]
			copy(even, k.biasF32)
			t := 0
			for kx := 0; kx < w.kw; kx++ {
				ix := ox*w.strideW - w.padLeft + kx*w.dilW
				for ky := 0; ky < w.kh; ky++ {
					iy := oy*w.strideH - w.padTop + ky*w.dilH
					f := k.filterF32[(ky*w.kw+kx)*outC:][:outC]
					acc := even
					if t%2 == 1 {
						acc = odd
					}
					if iy < 0 || iy >= w.inH || ix < 0 || ix >= w.inW {
						// XNNPACK reads its zero buffer: 0*w adds nothing but
						// starts the odd sum at zero.
						if t == 1 {
							clear(odd)
						}
						t++
						continue
					}
					in := k.inF32[((b*w.inH+iy)*w.inW+ix)*w.inC:][:w.inC]
					switch {
					case t == 1:
						for c := range acc {
							acc[c] = float32(in[c/mult] * f[c])
						}
					case mult == 1:
						for c, v := range in {
							acc[c] += float32(v * f[c])
						}
					default:
						for c := range acc {
							acc[c] += float32(in[c/mult] * f[c])
						}
					}
					t++
				}
			}
			if t < 2 {
				clear(odd)
			}
			for c, v := range even {
				even[c] = min(max(v+odd[c], k.lo), k.hi)
			}
		}
	}
}

// useXNNPACKOrder switches a prepared float depthwise convolution to
// XNNPACK's summation order.
func (k *depthwiseConv2D) useXNNPACKOrder(n *Node) {
	parts := threadsOf(n.Ctx)
	k.xnnOdd = make([][]float32, parts)
	for i := range k.xnnOdd {
		k.xnnOdd[i] = make([]float32, k.outC)
	}
	k.rows = (*depthwiseConv2D).rowsF32XNN
}
