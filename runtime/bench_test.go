package runtime

import "testing"

// BenchmarkInvokeOverhead measures the interpreter's own cost per op: a
// chain of 100 ops on 4-element tensors, where the kernels do almost
// nothing.
func BenchmarkInvokeOverhead(b *testing.B) {
	it := mustNew(b, chainModel(100, 4))
	b.ReportAllocs()
	for b.Loop() {
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepare measures New on the same chain: kernel resolution, shape
// inference and arena planning.
func BenchmarkPrepare(b *testing.B) {
	m := chainModel(100, 4)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(m); err != nil {
			b.Fatal(err)
		}
	}
}
