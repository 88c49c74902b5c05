package kernels

import "errors"

type svdfHybridState struct{}

type svdfIntegerState struct{}

func (k *svdfKernel) prepareHybrid(n *Node) error {
	return errors.New("hybrid SVDF is not supported yet")
}

func (k *svdfKernel) evalHybrid(n *Node) {}

func (k *svdfKernel) prepareInteger(n *Node) error {
	return errors.New("full-integer SVDF is not supported yet")
}

func (k *svdfKernel) evalInteger(n *Node) {}
