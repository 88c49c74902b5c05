//go:build !amd64 || purego

package gemm

// availableF32 lists the float32 micro-kernels this machine can run: only the
// pure-Go one on this target (or with the purego build tag).
func availableF32() []namedF32 {
	return []namedF32{{"go", &goF32}}
}

// dotI16x4x16 is nil: the integer multiply has no assembly kernel here.
var dotI16x4x16 func(kp int, a, b []int16, c []int32, ldc int, add bool)
