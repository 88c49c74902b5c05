package kernels

import "errors"

// lstmIntegerState is what the integer LSTM precomputes at Prepare.
type lstmIntegerState struct{}

func (k *lstmKernel) prepareInteger(n *Node) error {
	return errors.New("full-integer LSTM is not supported yet")
}

func (k *lstmKernel) evalInteger(n *Node) {}
