package kernels

import "math"

// Float32 MEAN over height and width of a 4-D input under XNNPACKKernels is
// XNNPACK's global average pooling, which TFLite's delegate runs for it: the
// pixels summed in the gavgpool kernels' tree (xnnGlobalAvg) and scaled by
// the float32 reciprocal of their count.

// prepareMeanF32XNN sets up that mean; the caller checked the axes.
func (k *reduceKernel) prepareMeanF32XNN(n *Node) {
	in := n.In[0]
	batch, pixels, c := in.Shape[0], in.Shape[1]*in.Shape[2], in.Shape[3]
	rows := make([][]float32, pixels)
	zero, buf := make([]float32, c), make([]float32, c)
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	k.eval = func(n *Node) error {
		x, out := n.In[0].Float32s(), n.Out[0].Float32s()
		scale := 1 / float32(pixels)
		for b := range batch {
			for i := range rows {
				rows[i] = x[(b*pixels+i)*c:][:c]
			}
			xnnGlobalAvg(rows, zero, buf, out[b*c:(b+1)*c], scale, lo, hi)
		}
		return nil
	}
}
