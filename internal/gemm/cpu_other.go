//go:build !amd64 || purego

package gemm

// availableF32 lists the float32 micro-kernels this machine can run: only the
// pure-Go one on this target (or with the purego build tag).
func availableF32() []namedF32 {
	return []namedF32{{"go", &goF32}}
}
