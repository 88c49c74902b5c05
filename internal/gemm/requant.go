package gemm

import (
	"fmt"
	"unsafe"
)

// Requantizer is the output stage of TFLite's 8-bit integer kernels with its
// default (double) rounding: channel c of a sum becomes
//
//	clamp(MultiplyByQuantizedMultiplier(acc + Bias[c], Mult[c], Shift[c]) + ZeroPoint, Min, Max)
//
// where MultiplyByQuantizedMultiplier is gemmlowp's
// RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x << left, m), right)
// with left = max(shift, 0) and right = max(-shift, 0). The assembly kernel
// computes eight channels at once, bit for bit the same.
type Requantizer struct {
	channels int
	// table holds, for each channel, the rows bias, mult, left, right,
	// mask = 2^right-1 and mask/2, each row stride elements long.
	table      []int32
	stride     int
	zp, lo, hi int32
}

const (
	rqBias = iota
	rqMult
	rqLeft
	rqRight
	rqMask
	rqHalf
	rqRows
)

// NewRequantizer checks the per-channel parameters (bias may be nil) and lays
// them out for the kernels. A multiplier must be in [0, 2^31) and a shift in
// [-31, 30], as TFLite's QuantizeMultiplier produces them.
func NewRequantizer(bias, mult []int32, shift []int, zeroPoint, lo, hi int32) (*Requantizer, error) {
	c := len(mult)
	if len(shift) != c || (bias != nil && len(bias) != c) {
		return nil, fmt.Errorf("gemm: requantizer has %d multipliers, %d shifts and %d biases", c, len(shift), len(bias))
	}
	if lo > hi {
		return nil, fmt.Errorf("gemm: requantizer range [%d, %d] is empty", lo, hi)
	}
	q := &Requantizer{channels: c, stride: c, zp: zeroPoint, lo: lo, hi: hi, table: make([]int32, rqRows*c)}
	for i := range c {
		if mult[i] < 0 {
			return nil, fmt.Errorf("gemm: channel %d has negative multiplier %d", i, mult[i])
		}
		if shift[i] < -31 || shift[i] > 30 {
			return nil, fmt.Errorf("gemm: channel %d has shift %d outside [-31, 30]", i, shift[i])
		}
		if bias != nil {
			q.table[rqBias*c+i] = bias[i]
		}
		left, right := max(shift[i], 0), max(-shift[i], 0)
		mask := int32(1)<<right - 1
		q.table[rqMult*c+i] = mult[i]
		q.table[rqLeft*c+i] = int32(left)
		q.table[rqRight*c+i] = int32(right)
		q.table[rqMask*c+i] = mask
		q.table[rqHalf*c+i] = mask >> 1
	}
	return q, nil
}

// Bytes is the memory the requantizer holds (none for a nil one).
func (q *Requantizer) Bytes() int {
	if q == nil {
		return 0
	}
	return 4 * len(q.table)
}

// one is the scalar form, for the channels the vector kernel leaves.
func (q *Requantizer) one(acc int32, c int) int32 {
	t, s := q.table, q.stride
	x := (acc + t[rqBias*s+c]) << uint(t[rqLeft*s+c])
	// SaturatingRoundingDoublingHighMul: with a non-negative multiplier the
	// product never saturates, and its rounding (ties toward +inf) is
	// floor((x*m + 2^30) / 2^31).
	x = int32((int64(x)*int64(t[rqMult*s+c]) + 1<<30) >> 31)
	right := uint(t[rqRight*s+c])
	// RoundingDivideByPOT: ties away from zero.
	threshold := t[rqHalf*s+c] - x>>31
	x = x>>right - (threshold-x&t[rqMask*s+c])>>31
	return min(max(x+q.zp, q.lo), q.hi)
}

// checkRun returns an error unless channels [c0, c0+acc) exist and dst
// elements hold them.
func (q *Requantizer) checkRun(dst, acc, c0 int) error {
	if c0 < 0 || c0+acc > q.channels || dst < acc {
		return fmt.Errorf("gemm: requantizing %d sums from channel %d into %d elements (%d channels)", acc, c0, dst, q.channels)
	}
	return nil
}

// Requantize requantizes acc, the sums of channels [c0, c0+len(acc)), into
// dst; the requantizer's range must fit T.
func Requantize[T int8 | uint8](q *Requantizer, dst []T, acc []int32, c0 int) error {
	if err := q.checkRun(len(dst), len(acc), c0); err != nil {
		return err
	}
	var zero T
	_, signed := any(zero).(int8)
	lo, hi := int32(0), int32(255)
	if signed {
		lo, hi = -128, 127
	}
	if q.lo < lo || q.hi > hi {
		return fmt.Errorf("gemm: range [%d, %d] does not fit %T", q.lo, q.hi, zero)
	}
	n := 0
	if useRequantAsm {
		n = requantLanes(q, unsafe.Pointer(unsafe.SliceData(dst)), !signed, acc, c0)
	}
	for i := n; i < len(acc); i++ {
		dst[i] = T(q.one(acc[i], c0+i))
	}
	return nil
}

// useRequantAsm selects the assembly requantization kernel where the target
// has one (requantLanes).
var useRequantAsm = false
