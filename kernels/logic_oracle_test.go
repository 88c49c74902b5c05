package kernels

import (
	"math"
	"math/rand"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// The comparison, logical, select, rounding, floor-division, cumulative and
// index kernels against TFLite, all cases in one model (one oracle run).
// Outputs must be identical bit for bit (any NaN matches any NaN), except
// SIN and COS, whose libm results may differ in the last place. Left out
// because the oracle's TFLite build lacks them: int16 comparisons (Infer
// fails) and int32 SIGN (it writes zeros); the hand-worked tests cover them.

// lgOracleCase is one op; consts lists the inputs that become constants of
// the oracle model (int64 inputs must: the oracle cannot feed them).
type lgOracleCase struct {
	name   string
	n      *Node
	consts []int
	tol    float64 // > 0: compare float32 outputs within tol
}

func lgOracleCases() []lgOracleCase {
	rng := rand.New(rand.NewSource(5))
	pick := func(set []float32, shape []int) *ir.Tensor {
		v := make([]float32, ir.NumElements(shape))
		for i := range v {
			v[i] = set[rng.Intn(len(set))]
		}
		return ewF32(shape, v...)
	}
	ints := func(lo, hi int, shape []int) *ir.Tensor {
		v := make([]int32, ir.NumElements(shape))
		for i := range v {
			v[i] = int32(lo + rng.Intn(hi-lo+1))
		}
		return ewI32(shape, v...)
	}
	ints64 := func(lo, hi int64, shape []int) *ir.Tensor {
		v := make([]int64, ir.NumElements(shape))
		for i := range v {
			v[i] = lo + rng.Int63n(hi-lo+1)
		}
		return ewI64(shape, v...)
	}
	bools := func(shape []int) *ir.Tensor {
		x := ewOut(ir.Bool, shape)
		for i := range x.Data {
			x.Data[i] = byte(rng.Intn(2))
		}
		return x
	}
	uniform := func(lo, hi float64, shape []int) *ir.Tensor {
		v := make([]float32, ir.NumElements(shape))
		for i := range v {
			v[i] = float32(lo + (hi-lo)*rng.Float64())
		}
		return ewF32(shape, v...)
	}
	node := func(op ir.OpType, opts ir.Options, out *ir.Tensor, in ...*ir.Tensor) *Node {
		return ewNode(op, opts, in, out)
	}
	negZero := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	smallSet := []float32{-1, -0.5, negZero, 0, 0.25, 0.5, 1, nan}

	var cs []lgOracleCase
	add := func(name string, n *Node, consts ...int) {
		cs = append(cs, lgOracleCase{name: name, n: n, consts: consts})
	}
	comparisons := []ir.OpType{ir.Equal, ir.NotEqual, ir.Less, ir.LessEqual, ir.Greater, ir.GreaterEqual}

	fa, fb := pick(smallSet, []int{2, 3, 4}), pick(smallSet, []int{3, 1})
	ia, ib := ints(-3, 3, []int{4, 5}), ints(-3, 3, []int{5})
	// Scales 0.3 and 0.1 make equal real values frequent, and the rescaled
	// values ((q-zp)<<8)·scale round: 76.8·k against 25.6·m.
	ua, ub := ewRandQ(rng, ir.Uint8, []int{3, 4, 5}, 0.3, 7), ewRandQ(rng, ir.Uint8, []int{4, 5}, 0.1, 130)
	sa, sb := ewRandQ(rng, ir.Int8, []int{2, 16}, 0.0234375, -5), ewRandQ(rng, ir.Int8, []int{16}, 0.05, 3)
	for i := range sa.Data { // small stored values so that equal reals occur
		sa.Data[i] = byte(int8(rng.Intn(41) - 20))
	}
	for _, op := range comparisons {
		add(op.String()+" float32", node(op, nil, ewOut(ir.Bool, []int{2, 3, 4}), fa, fb))
		add(op.String()+" int32", node(op, nil, ewOut(ir.Bool, []int{4, 5}), ia, ib))
		add(op.String()+" uint8", node(op, nil, ewOut(ir.Bool, []int{3, 4, 5}), ua, ub))
		add(op.String()+" int8", node(op, nil, ewOut(ir.Bool, []int{2, 16}), sa, sb))
	}
	la, lb := ints64(-2, 2, []int{6}), ints64(-2, 2, nil)
	for _, op := range []ir.OpType{ir.Less, ir.Equal, ir.GreaterEqual} {
		add(op.String()+" int64", node(op, nil, ewOut(ir.Bool, []int{6}), la, lb), 0, 1)
	}
	ba, bb := bools([]int{2, 3}), bools([]int{3})
	add("EQUAL bool", node(ir.Equal, nil, ewOut(ir.Bool, []int{2, 3}), ba, bb))
	add("NOT_EQUAL bool", node(ir.NotEqual, nil, ewOut(ir.Bool, []int{2, 3}), ba, bb))

	la3, lb3 := bools([]int{2, 1, 3}), bools([]int{4, 1})
	add("LOGICAL_AND", node(ir.LogicalAnd, nil, ewOut(ir.Bool, []int{2, 4, 3}), la3, lb3))
	add("LOGICAL_OR", node(ir.LogicalOr, nil, ewOut(ir.Bool, []int{2, 4, 3}), la3, lb3))
	add("LOGICAL_NOT", node(ir.LogicalNot, nil, ewOut(ir.Bool, []int{7}), bools([]int{7})))

	add("SELECT_V2 float32", node(ir.SelectV2, nil, ewOut(ir.Float32, []int{2, 3, 4}), bools([]int{2, 1, 4}), uniform(-1, 1, []int{3, 1}), uniform(-1, 1, []int{4})))
	q8 := func(shape []int) *ir.Tensor { return ewRandQ(rng, ir.Int8, shape, 0.1, 2) }
	add("SELECT_V2 int8", node(ir.SelectV2, nil, ewQuant(ewOut(ir.Int8, []int{3, 5}), 0.1, 2), bools([]int{3, 1}), q8([]int{3, 5}), q8([]int{5})))
	add("SELECT_V2 int64", node(ir.SelectV2, nil, ewOut(ir.Int64, []int{2, 3}), bools([]int{3}), ints64(-9, 9, []int{2, 3}), ints64(-9, 9, []int{2, 1})), 1, 2)
	add("SELECT rank 1", node(ir.Select, nil, ewOut(ir.Int32, []int{3, 2}), bools([]int{3}), ints(-9, 9, []int{3, 2}), ints(-9, 9, []int{3, 2})))
	add("SELECT same shape", node(ir.Select, nil, ewOut(ir.Float32, []int{2, 3}), bools([]int{2, 3}), uniform(-1, 1, []int{2, 3}), uniform(-1, 1, []int{2, 3})))

	// Halves, signed zeros, values near 2^22 whose halves are representable,
	// and a spread for the rest.
	rx := ewF32([]int{14}, -2.5, -1.5, -0.5, -0.4, negZero, 0, 0.5, 1.5, 2.5, 2.6, 4194304.5, -4194303.5, 1e20, -1e-20)
	for _, op := range []ir.OpType{ir.Floor, ir.Ceil, ir.Round, ir.Sign} {
		add(op.String(), node(op, nil, ewOut(ir.Float32, []int{14}), rx))
	}
	tx := uniform(-10, 10, []int{32})
	for _, op := range []ir.OpType{ir.Sin, ir.Cos} {
		cs = append(cs, lgOracleCase{name: op.String(), n: node(op, nil, ewOut(ir.Float32, []int{32}), tx), tol: 1e-6})
	}

	num, den := uniform(-20, 20, []int{3, 8}), uniform(0.1, 3, []int{8})
	for i, v := range den.Float32s() {
		if i%2 == 1 {
			den.Float32s()[i] = -v
		}
	}
	add("FLOOR_DIV float32", node(ir.FloorDiv, nil, ewOut(ir.Float32, []int{3, 8}), num, den))
	add("FLOOR_MOD float32", node(ir.FloorMod, nil, ewOut(ir.Float32, []int{3, 8}), num, den))
	inum, iden := ints(-50, 50, []int{3, 8}), ints(1, 7, []int{8})
	for i, v := range iden.Int32s() {
		if i%2 == 1 {
			iden.Int32s()[i] = -v
		}
	}
	add("FLOOR_DIV int32", node(ir.FloorDiv, nil, ewOut(ir.Int32, []int{3, 8}), inum, iden))
	add("FLOOR_MOD int32", node(ir.FloorMod, nil, ewOut(ir.Int32, []int{3, 8}), inum, iden))
	add("FLOOR_MOD int64", node(ir.FloorMod, nil, ewOut(ir.Int64, []int{6}), ints64(-50, 50, []int{6}), ewI64([]int{6}, 3, -3, 7, -7, 1, 2)), 0, 1)

	px := uniform(0.5, 1.5, []int{2, 3, 4})
	add("REDUCE_PROD float32", node(ir.ReduceProd, &ir.ReducerOptions{KeepDims: true}, ewOut(ir.Float32, []int{1, 3, 1}), px, ewI32([]int{2}, 0, 2)), 1)
	add("REDUCE_PROD int32", node(ir.ReduceProd, &ir.ReducerOptions{}, ewOut(ir.Int32, []int{3}), ints(-9, 9, []int{3, 4}), ewI32([]int{1}, -1)), 1)
	add("REDUCE_PROD int64", node(ir.ReduceProd, &ir.ReducerOptions{}, ewOut(ir.Int64, []int{4}), ints64(-9, 9, []int{3, 4}), ewI32([]int{1}, 0)), 0, 1)

	cx := uniform(-1, 1, []int{2, 3, 4})
	for _, f := range []ir.CumsumOptions{{}, {Exclusive: true}, {Reverse: true}, {Exclusive: true, Reverse: true}} {
		add("CUMSUM float32", node(ir.Cumsum, &f, ewOut(ir.Float32, []int{2, 3, 4}), cx, ewI32(nil, 1)), 1)
	}
	add("CUMSUM int32", node(ir.Cumsum, &ir.CumsumOptions{Exclusive: true}, ewOut(ir.Int32, []int{2, 5}), ints(-9, 9, []int{2, 5}), ewI32(nil, -1)), 1)
	add("CUMSUM int64", node(ir.Cumsum, &ir.CumsumOptions{Reverse: true}, ewOut(ir.Int64, []int{3, 2}), ints64(-9, 9, []int{3, 2}), ewI32(nil, 0)), 0, 1)

	add("RANGE int32", node(ir.Range, nil, ewOut(ir.Int32, []int{6}), ewI32(nil, 7), ewI32(nil, -10), ewI32(nil, -3)), 0, 1, 2)
	add("RANGE float32", node(ir.Range, nil, ewOut(ir.Float32, []int{34}), ewF32(nil, -1), ewF32(nil, 9), ewF32(nil, 0.3)), 0, 1, 2)

	add("BROADCAST_TO float32", node(ir.BroadcastTo, nil, ewOut(ir.Float32, []int{2, 3, 4}), uniform(-1, 1, []int{3, 1}), ewI32([]int{3}, 2, 3, 4)), 1)
	add("BROADCAST_TO int8", node(ir.BroadcastTo, nil, ewQuant(ewOut(ir.Int8, []int{4, 3}), 0.1, 2), q8([]int{3}), ewI32([]int{2}, 4, 3)), 1)
	add("REVERSE_V2 float32", node(ir.ReverseV2, nil, ewOut(ir.Float32, []int{2, 3, 4}), uniform(-1, 1, []int{2, 3, 4}), ewI32([]int{1}, 1)), 1)
	add("REVERSE_V2 int32", node(ir.ReverseV2, nil, ewOut(ir.Int32, []int{5, 2}), ints(-9, 9, []int{5, 2}), ewI32([]int{1}, 0)), 1)

	add("ADD_N float32", node(ir.AddN, nil, ewOut(ir.Float32, []int{4}), ewF32([]int{4}, negZero, 1e8, 1, 0.1), ewF32([]int{4}, negZero, 1, 1e8, 0.2), ewF32([]int{4}, negZero, -1e8, -1e8, 0.3)))
	add("ADD_N int32", node(ir.AddN, nil, ewOut(ir.Int32, []int{3}), ints(-9, 9, []int{3}), ints(-9, 9, []int{3})))

	gp := uniform(-1, 1, []int{3, 4, 2})
	add("GATHER_ND pairs", node(ir.GatherND, nil, ewOut(ir.Float32, []int{3, 2}), gp, ewI32([]int{3, 2}, 2, 3, 0, 0, 1, 2)))
	add("GATHER_ND rows int8", node(ir.GatherND, nil, ewQuant(ewOut(ir.Int8, []int{2, 3}), 0.1, 2), q8([]int{4, 3}), ewI32([]int{2, 1}, 3, 1)))

	add("ABS int8 rescaled", node(ir.Abs, nil, ewQuant(ewOut(ir.Int8, []int{256}), 0.07, -128), ewAll8(ir.Int8, 0.05, -3)))
	add("ABS int8 same scale", node(ir.Abs, nil, ewQuant(ewOut(ir.Int8, []int{256}), 0.05, 4), ewAll8(ir.Int8, 0.05, -3)))
	return cs
}

func TestLogicOracle(t *testing.T) {
	cases := lgOracleCases()
	ops := make([]ewOracleOp, len(cases))
	for i, c := range cases {
		ops[i] = ewOracleOp{N: c.n, Consts: c.consts}
	}
	run := ewOracle(t, ops...)
	for i, c := range cases {
		if err := ewRun(t, c.n); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got, want := c.n.Out[0], run.Outputs[i][0]
		if c.tol > 0 {
			w := ir.AsFloat32(want)
			w64 := make([]float64, len(w))
			for j, v := range w {
				w64[j] = float64(v)
			}
			ewCheckF32(t, c.name, got.Float32s(), w64, c.tol)
			continue
		}
		if !lgSameBits(got.Type, got.Data, want) {
			t.Errorf("%s: liteforge %v, TFLite %v", c.name, lgValues(got.Type, got.Data), lgValues(got.Type, want))
		}
	}
}

// lgSameBits compares output bytes, letting any float32 NaN match any other.
func lgSameBits(t ir.DataType, got, want []byte) bool {
	if len(got) != len(want) {
		return false
	}
	if t != ir.Float32 {
		return string(got) == string(want)
	}
	w := ir.AsFloat32(want)
	for i, g := range ir.AsFloat32(got) {
		if math.Float32bits(g) != math.Float32bits(w[i]) && !(g != g && w[i] != w[i]) {
			return false
		}
	}
	return true
}

// lgValues renders output bytes for a message.
func lgValues(t ir.DataType, b []byte) any {
	switch t {
	case ir.Float32:
		return ir.AsFloat32(b)
	case ir.Int32:
		return ir.AsInt32(b)
	case ir.Int64:
		return ir.AsInt64(b)
	case ir.Int8:
		return ir.AsInt8(b)
	}
	return b
}
