package kernels

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

type nopKernel struct{}

func (nopKernel) Prepare(*Node) error { return nil }
func (nopKernel) Eval(*Node) error    { return nil }

func TestRegisterCustom(t *testing.T) {
	RegisterCustom("liteforge_test_nop", func() Kernel { return nopKernel{} })
	if _, ok := LookupCustom("liteforge_test_nop"); !ok {
		t.Fatal("registered custom op not found")
	}
	if _, ok := LookupCustom("liteforge_test_absent"); ok {
		t.Fatal("unregistered custom op found")
	}
	if _, ok := LookupOp(&ir.Op{Type: ir.Custom, Custom: "liteforge_test_nop"}); !ok {
		t.Fatal("LookupOp did not find the custom op by its code")
	}
	if _, ok := LookupOp(&ir.Op{Type: ir.Custom, Custom: "liteforge_test_absent"}); ok {
		t.Fatal("LookupOp found an unregistered custom op")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a custom op twice did not panic")
		}
	}()
	RegisterCustom("liteforge_test_nop", func() Kernel { return nopKernel{} })
}
