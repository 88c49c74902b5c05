//go:build !amd64 || purego

package gemm

import "unsafe"

// availableF32 lists the float32 micro-kernels this machine can run: only the
// pure-Go one on this target (or with the purego build tag).
func availableF32() []namedF32 {
	return []namedF32{{"go", &goF32}}
}

// dotI16x4x16 is nil: the integer multiply has no assembly kernel here.
var dotI16x4x16 func(kp int, a, b []int16, c []int32, ldc int, add bool)

// availableDepthwise lists the depthwise and requantization kernels: only
// the pure-Go ones.
func availableDepthwise() []namedKernelSet { return []namedKernelSet{{"go", false}} }

// dwF32Lanes is never called here (useDepthwiseAsm stays false).
func dwF32Lanes(w *DepthwiseWindow, in, filter, bias, out []float32) int { return 0 }

// requantLanes is never called here (useRequantAsm stays false).
func requantLanes(q *Requantizer, dst unsafe.Pointer, unsigned bool, acc []int32, c0 int) int {
	return 0
}

// dwIntLanes is never called here (useDepthwiseAsm stays false).
func dwIntLanes(w *DepthwiseWindow, in unsafe.Pointer, signed bool, filter []int32, zp int32, acc []int32) int {
	return 0
}
