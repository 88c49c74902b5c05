package kernels

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// The 8-bit convolutions run on internal/gemm's vector kernels (the integer
// depthwise kernel with channels in lanes, the vector requantizer) when the
// target has them. These tests run each shape twice, on those kernels and
// on the scalar reference path (apply per channel, the per-pixel window
// loop), and require the same bytes, over channel counts that fill whole
// vectors, leave a tail, or fill none.

// runBothPaths prepares op, evaluates it as prepared and again after scalar
// has switched the kernel to its scalar path, and returns both outputs.
func runBothPaths(t *testing.T, k Kernel, op *ir.Op, in []*ir.Tensor, out *ir.Tensor, scalar func()) (fast, slow []byte) {
	t.Helper()
	n := &Node{Op: op, In: in, Out: []*ir.Tensor{out}, Ctx: &Context{Threads: 2}}
	saved := in[0].Data
	in[0].Data = nil // activations have no data at Prepare, as in the runtime
	err := k.Prepare(n)
	in[0].Data = saved
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
	fast = bytes.Clone(out.Data)
	clear(out.Data)
	scalar()
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
	return fast, bytes.Clone(out.Data)
}

func compareLanes(t *testing.T, fast, slow []byte) {
	t.Helper()
	for i := range fast {
		if fast[i] != slow[i] {
			t.Fatalf("byte %d: vector kernels give %d, scalar path %d", i, fast[i], slow[i])
		}
	}
}

// randScales draws per-channel filter scales over two orders of magnitude,
// so that the multipliers' shifts differ between channels.
func randScales(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 0.0005 + 0.05*r.Float32()
	}
	return s
}

func TestDepthwiseConv2DLanesMatchScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, typ := range []ir.DataType{ir.Int8, ir.Uint8} {
		for _, c := range []int{3, 8, 21, 40, 67} {
			for _, geom := range []struct{ s, d int }{{1, 1}, {2, 1}, {1, 2}} {
				t.Run(fmt.Sprintf("%v_c%d_s%d_d%d", typ, c, geom.s, geom.d), func(t *testing.T) {
					h, w := 9, 11
					pad := ir.PaddingSame
					if c%2 == 1 {
						pad = ir.PaddingValid
					}
					oh, ow := ir.ConvOutputSize(pad, h, 3, geom.s, geom.d), ir.ConvOutputSize(pad, w, 3, geom.s, geom.d)
					fScales := randScales(r, c)
					inScale := float32(0.05)
					var in, f, bias, out *ir.Tensor
					if typ == ir.Int8 {
						in = quantTensor(r, ir.Int8, []int{1, h, w, c}, []float32{inScale}, []int64{-6}, 0, -128, 127, true)
						f = quantTensor(r, ir.Int8, []int{1, 3, 3, c}, fScales, make([]int64, c), 3, -127, 127, false)
						bias = quantTensor(r, ir.Int32, []int{c}, scaled(inScale, fScales), make([]int64, c), 0, -30000, 30000, false)
						out = quantAct(ir.Int8, []int{1, oh, ow, c}, 0.1, 3)
					} else {
						in = quantTensor(r, ir.Uint8, []int{1, h, w, c}, []float32{inScale}, []int64{127}, 0, 0, 255, true)
						f = quantTensor(r, ir.Uint8, []int{1, 3, 3, c}, fScales[:1], []int64{131}, 3, 0, 255, false)
						bias = quantTensor(r, ir.Int32, []int{c}, scaled(inScale, fScales[:1]), []int64{0}, 0, -30000, 30000, false)
						out = quantAct(ir.Uint8, []int{1, oh, ow, c}, 0.1, 125)
					}
					op := &ir.Op{Type: ir.DepthwiseConv2D, Options: &ir.DepthwiseConv2DOptions{Padding: pad, StrideH: geom.s,
						StrideW: geom.s, DepthMultiplier: 1, DilationH: geom.d, DilationW: geom.d, Activation: ir.ActRelu6}}
					k := &depthwiseConv2D{}
					fast, slow := runBothPaths(t, k, op, []*ir.Tensor{in, f, bias}, out, func() {
						if k.q.filter32 == nil {
							t.Fatal("the lane kernels were not set up")
						}
						k.q.filter32 = nil
					})
					compareLanes(t, fast, slow)
				})
			}
		}
	}
}

func TestConv2DVectorRequantMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for _, typ := range []ir.DataType{ir.Int8, ir.Uint8} {
		for _, oc := range []int{5, 8, 19, 48} {
			t.Run(fmt.Sprintf("%v_oc%d", typ, oc), func(t *testing.T) {
				const h, w, ic = 6, 7, 10
				fScales := randScales(r, oc)
				inScale := float32(0.05)
				var in, f, bias, out *ir.Tensor
				if typ == ir.Int8 {
					in = quantTensor(r, ir.Int8, []int{1, h, w, ic}, []float32{inScale}, []int64{9}, 0, -128, 127, true)
					f = quantTensor(r, ir.Int8, []int{oc, 3, 3, ic}, fScales, make([]int64, oc), 0, -127, 127, false)
					bias = quantTensor(r, ir.Int32, []int{oc}, scaled(inScale, fScales), make([]int64, oc), 0, -30000, 30000, false)
					out = quantAct(ir.Int8, []int{1, h, w, oc}, 0.3, -4)
				} else {
					in = quantTensor(r, ir.Uint8, []int{1, h, w, ic}, []float32{inScale}, []int64{120}, 0, 0, 255, true)
					f = quantTensor(r, ir.Uint8, []int{oc, 3, 3, ic}, fScales[:1], []int64{128}, 0, 0, 255, false)
					bias = quantTensor(r, ir.Int32, []int{oc}, scaled(inScale, fScales[:1]), []int64{0}, 0, -30000, 30000, false)
					out = quantAct(ir.Uint8, []int{1, h, w, oc}, 0.3, 130)
				}
				op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingSame, StrideH: 1, StrideW: 1,
					DilationH: 1, DilationW: 1}}
				k := &conv2D{}
				fast, slow := runBothPaths(t, k, op, []*ir.Tensor{in, f, bias}, out, func() {
					if k.q.rq32.vec == nil {
						t.Fatal("the vector requantizer was not set up")
					}
					k.q.rq32.vec = nil
				})
				compareLanes(t, fast, slow)
			})
		}
	}
}
