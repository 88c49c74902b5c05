package kernels

import "github.com/liteforge/liteforge/ir"

// SPACE_TO_DEPTH moves block_size × block_size spatial patches into channels
// (NHWC, patch row-major, then the input channels); DEPTH_TO_SPACE undoes it.
// Both are remaps over a 6-d view of the output.

func init() {
	Register(ir.SpaceToDepth, func() Kernel { return &spaceDepthKernel{toDepth: true} })
	Register(ir.DepthToSpace, func() Kernel { return &spaceDepthKernel{} })
}

type spaceDepthKernel struct {
	toDepth bool
	plan    remap
}

func (k *spaceDepthKernel) Prepare(n *Node) error {
	if err := checkArity(n, 1, 1, 1); err != nil {
		return err
	}
	var bs int
	if k.toDepth {
		o, err := options[ir.SpaceToDepthOptions](n)
		if err != nil {
			return err
		}
		bs = o.BlockSize
	} else {
		o, err := options[ir.DepthToSpaceOptions](n)
		if err != nil {
			return err
		}
		bs = o.BlockSize
	}
	in, out := n.In[0], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	if len(in.Shape) != 4 {
		return nodeErr(n, "input %q has shape %v, want 4-d NHWC", in.Name, in.Shape)
	}
	if bs < 1 {
		return nodeErr(n, "block size %d is not positive", bs)
	}
	warnQuantMismatch(n, in, out)
	b, h, w, c := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	sB, sH, sW := h*w*c, w*c, c
	var view []int
	var steps [6]int
	if k.toDepth {
		if h%bs != 0 || w%bs != 0 {
			return nodeErr(n, "input %q spatial size %dx%d is not a multiple of block size %d", in.Name, h, w, bs)
		}
		if err := checkShape(n, out, []int{b, h / bs, w / bs, c * bs * bs}); err != nil {
			return err
		}
		// out[b, y, x, (by*bs+bx)*c + ch] = in[b, y*bs+by, x*bs+bx, ch]
		view = []int{b, h / bs, w / bs, bs, bs, c}
		steps = [6]int{sB, bs * sH, bs * sW, sH, sW, 1}
	} else {
		if c%(bs*bs) != 0 {
			return nodeErr(n, "input %q depth %d is not a multiple of block size² %d", in.Name, c, bs*bs)
		}
		oc := c / (bs * bs)
		if err := checkShape(n, out, []int{b, h * bs, w * bs, oc}); err != nil {
			return err
		}
		// out[b, y*bs+by, x*bs+bx, ch] = in[b, y, x, (by*bs+bx)*oc + ch]
		view = []int{b, h, bs, w, bs, oc}
		steps = [6]int{sB, sH, bs * oc, sW, oc, 1}
	}
	k.plan.init(es, view)
	for d, t := range k.plan.off {
		for o := range t {
			t[o] = o * steps[d]
		}
	}
	k.plan.finish()
	return nil
}

func (k *spaceDepthKernel) Eval(n *Node) error {
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
