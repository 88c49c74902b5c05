package kernels

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Quantized SOFTMAX and LOG_SOFTMAX, bit-exact with TFLite. For 8-bit inputs
// TFLite's builtin kernels use a float32 table of exp over the 256 possible
// differences from the row's max; its reference kernels (and TFLite Micro)
// use gemmlowp's fixed-point exp. int16 SOFTMAX uses two 513-entry tables
// (exp, and 1/(1+x)) in both.

// quantSoftmax holds what the quantized paths precompute.
type quantSoftmax struct {
	reference bool // TFLite's reference kernels rather than its builtin ones
	round     fixedpoint.Rounding
	inS, outS float32
	outZ      int32
	table     [256]float32 // builtin 8-bit: exp(-inS·beta·d) at [255-d]
	inMult    int32        // reference 8-bit, and int16: input scaling
	inShift   int
	diffMin   int32 // reference 8-bit: differences below are exp ≈ 0
	revMult   int32 // reference LOG_SOFTMAX: the inverse scaling
	revShift  int
	expLUT    [fixedpoint.LUTSizeInt16]int16 // int16: exp on [-10, 0]
	recipLUT  [fixedpoint.LUTSizeInt16]int16 // int16: 1/(1+x) on [0, 1]
}

func (k *softmaxKernel) prepareQuant(n *Node, in, out *ir.Tensor) error {
	in8 := in.Type == ir.Int8 || in.Type == ir.Uint8
	switch {
	case in.Type == out.Type && (in8 || in.Type == ir.Int16 && !k.log):
	case !k.log && in8 && out.Type == ir.Int16:
	default:
		return unsupported(n, fmt.Sprintf("input type %v with output type %v", in.Type, out.Type))
	}
	scales, zps, err := perTensorQuants(n, in, out)
	if err != nil {
		return err
	}
	q := &k.q
	q.inS, q.outS, q.outZ = scales[0], scales[1], zps[1]
	r := roundingOf(n.Ctx)
	q.reference, q.round = kernelsOf(n) == ReferenceKernels, r
	if k.log {
		return k.prepareQuantLogSoftmax(n, in, r)
	}
	switch {
	case in.Type == ir.Int8 && out.Type == ir.Int8:
		if q.outZ != -128 || math.Abs(float64(q.outS)-1.0/256) > 0.001/256 {
			return fmt.Errorf("%s: int8 output %q must have scale 1/256 and zero point -128, has %v and %d", n.Op.Name(), out.Name, q.outS, q.outZ)
		}
	case in.Type == ir.Int16:
		if zps[0] != 0 || q.outZ != 0 || math.Abs(float64(q.outS)-1.0/32768) > 0.001/32768 {
			return fmt.Errorf("%s: int16 SOFTMAX needs zero points 0 and output scale 1/32768 (input %q, output %q)", n.Op.Name(), in.Name, out.Name)
		}
		return k.prepareSoftmaxInt16(n, r)
	}
	if q.reference {
		if q.inMult, q.inShift, err = r.PreprocessSoftmaxScaling(float64(k.beta), float64(q.inS), 5); err != nil {
			return opErr(n, err)
		}
		q.diffMin = -int32(fixedpoint.CalculateInputRadius(5, q.inShift, 31))
	} else {
		q.fillExpTable(k.beta)
	}
	k.eval = softmax8Eval(k, in.Type, out.Type)
	return nil
}

// fillExpTable is TFLite's PopulateSoftmaxLookupTable: table[255-d] is
// expf(-inS·beta·d) in float32.
func (q *quantSoftmax) fillExpTable(beta float32) {
	scale := -q.inS * beta
	for d := range 256 {
		q.table[255-d] = float32(math.Exp(float64(scale * float32(d))))
	}
}

// rowMaxInt is the largest stored integer of a row.
func rowMaxInt[T int8 | uint8](x []T) int32 {
	mx := int32(x[0])
	for _, v := range x {
		mx = max(mx, int32(v))
	}
	return mx
}

// tableSum sums the exp table over a row, in order and in float32 as TFLite
// does; table[base+x] is exp of x's scaled difference from the row's max.
func tableSum[T int8 | uint8](q *quantSoftmax, x []T, mx int32) (base int32, sum float32) {
	base = 255 - mx
	for _, v := range x {
		sum += q.table[base+int32(v)]
	}
	return base, sum
}

// softmax8Eval picks the Eval for 8-bit input and 8- or 16-bit output.
func softmax8Eval(k *softmaxKernel, in, out ir.DataType) func(n *Node) error {
	switch {
	case in == ir.Int8 && out == ir.Int8:
		return softmax8[int8, int8](k, ir.AsInt8, ir.AsInt8)
	case in == ir.Int8:
		return softmax8[int8, int16](k, ir.AsInt8, ir.AsInt16)
	case out == ir.Uint8:
		return softmax8[uint8, uint8](k, asUint8, asUint8)
	}
	return softmax8[uint8, int16](k, asUint8, ir.AsInt16)
}

// softmax8 is 8-bit SOFTMAX for one input and output type.
func softmax8[In int8 | uint8, Out int8 | uint8 | int16](k *softmaxKernel, inView func([]byte) []In, outView func([]byte) []Out) func(n *Node) error {
	omin, omax, _ := QuantRange(outType[Out]())
	return func(n *Node) error {
		in, out := inView(n.In[0].Data), outView(n.Out[0].Data)
		q := &k.q
		for row := 0; row < k.outer; row++ {
			x, y := in[row*k.depth:(row+1)*k.depth], out[row*k.depth:(row+1)*k.depth]
			mx := rowMaxInt(x)
			if q.reference {
				softmaxRowFixed(q, q.round, x, y, mx, omin, omax)
				continue
			}
			// TFLite's optimized kernel: float32 sums of table entries.
			base, sum := tableSum(q, x, mx)
			inv := 1 / (sum * q.outS)
			for i, v := range x {
				p := q.table[base+int32(v)] * inv
				var pq int32
				if omin == 0 { // uint8 output: +0.5 and truncate, the zero point ignored
					pq = int32(p + 0.5)
				} else {
					pq = int32(math.Round(float64(p))) + q.outZ
				}
				y[i] = Out(min(max(pq, omin), omax))
			}
		}
		return nil
	}
}

// outType maps an output element type to its tensor type.
func outType[T int8 | uint8 | int16]() ir.DataType {
	var z T
	switch any(z).(type) {
	case int8:
		return ir.Int8
	case uint8:
		return ir.Uint8
	}
	return ir.Int16
}

// softmaxRowFixed is TFLite's reference 8-bit softmax of one row: scaled
// differences from the max in Q5.26, gemmlowp's exp, the sum in Q12.19, its
// reciprocal, and each probability rescaled to the output type.
func softmaxRowFixed[In int8 | uint8, Out int8 | uint8 | int16](q *quantSoftmax, r fixedpoint.Rounding, x []In, y []Out, mx, omin, omax int32) {
	const diffBits, accBits = 5, 12
	var sum int32
	for _, v := range x {
		if d := int32(v) - mx; d >= q.diffMin {
			scaled := r.MultiplyByQuantizedMultiplierGreaterThanOne(d, q.inMult, q.inShift)
			sum += fixedpoint.Rescale(fixedpoint.ExpOnNegativeValues(scaled, diffBits), 0, accBits)
		}
	}
	recip, overUnit := fixedpoint.GetReciprocal(sum, accBits)
	outBits := 8
	if omax > 255 {
		outBits = 16
	}
	for i, v := range x {
		d := int32(v) - mx
		if d < q.diffMin {
			y[i] = Out(omin)
			continue
		}
		scaled := r.MultiplyByQuantizedMultiplierGreaterThanOne(d, q.inMult, q.inShift)
		e := fixedpoint.ExpOnNegativeValues(scaled, diffBits)
		unsat := fixedpoint.RoundingDivideByPOT(fixedpoint.SaturatingRoundingDoublingHighMul(recip, e), overUnit+31-outBits)
		y[i] = Out(min(max(unsat+omin, omin), omax))
	}
}

// prepareSoftmaxInt16 builds TFLite's int16 SOFTMAX tables: exp over
// [-10, 0] and 1/(1+x) over [0, 1], both in float64 on a symmetric int16
// output range, and the multiplier mapping input differences onto [-10, 0].
func (k *softmaxKernel) prepareSoftmaxInt16(n *Node, r fixedpoint.Rounding) error {
	q := &k.q
	const rng = 65535.0
	fixedpoint.LUTPopulateInt16Float64(10.0/rng, math.MaxInt16, 2.0/rng, 0, math.Exp, &q.expLUT)
	fixedpoint.LUTPopulateInt16Float64(1.0/rng, math.MinInt16, 2.0/rng, 0, func(x float64) float64 { return 1 / (1 + x) }, &q.recipLUT)
	var err error
	if q.inMult, q.inShift, err = r.QuantizeMultiplier(float64(q.inS*k.beta) / (10.0 / 65535.0)); err != nil {
		return opErr(n, err)
	}
	k.eval = k.softmaxInt16
	return nil
}

func (k *softmaxKernel) softmaxInt16(n *Node) error {
	in, out := n.In[0].Int16s(), n.Out[0].Int16s()
	q := &k.q
	r := q.round
	for row := 0; row < k.outer; row++ {
		x, y := in[row*k.depth:(row+1)*k.depth], out[row*k.depth:(row+1)*k.depth]
		mx := int32(math.MinInt16)
		for _, v := range x {
			mx = max(mx, int32(v))
		}
		// exp(x - max) in Q0.15, kept in the output meanwhile, as TFLite does.
		var sum int32
		for i, v := range x {
			scaled := r.MultiplyByQuantizedMultiplier(int32(v)-mx, q.inMult, q.inShift) + 32767
			e := fixedpoint.LUTLookupInt16(int16(min(max(scaled, math.MinInt16), math.MaxInt16)), &q.expLUT)
			y[i] = e
			sum += int32(e)
		}
		headroom := bits.LeadingZeros32(uint32(sum))
		shifted := int32((int64(sum)<<(headroom-1) + 1<<13) >> 14)
		sym := shifted - (1<<15 + 1<<16)
		recip := int64(fixedpoint.LUTLookupInt16(int16(min(max(sym, math.MinInt16), math.MaxInt16)), &q.recipLUT))
		rightShift := 31 - headroom
		round := int64(1) << (rightShift - 1)
		for i, e := range y {
			v := int32((int64(e)*recip + round) >> rightShift)
			y[i] = int16(min(max(v, 0), math.MaxInt16))
		}
	}
	return nil
}

// prepareQuantLogSoftmax sets up 8-bit LOG_SOFTMAX, whose output TFLite fixes
// at scale 16/256 with the maximum as zero point (log-probabilities in
// [-16, 0]).
func (k *softmaxKernel) prepareQuantLogSoftmax(n *Node, in *ir.Tensor, r fixedpoint.Rounding) error {
	q := &k.q
	wantZ := int32(127)
	if in.Type == ir.Uint8 {
		wantZ = 255
	}
	if q.outS != 16.0/256 || q.outZ != wantZ {
		return fmt.Errorf("%s: output %q must have scale 1/16 and zero point %d, has %v and %d", n.Op.Name(), n.Out[0].Name, wantZ, q.outS, q.outZ)
	}
	if q.reference {
		var err error
		if q.inMult, q.inShift, q.revMult, q.revShift, err = r.PreprocessLogSoftmaxScalingExp(1, float64(q.inS), 5); err != nil {
			return opErr(n, err)
		}
		q.diffMin = -int32(fixedpoint.CalculateInputRadius(5, q.inShift, 31))
	} else {
		q.fillExpTable(1)
	}
	if in.Type == ir.Int8 {
		k.eval = logSoftmax8(k, ir.AsInt8)
	} else {
		k.eval = logSoftmax8(k, asUint8)
	}
	return nil
}

// logSoftmax8 is 8-bit LOG_SOFTMAX for one type.
func logSoftmax8[T int8 | uint8](k *softmaxKernel, view func([]byte) []T) func(n *Node) error {
	var z T
	omin, omax := int32(-128), int32(127)
	if z-1 > 0 { // uint8
		omin, omax = 0, 255
	}
	return func(n *Node) error {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		q := &k.q
		for row := 0; row < k.outer; row++ {
			x, y := in[row*k.depth:(row+1)*k.depth], out[row*k.depth:(row+1)*k.depth]
			mx := rowMaxInt(x)
			if q.reference {
				logSoftmaxRowFixed(q, q.round, x, y, mx, omin, omax)
				continue
			}
			// TFLite's optimized kernel: log of a float32 sum of table
			// entries, the result rounded half to even.
			_, sum := tableSum(q, x, mx)
			logSum := float32(math.Log(float64(sum)))
			scale := q.inS / q.outS
			pre := (float32(q.inS*float32(mx)) + logSum) / q.outS
			for i, v := range x {
				p := float32(scale*float32(v)) - pre
				pq := int32(math.RoundToEven(float64(p))) + q.outZ
				y[i] = T(min(max(pq, omin), omax))
			}
		}
		return nil
	}
}

// logSoftmaxRowFixed is TFLite's reference 8-bit LOG_SOFTMAX of one row:
// the sum of exps as in SOFTMAX, its log in Q5.26, subtracted from each
// scaled difference and rescaled to Q4 with the type's maximum as zero point.
func logSoftmaxRowFixed[T int8 | uint8](q *quantSoftmax, r fixedpoint.Rounding, x, y []T, mx, omin, omax int32) {
	const diffBits, accBits, outBits = 5, 12, 4
	var sum int32
	for _, v := range x {
		if d := int32(v) - mx; d >= q.diffMin {
			scaled := r.MultiplyByQuantizedMultiplier(d, q.inMult, q.inShift)
			sum += fixedpoint.Rescale(fixedpoint.ExpOnNegativeValues(scaled, diffBits), 0, accBits)
		}
	}
	logSum := fixedpoint.LogXForXGreaterThanOrEqualTo1(sum, accBits, diffBits)
	adjustedDiffMin := max(q.diffMin-1, r.MultiplyByQuantizedMultiplier(logSum+math.MinInt32, q.revMult, q.revShift))
	for i, v := range x {
		d := int32(v) - mx
		if d <= adjustedDiffMin {
			y[i] = T(omin)
			continue
		}
		scaled := r.MultiplyByQuantizedMultiplier(d, q.inMult, q.inShift)
		o := fixedpoint.RoundingDivideByPOT(scaled-logSum, 31-diffBits-outBits) + omax
		y[i] = T(min(max(o, omin), omax))
	}
}
