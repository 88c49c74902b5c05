package kernels

import "errors"

// lstmHybridState is what the hybrid LSTM precomputes at Prepare.
type lstmHybridState struct{}

func (k *lstmKernel) prepareHybrid(n *Node) error {
	return errors.New("hybrid (int8 weights, float activations) LSTM is not supported yet")
}

func (k *lstmKernel) evalHybrid(n *Node) {}
