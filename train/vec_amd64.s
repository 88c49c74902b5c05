//go:build amd64 && !purego

#include "textflag.h"

// AVX2 twins of the loops in vec.go. Row loops walk rows of c channels (c a
// multiple of 8, rows > 0) eight channels at a time; AX is the byte offset in
// the row, BX the row's width in bytes. Products are rounded before they are
// added (VMULPS then VADDPS, never FMA) as the Go loops do. VMAXPS and
// VMINPS return their second source when the comparison is false, which is
// the Go loops' "lo unless above lo, hi unless below hi".

// func bnSumsAVX2(x *float32, rows, c int, x0, sum, sq *float32)
TEXT ·bnSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ rows+8(FP), CX
	MOVQ c+16(FP), BX
	SHLQ $2, BX
	MOVQ x0+24(FP), R8
	MOVQ sum+32(FP), R9
	MOVQ sq+40(FP), R10

sumsRow:
	XORQ AX, AX

sumsCol:
	VMOVUPS (SI)(AX*1), Y0
	VSUBPS  (R8)(AX*1), Y0, Y0 // d = x - x0
	VADDPS  (R9)(AX*1), Y0, Y1
	VMOVUPS Y1, (R9)(AX*1)
	VMULPS  Y0, Y0, Y2
	VADDPS  (R10)(AX*1), Y2, Y2
	VMOVUPS Y2, (R10)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JB      sumsCol
	ADDQ    BX, SI
	DECQ    CX
	JNE     sumsRow
	VZEROUPPER
	RET

// func affineClampAVX2(x, y *float32, rows, c int, scale, shift *float32, lo, hi float32)
TEXT ·affineClampAVX2(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), SI
	MOVQ         y+8(FP), DI
	MOVQ         rows+16(FP), CX
	MOVQ         c+24(FP), BX
	SHLQ         $2, BX
	MOVQ         scale+32(FP), R8
	MOVQ         shift+40(FP), R9
	VBROADCASTSS lo+48(FP), Y6
	VBROADCASTSS hi+52(FP), Y7

affineRow:
	XORQ AX, AX

affineCol:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS  (R8)(AX*1), Y0, Y0
	VADDPS  (R9)(AX*1), Y0, Y0
	VMAXPS  Y6, Y0, Y0         // Y0 > lo ? Y0 : lo
	VMINPS  Y7, Y0, Y0         // Y0 < hi ? Y0 : hi
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JB      affineCol
	ADDQ    BX, SI
	ADDQ    BX, DI
	DECQ    CX
	JNE     affineRow
	VZEROUPPER
	RET

// func bnGradSumsAVX2(x, dy *float32, rows, c int, scale, shift, mean *float32, lo, hi float32, sdz, sdzx *float32)
TEXT ·bnGradSumsAVX2(SB), NOSPLIT, $0-80
	MOVQ         x+0(FP), SI
	MOVQ         dy+8(FP), DI
	MOVQ         rows+16(FP), CX
	MOVQ         c+24(FP), BX
	SHLQ         $2, BX
	MOVQ         scale+32(FP), R8
	MOVQ         shift+40(FP), R9
	MOVQ         mean+48(FP), R10
	VBROADCASTSS lo+56(FP), Y6
	VBROADCASTSS hi+60(FP), Y7
	MOVQ         sdz+64(FP), R11
	MOVQ         sdzx+72(FP), R12

gsumsRow:
	XORQ AX, AX

gsumsCol:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS  (R8)(AX*1), Y0, Y1
	VADDPS  (R9)(AX*1), Y1, Y1  // t = x*scale + shift
	VCMPPS  $0x1e, Y6, Y1, Y2   // t > lo (ordered)
	VCMPPS  $0x11, Y7, Y1, Y3   // t < hi (ordered)
	VANDPS  Y3, Y2, Y2
	VANDPS  (DI)(AX*1), Y2, Y4  // g = dy, or 0 outside
	VADDPS  (R11)(AX*1), Y4, Y5
	VMOVUPS Y5, (R11)(AX*1)
	VSUBPS  (R10)(AX*1), Y0, Y0 // x - mean
	VMULPS  Y0, Y4, Y0
	VADDPS  (R12)(AX*1), Y0, Y0
	VMOVUPS Y0, (R12)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JB      gsumsCol
	ADDQ    BX, SI
	ADDQ    BX, DI
	DECQ    CX
	JNE     gsumsRow
	VZEROUPPER
	RET

// func bnGradApplyAVX2(x, dy, dx *float32, rows, c int, scale, shift, mean, k, mdz, q *float32, lo, hi float32, add bool)
TEXT ·bnGradApplyAVX2(SB), NOSPLIT, $0-97
	MOVQ         x+0(FP), SI
	MOVQ         dy+8(FP), DI
	MOVQ         dx+16(FP), DX
	MOVQ         rows+24(FP), CX
	MOVQ         c+32(FP), BX
	SHLQ         $2, BX
	MOVQ         scale+40(FP), R8
	MOVQ         shift+48(FP), R9
	MOVQ         mean+56(FP), R10
	MOVQ         k+64(FP), R11
	MOVQ         mdz+72(FP), R12
	MOVQ         q+80(FP), R13
	VBROADCASTSS lo+88(FP), Y6
	VBROADCASTSS hi+92(FP), Y7

applyRow:
	XORQ AX, AX

applyCol:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS  (R8)(AX*1), Y0, Y1
	VADDPS  (R9)(AX*1), Y1, Y1  // t = x*scale + shift
	VCMPPS  $0x1e, Y6, Y1, Y2   // t > lo
	VCMPPS  $0x11, Y7, Y1, Y3   // t < hi
	VANDPS  Y3, Y2, Y2
	VANDPS  (DI)(AX*1), Y2, Y4  // g
	VSUBPS  (R12)(AX*1), Y4, Y4 // g - mdz
	VSUBPS  (R10)(AX*1), Y0, Y0 // x - mean
	VMULPS  (R13)(AX*1), Y0, Y0 // (x - mean)*q
	VSUBPS  Y0, Y4, Y4
	VMULPS  (R11)(AX*1), Y4, Y4 // k*(...)
	CMPB    add+96(FP), $0
	JE      applyStore
	VADDPS  (DX)(AX*1), Y4, Y4

applyStore:
	VMOVUPS Y4, (DX)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JB      applyCol
	ADDQ    BX, SI
	ADDQ    BX, DI
	ADDQ    BX, DX
	DECQ    CX
	JNE     applyRow
	VZEROUPPER
	RET

// func mulAddAVX2(dst, a, b *float32, n int)
// n is a positive multiple of 8.
TEXT ·mulAddAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ AX, AX

mulAddLoop:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS  (DX)(AX*1), Y0, Y0
	VADDPS  (DI)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JB      mulAddLoop
	VZEROUPPER
	RET

// func mulAVX2(dst, a, b *float32, n int)
// n is a positive multiple of 8.
TEXT ·mulAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ AX, AX

mulLoop:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS  (DX)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JB      mulLoop
	VZEROUPPER
	RET

// func mmF32x4x16(n int, a *float32, aT, aM int, b *float32, ldb int, c *float32, ldc int, cols int, add bool)
//
// c[m][j] = (or, with add, +=) Σ_{t<n} a[t*aT + m*aM] * b[t*ldb + j] for
// m < 4, j < cols (a positive multiple of 16), sixteen columns at a time:
// the four a values of a step are broadcast, the sixteen b values loaded,
// and the products added in t order into Y0-Y7 (row m in Y(2m), Y(2m+1)).
// n > 0.
TEXT ·mmF32x4x16(SB), NOSPLIT, $0-73
	MOVQ a+8(FP), BX
	MOVQ aT+16(FP), R10
	SHLQ $2, R10
	MOVQ aM+24(FP), R8
	SHLQ $2, R8
	MOVQ ldb+40(FP), R11
	SHLQ $2, R11
	MOVQ ldc+56(FP), R12
	SHLQ $2, R12
	MOVQ cols+64(FP), AX
	SHLQ $2, AX
	XORQ R13, R13        // the tile's column offset in bytes

mm16Tile:
	MOVQ n+0(FP), CX
	MOVQ BX, SI
	LEAQ (R8)(R8*2), R9
	ADDQ SI, R9          // R9 = a + 3*aM
	MOVQ b+32(FP), DI
	ADDQ R13, DI

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

mm16Loop:
	VMOVUPS      (DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VMULPS       Y8, Y10, Y12
	VADDPS       Y12, Y0, Y0
	VMULPS       Y9, Y10, Y13
	VADDPS       Y13, Y1, Y1
	VBROADCASTSS (SI)(R8*1), Y11
	VMULPS       Y8, Y11, Y14
	VADDPS       Y14, Y2, Y2
	VMULPS       Y9, Y11, Y15
	VADDPS       Y15, Y3, Y3
	VBROADCASTSS (SI)(R8*2), Y10
	VMULPS       Y8, Y10, Y12
	VADDPS       Y12, Y4, Y4
	VMULPS       Y9, Y10, Y13
	VADDPS       Y13, Y5, Y5
	VBROADCASTSS (R9), Y11
	VMULPS       Y8, Y11, Y14
	VADDPS       Y14, Y6, Y6
	VMULPS       Y9, Y11, Y15
	VADDPS       Y15, Y7, Y7
	ADDQ         R10, SI
	ADDQ         R10, R9
	ADDQ         R11, DI
	DECQ         CX
	JNE          mm16Loop

	MOVQ    c+48(FP), DX
	ADDQ    R13, DX
	LEAQ    (DX)(R12*1), SI
	LEAQ    (SI)(R12*1), R9
	LEAQ    (R9)(R12*1), DI
	CMPB    add+72(FP), $0
	JE      mm16Store
	VADDPS  (DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1
	VADDPS  (SI), Y2, Y2
	VADDPS  32(SI), Y3, Y3
	VADDPS  (R9), Y4, Y4
	VADDPS  32(R9), Y5, Y5
	VADDPS  (DI), Y6, Y6
	VADDPS  32(DI), Y7, Y7

mm16Store:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (SI)
	VMOVUPS Y3, 32(SI)
	VMOVUPS Y4, (R9)
	VMOVUPS Y5, 32(R9)
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    $64, R13
	CMPQ    R13, AX
	JB      mm16Tile
	VZEROUPPER
	RET

// func mmF32x4x8(n int, a *float32, aT, aM int, b *float32, ldb int, c *float32, ldc int, add bool)
//
// mmF32x4x16 for eight columns.
TEXT ·mmF32x4x8(SB), NOSPLIT, $0-65
	MOVQ n+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ aT+16(FP), R10
	SHLQ $2, R10
	MOVQ aM+24(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	ADDQ SI, R9
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R11
	SHLQ $2, R11
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R12
	SHLQ $2, R12

	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6

mm8Loop:
	VMOVUPS      (DI), Y8
	VBROADCASTSS (SI), Y10
	VMULPS       Y8, Y10, Y12
	VADDPS       Y12, Y0, Y0
	VBROADCASTSS (SI)(R8*1), Y11
	VMULPS       Y8, Y11, Y14
	VADDPS       Y14, Y2, Y2
	VBROADCASTSS (SI)(R8*2), Y10
	VMULPS       Y8, Y10, Y13
	VADDPS       Y13, Y4, Y4
	VBROADCASTSS (R9), Y11
	VMULPS       Y8, Y11, Y15
	VADDPS       Y15, Y6, Y6
	ADDQ         R10, SI
	ADDQ         R10, R9
	ADDQ         R11, DI
	DECQ         CX
	JNE          mm8Loop

	LEAQ    (DX)(R12*1), R8
	LEAQ    (R8)(R12*1), R9
	LEAQ    (R9)(R12*1), R10
	CMPB    add+64(FP), $0
	JE      mm8Store
	VADDPS  (DX), Y0, Y0
	VADDPS  (R8), Y2, Y2
	VADDPS  (R9), Y4, Y4
	VADDPS  (R10), Y6, Y6

mm8Store:
	VMOVUPS Y0, (DX)
	VMOVUPS Y2, (R8)
	VMOVUPS Y4, (R9)
	VMOVUPS Y6, (R10)
	VZEROUPPER
	RET
