package ir

import (
	"reflect"
	"testing"
)

// OutputActivation reaches the fused activation of each options type that
// has one, for reading and writing, and no other.
func TestOutputActivation(t *testing.T) {
	with := []Options{&Conv2DOptions{}, &DepthwiseConv2DOptions{}, &TransposeConvOptions{}, &Pool2DOptions{},
		&FullyConnectedOptions{}, &AddOptions{}, &SubOptions{}, &MulOptions{}, &DivOptions{}, &ConcatenationOptions{}}
	for _, o := range with {
		f := OutputActivation(o)
		if f == nil {
			t.Fatalf("%T: no activation field", o)
		}
		*f = ActRelu6
		if got := reflect.ValueOf(o).Elem().FieldByName("Activation").Interface(); got != ActRelu6 {
			t.Errorf("%T: set ActRelu6 through the field, options hold %v", o, got)
		}
		if got := OutputActivationOf(o); got != ActRelu6 {
			t.Errorf("%T: OutputActivationOf = %v, want RELU6", o, got)
		}
	}
	for _, o := range []Options{nil, &SoftmaxOptions{}, &L2NormOptions{Activation: ActRelu}, "opaque"} {
		if OutputActivation(o) != nil || OutputActivationOf(o) != ActNone {
			t.Errorf("%T: has an output activation, want none", o)
		}
	}
}
