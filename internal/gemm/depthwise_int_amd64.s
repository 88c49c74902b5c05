//go:build amd64 && !purego

#include "textflag.h"

// DEPTHWISE_INT(EXT) is the body of the integer depthwise kernels, EXT the
// instruction that widens eight 8-bit inputs to int32 lanes (VPMOVSXBD for
// int8, VPMOVZXBD for uint8).
//
// For each of pixels output pixels and each of the first n channels (a
// multiple of 8): acc = sum over rows x cols taps of filter*(in - zp), with
// the filter already widened to int32. Strides are in bytes: tap (r, q) is
// at r*inRow + q*inCol of the pixel's input and r*fRow + q*chanStride of the
// filter; pixels are chanStride apart in acc and inPix apart in in.
#define DEPTHWISE_INT(EXT) \
	MOVQ         acc+0(FP), DI \
	MOVQ         in+8(FP), SI \
	MOVQ         filter+16(FP), DX \
	MOVQ         inCol+56(FP), R13 \
	MOVQ         chanStride+72(FP), R15 \
	MOVQ         pixels+80(FP), R14 \
	MOVL         zp+96(FP), AX \
	MOVQ         AX, X15 \
	VPBROADCASTD X15, Y15 \
pixel: \
	XORQ CX, CX \
block32: \
	LEAQ  32(CX), AX \
	CMPQ  AX, n+24(FP) \
	JGT   block8 \
	VPXOR Y0, Y0, Y0 \
	VPXOR Y1, Y1, Y1 \
	VPXOR Y2, Y2, Y2 \
	VPXOR Y3, Y3, Y3 \
	LEAQ  (SI)(CX*1), R9 \
	LEAQ  (DX)(CX*4), R10 \
	MOVQ  rows+32(FP), R11 \
	TESTQ R11, R11 \
	JE    store32 \
row32: \
	MOVQ  R9, AX \
	MOVQ  R10, BX \
	MOVQ  cols+40(FP), R12 \
	TESTQ R12, R12 \
	JE    next32 \
col32: \
	EXT     (AX), Y4 \
	EXT     8(AX), Y5 \
	EXT     16(AX), Y6 \
	EXT     24(AX), Y7 \
	VPSUBD  Y15, Y4, Y4 \
	VPSUBD  Y15, Y5, Y5 \
	VPSUBD  Y15, Y6, Y6 \
	VPSUBD  Y15, Y7, Y7 \
	VPMULLD (BX), Y4, Y4 \
	VPMULLD 32(BX), Y5, Y5 \
	VPMULLD 64(BX), Y6, Y6 \
	VPMULLD 96(BX), Y7, Y7 \
	VPADDD  Y4, Y0, Y0 \
	VPADDD  Y5, Y1, Y1 \
	VPADDD  Y6, Y2, Y2 \
	VPADDD  Y7, Y3, Y3 \
	ADDQ    R13, AX \
	ADDQ    R15, BX \
	DECQ    R12 \
	JNE     col32 \
next32: \
	ADDQ inRow+48(FP), R9 \
	ADDQ fRow+64(FP), R10 \
	DECQ R11 \
	JNE  row32 \
store32: \
	VMOVDQU Y0, (DI)(CX*4) \
	VMOVDQU Y1, 32(DI)(CX*4) \
	VMOVDQU Y2, 64(DI)(CX*4) \
	VMOVDQU Y3, 96(DI)(CX*4) \
	ADDQ    $32, CX \
	JMP     block32 \
block8: \
	CMPQ  CX, n+24(FP) \
	JGE   nextpixel \
	VPXOR Y0, Y0, Y0 \
	LEAQ  (SI)(CX*1), R9 \
	LEAQ  (DX)(CX*4), R10 \
	MOVQ  rows+32(FP), R11 \
	TESTQ R11, R11 \
	JE    store8 \
row8: \
	MOVQ  R9, AX \
	MOVQ  R10, BX \
	MOVQ  cols+40(FP), R12 \
	TESTQ R12, R12 \
	JE    next8 \
col8: \
	EXT     (AX), Y4 \
	VPSUBD  Y15, Y4, Y4 \
	VPMULLD (BX), Y4, Y4 \
	VPADDD  Y4, Y0, Y0 \
	ADDQ    R13, AX \
	ADDQ    R15, BX \
	DECQ    R12 \
	JNE     col8 \
next8: \
	ADDQ inRow+48(FP), R9 \
	ADDQ fRow+64(FP), R10 \
	DECQ R11 \
	JNE  row8 \
store8: \
	VMOVDQU Y0, (DI)(CX*4) \
	ADDQ    $8, CX \
	JMP     block8 \
nextpixel: \
	ADDQ R15, DI \
	ADDQ inPix+88(FP), SI \
	DECQ R14 \
	JNE  pixel \
	VZEROUPPER \
	RET

// func avx2DepthwiseI8(acc *int32, in *int8, filter *int32, n, rows, cols, inRow, inCol, fRow, chanStride, pixels, inPix int, zp int32)
TEXT ·avx2DepthwiseI8(SB), NOSPLIT, $0-100
	DEPTHWISE_INT(VPMOVSXBD)

// func avx2DepthwiseU8(acc *int32, in *uint8, filter *int32, n, rows, cols, inRow, inCol, fRow, chanStride, pixels, inPix int, zp int32)
TEXT ·avx2DepthwiseU8(SB), NOSPLIT, $0-100
	DEPTHWISE_INT(VPMOVZXBD)
