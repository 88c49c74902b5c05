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
