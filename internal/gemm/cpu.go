package gemm

type namedF32 struct {
	name string
	kern *microF32
}

// availableF32 lists the float32 micro-kernels this machine can run, the
// pure-Go one last.
func availableF32() []namedF32 {
	return []namedF32{{"go", &goF32}}
}
