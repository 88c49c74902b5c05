//go:build amd64 && !purego

#include "textflag.h"

// func avx2DepthwiseF32(out, in, filter, bias *float32, cBytes, rows, cols, inRow, inCol, fRow, chanStride, pixels, inPix int, lo, hi float32)
//
// For each of pixels output pixels and each of the first cBytes/4 channels
// (a multiple of 8): out = clamp(bias + sum over rows x cols taps of
// in*filter, lo, hi). Strides are in bytes: tap (r, q) is at r*inRow +
// q*inCol of the pixel's input and r*fRow + q*chanStride of the filter;
// pixels are chanStride apart in out and inPix apart in in. Blocks of 32
// channels keep four independent FMA chains; the rest go 8 at a time.
TEXT ·avx2DepthwiseF32(SB), NOSPLIT, $0-112
	MOVQ         out+0(FP), DI
	MOVQ         in+8(FP), SI
	MOVQ         filter+16(FP), DX
	MOVQ         bias+24(FP), R8
	MOVQ         inCol+64(FP), R13
	MOVQ         chanStride+80(FP), R15
	MOVQ         pixels+88(FP), R14
	VBROADCASTSS lo+104(FP), Y14
	VBROADCASTSS hi+108(FP), Y15

pixel:
	XORQ CX, CX

block32:
	LEAQ    128(CX), AX
	CMPQ    AX, cBytes+32(FP)
	JGT     block8
	VMOVUPS (R8)(CX*1), Y0
	VMOVUPS 32(R8)(CX*1), Y1
	VMOVUPS 64(R8)(CX*1), Y2
	VMOVUPS 96(R8)(CX*1), Y3
	LEAQ    (SI)(CX*1), R9
	LEAQ    (DX)(CX*1), R10
	MOVQ    rows+40(FP), R11
	TESTQ   R11, R11
	JE      store32

row32:
	MOVQ  R9, AX
	MOVQ  R10, BX
	MOVQ  cols+48(FP), R12
	TESTQ R12, R12
	JE    next32

col32:
	VMOVUPS     (AX), Y4
	VMOVUPS     32(AX), Y5
	VMOVUPS     64(AX), Y6
	VMOVUPS     96(AX), Y7
	VFMADD231PS (BX), Y4, Y0
	VFMADD231PS 32(BX), Y5, Y1
	VFMADD231PS 64(BX), Y6, Y2
	VFMADD231PS 96(BX), Y7, Y3
	ADDQ        R13, AX
	ADDQ        R15, BX
	DECQ        R12
	JNE         col32

next32:
	ADDQ inRow+56(FP), R9
	ADDQ fRow+72(FP), R10
	DECQ R11
	JNE  row32

store32:
	// max(lo, v) then min(hi, v), with v second so that NaN stays NaN.
	VMAXPS  Y0, Y14, Y0
	VMAXPS  Y1, Y14, Y1
	VMAXPS  Y2, Y14, Y2
	VMAXPS  Y3, Y14, Y3
	VMINPS  Y0, Y15, Y0
	VMINPS  Y1, Y15, Y1
	VMINPS  Y2, Y15, Y2
	VMINPS  Y3, Y15, Y3
	VMOVUPS Y0, (DI)(CX*1)
	VMOVUPS Y1, 32(DI)(CX*1)
	VMOVUPS Y2, 64(DI)(CX*1)
	VMOVUPS Y3, 96(DI)(CX*1)
	ADDQ    $128, CX
	JMP     block32

block8:
	CMPQ    CX, cBytes+32(FP)
	JGE     nextpixel
	VMOVUPS (R8)(CX*1), Y0
	LEAQ    (SI)(CX*1), R9
	LEAQ    (DX)(CX*1), R10
	MOVQ    rows+40(FP), R11
	TESTQ   R11, R11
	JE      store8

row8:
	MOVQ  R9, AX
	MOVQ  R10, BX
	MOVQ  cols+48(FP), R12
	TESTQ R12, R12
	JE    next8

col8:
	VMOVUPS     (AX), Y4
	VFMADD231PS (BX), Y4, Y0
	ADDQ        R13, AX
	ADDQ        R15, BX
	DECQ        R12
	JNE         col8

next8:
	ADDQ inRow+56(FP), R9
	ADDQ fRow+72(FP), R10
	DECQ R11
	JNE  row8

store8:
	VMAXPS  Y0, Y14, Y0
	VMINPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(CX*1)
	ADDQ    $32, CX
	JMP     block8

nextpixel:
	ADDQ R15, DI
	ADDQ inPix+96(FP), SI
	DECQ R14
	JNE  pixel
	VZEROUPPER
	RET
