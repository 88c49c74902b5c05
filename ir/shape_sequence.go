package ir

import (
	"fmt"
	"slices"
)

// Shapes of the recurrent ops. Their input layouts are TFLite's: the LSTM
// family has 24 inputs (input, 4 input weights, 4 recurrent weights, 3
// peepholes, 4 gate biases, projection weights and bias, output and cell
// state, 4 layer-norm coefficients).

func init() {
	registerShape(sequenceLSTMShape, UnidirectionalSequenceLSTM)
	registerShape(lstmShape, LSTM)
	registerShape(svdfShape, SVDF)
}

const (
	lstmRecurrentToOutput = 8
	lstmProjection        = 16
)

// lstmOutputSize is n_output: the projection's rows when there is a
// projection, else the columns of the recurrent-to-output weights.
func lstmOutputSize(in []*Tensor) (int, error) {
	w, err := shapeOf(in, lstmRecurrentToOutput, "recurrent_to_output_weights", 2)
	if err != nil {
		return 0, err
	}
	n := w[1]
	if p := optArg(in, lstmProjection); p != nil {
		if len(p.Shape) != 2 || p.Shape[0] != n {
			return 0, fmt.Errorf("input %d (projection_weights) has shape %v, expected [%d, cells]", lstmProjection, p.Shape, n)
		}
	}
	return n, nil
}

// sequenceLSTMShape keeps the input's [time, batch] or [batch, time] layout
// and replaces its features with n_output.
func sequenceLSTMShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input", 3)
	if err != nil {
		return nil, err
	}
	n, err := lstmOutputSize(in)
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(in, 4, "input_to_output_weights", 2)
	if err != nil {
		return nil, err
	}
	if w[1] != x[2] {
		return nil, fmt.Errorf("input 4 (input_to_output_weights) %v does not take the %d features of input 0 (input) %v", w, x[2], x)
	}
	out := slices.Clone(x)
	out[2] = n
	return one(out), nil
}

func lstmShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input", 2)
	if err != nil {
		return nil, err
	}
	n, err := lstmOutputSize(in)
	if err != nil {
		return nil, err
	}
	// Old LSTM files carry scratch and state outputs too; TFLite's current
	// form keeps the states in variable inputs and has one output.
	if len(op.Outputs) > 1 {
		return nil, fmt.Errorf("%d outputs; only the one-output form is supported", len(op.Outputs))
	}
	return one([]int{x[0], n}), nil
}

// svdfShape: input [batch, input_size], weights_feature [filters,
// input_size], weights_time [filters, memory], state [batch, memory*filters];
// the output is [batch, filters/rank].
func svdfShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[SVDFOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input", 2)
	if err != nil {
		return nil, err
	}
	wf, err := shapeOf(in, 1, "weights_feature", 2)
	if err != nil {
		return nil, err
	}
	wt, err := shapeOf(in, 2, "weights_time", 2)
	if err != nil {
		return nil, err
	}
	filters := wf[0]
	if wf[1] != x[1] {
		return nil, fmt.Errorf("input 1 (weights_feature) %v does not take the %d features of input 0 (input) %v", wf, x[1], x)
	}
	if wt[0] != filters {
		return nil, fmt.Errorf("input 2 (weights_time) %v has %d filters, input 1 (weights_feature) has %d", wt, wt[0], filters)
	}
	if o.Rank < 1 || filters%o.Rank != 0 {
		return nil, fmt.Errorf("rank %d does not divide the %d filters", o.Rank, filters)
	}
	units := filters / o.Rank
	if err := checkBias(in, 3, units); err != nil {
		return nil, err
	}
	if st := optArg(in, 4); st != nil {
		if want := []int{x[0], wt[1] * filters}; !slices.Equal(st.Shape, want) {
			return nil, fmt.Errorf("input 4 (state) has shape %v, expected %v", st.Shape, want)
		}
	}
	return one([]int{x[0], units}), nil
}
