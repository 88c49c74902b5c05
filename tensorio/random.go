package tensorio

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

// Random makes seeded random tensor values: the same numbers, in the same
// order, that the TFLite oracle's --random SEED makes (a mulberry32 stream
// shared by all inputs in model input order), so that `liteforge run --random
// 1` feeds a model what the recorded fixtures were made from.
type Random struct{ state uint32 }

// NewRandom starts a stream at seed (taken, like the oracle's, as a 32-bit
// integer).
func NewRandom(seed int64) *Random { return &Random{state: uint32(seed)} }

// next returns a uniform value in [0, 1), as mulberry32 does.
func (r *Random) next() float64 {
	r.state += 0x6D2B79F5
	a := r.state
	t := (a ^ a>>15) * (1 | a)
	t = (t + (t^t>>7)*(61|t)) ^ t
	return float64(t^t>>14) / 4294967296
}

// Fill returns random values for a tensor of type dt with n elements:
// floats uniform in [-1, 1), int8/uint8/int16/uint16 over their whole range,
// wider integers in 0..15, bools 0 or 1.
func (r *Random) Fill(dt ir.DataType, n int) ([]byte, error) {
	size := dt.Size()
	if size == 0 || dt == ir.Complex64 || dt == ir.Complex128 {
		return nil, fmt.Errorf("cannot make random %v values", dt)
	}
	b := make([]byte, n*size)
	le := binary.LittleEndian
	for i := range n {
		v := r.next()
		p := b[i*size:]
		switch dt {
		case ir.Float32:
			le.PutUint32(p, math.Float32bits(float32(v*2-1)))
		case ir.Float64:
			le.PutUint64(p, math.Float64bits(v*2-1))
		case ir.Float16:
			le.PutUint16(p, half.Float32ToFloat16(float32(v*2-1)))
		case ir.BFloat16:
			le.PutUint16(p, uint16(math.Float32bits(float32(v*2-1))>>16))
		case ir.Int8:
			p[0] = byte(int8(math.Floor(v*256) - 128))
		case ir.Uint8:
			p[0] = byte(math.Floor(v * 256))
		case ir.Int16:
			le.PutUint16(p, uint16(int16(math.Floor(v*65536)-32768)))
		case ir.Uint16:
			le.PutUint16(p, uint16(math.Floor(v*65536)))
		case ir.Int32, ir.Uint32:
			le.PutUint32(p, uint32(math.Floor(v*16)))
		case ir.Int64, ir.Uint64:
			le.PutUint64(p, uint64(math.Floor(v*16)))
		case ir.Bool:
			if v >= 0.5 {
				p[0] = 1
			}
		default:
			return nil, fmt.Errorf("cannot make random %v values", dt)
		}
	}
	return b, nil
}
