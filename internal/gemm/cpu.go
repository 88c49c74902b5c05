package gemm

// namedF32 names a float32 micro-kernel, for tests and benchmarks that run
// every implementation.
type namedF32 struct {
	name string
	kern *microF32
}

// namedDepthwise names a set of depthwise kernels: the assembly ones (asm)
// or the pure-Go ones.
type namedDepthwise struct {
	name string
	asm  bool
}
