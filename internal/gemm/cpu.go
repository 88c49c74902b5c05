package gemm

// namedF32 names a float32 micro-kernel, for tests and benchmarks that run
// every implementation.
type namedF32 struct {
	name string
	kern *microF32
}

// namedKernelSet names a set of kernels that a flag selects: the assembly
// ones (asm) or the pure-Go ones.
type namedKernelSet struct {
	name string
	asm  bool
}
