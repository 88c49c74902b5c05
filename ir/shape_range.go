package ir

import (
	"fmt"
	"math"
)

// RANGE's output length depends on the values of its three scalar inputs.

func init() {
	registerShape(rangeShape, Range)
}

// maxRangeLength bounds the length a RANGE may produce (its inputs come from
// a file or from run-time data, and the runtime allocates the output).
const maxRangeLength = math.MaxInt32

// rangeShape is TFLite's RANGE: start, limit and delta are scalars of one
// type (int32, int64 or float32), and the output is a vector of
// ceil(|limit-start| / |delta|) elements, computed as TFLite computes it (a
// float32 quotient for float32), and empty when start equals limit. A zero
// delta, or one pointing away from limit, is an error.
func rangeShape(op *Op, in []*Tensor) ([][]int, error) {
	roles := [3]string{"start", "limit", "delta"}
	var ts [3]*Tensor
	for i, role := range roles {
		t, err := arg(in, i, role)
		if err != nil {
			return nil, err
		}
		if t.NumElements() != 1 {
			return nil, fmt.Errorf("input %d (%s) has shape %v, expected a scalar", i, role, t.Shape)
		}
		if i > 0 && t.Type != ts[0].Type {
			return nil, fmt.Errorf("input %d (%s) is %v but input 0 (start) is %v", i, role, t.Type, ts[0].Type)
		}
		ts[i] = t
	}
	switch ts[0].Type {
	case Int32, Int64, Float32:
	default:
		return nil, fmt.Errorf("input 0 (start) is %v, expected int32, int64 or float32", ts[0].Type)
	}
	for i, t := range ts {
		if t.Data == nil {
			return nil, fmt.Errorf("input %d (%s): %w", i, roles[i], ErrNeedsValues)
		}
		if len(t.Data) < t.Type.Size() {
			return nil, fmt.Errorf("input %d (%s) has %d bytes of data", i, roles[i], len(t.Data))
		}
	}
	var n uint64
	if ts[0].Type == Float32 {
		start, limit, delta := ts[0].Float32s()[0], ts[1].Float32s()[0], ts[2].Float32s()[0]
		if err := checkRangeDirection(start, limit, delta); err != nil {
			return nil, err
		}
		q := math.Ceil(math.Abs(float64((limit - start) / delta))) // the quotient in float32, as TFLite
		if !(q <= maxRangeLength) {
			return nil, fmt.Errorf("start %v, limit %v and delta %v give %g elements, more than %d", start, limit, delta, q, maxRangeLength)
		}
		n = uint64(q)
	} else {
		var v [3]int64
		for i, t := range ts {
			iv, _ := IntValues(t.Type, t.Data[:t.Type.Size()])
			v[i] = int64(iv[0])
		}
		start, limit, delta := v[0], v[1], v[2]
		if err := checkRangeDirection(start, limit, delta); err != nil {
			return nil, err
		}
		span, step := absDiff(limit, start), absDiff(delta, 0)
		n = span / step
		if span%step != 0 {
			n++
		}
		if n > maxRangeLength {
			return nil, fmt.Errorf("start %d, limit %d and delta %d give %d elements, more than %d", start, limit, delta, n, maxRangeLength)
		}
	}
	return one([]int{int(n)}), nil
}

// checkRangeDirection checks that delta is nonzero and leads from start
// toward limit (any delta will do when they are equal).
func checkRangeDirection[T int64 | float32](start, limit, delta T) error {
	switch {
	case delta == 0 || delta != delta:
		return fmt.Errorf("delta is %v; it must be nonzero", delta)
	case start < limit && delta > 0, start > limit && delta < 0, start == limit:
		return nil
	}
	return fmt.Errorf("delta %v does not lead from start %v to limit %v", delta, start, limit)
}

// absDiff is |a-b| as an unsigned number, which cannot overflow.
func absDiff(a, b int64) uint64 {
	if a > b {
		return uint64(a) - uint64(b)
	}
	return uint64(b) - uint64(a)
}
