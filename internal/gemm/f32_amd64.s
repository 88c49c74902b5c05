//go:build amd64 && !purego

#include "textflag.h"

// func avx2FullF32x6x16(kc int, a, b, c *float32, ldc int, add bool)
//
// C[6][16] (row stride ldc floats) = (or +=) the product of a 6-row packed
// panel of A (6 floats per k) and a 16-column packed panel of B (16 floats
// per k), over kc steps. Twelve accumulators Y0-Y11 hold the tile.
TEXT ·avx2FullF32x6x16(SB), NOSPLIT, $0-41
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	TESTQ CX, CX
	JE    done

loop:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (SI), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS 4(SI), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS 8(SI), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS 12(SI), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS 16(SI), Y14
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VBROADCASTSS 20(SI), Y15
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $24, SI
	ADDQ         $64, DI
	DECQ         CX
	JNE          loop

done:
	LEAQ (DX)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	MOVBLZX add+40(FP), AX
	TESTB   AL, AL
	JE      store
	VADDPS  (DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1
	VADDPS  (R9), Y2, Y2
	VADDPS  32(R9), Y3, Y3
	VADDPS  (R10), Y4, Y4
	VADDPS  32(R10), Y5, Y5
	VADDPS  (R11), Y6, Y6
	VADDPS  32(R11), Y7, Y7
	VADDPS  (R12), Y8, Y8
	VADDPS  32(R12), Y9, Y9
	VADDPS  (R13), Y10, Y10
	VADDPS  32(R13), Y11, Y11

store:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (R9)
	VMOVUPS Y3, 32(R9)
	VMOVUPS Y4, (R10)
	VMOVUPS Y5, 32(R10)
	VMOVUPS Y6, (R11)
	VMOVUPS Y7, 32(R11)
	VMOVUPS Y8, (R12)
	VMOVUPS Y9, 32(R12)
	VMOVUPS Y10, (R13)
	VMOVUPS Y11, 32(R13)
	VZEROUPPER
	RET

// func avx2RowF32x16(kc int, a, b, c *float32, add bool)
//
// c[16] = (or +=) a[0:kc] times a 16-column packed panel of B. Two k steps
// per iteration feed four accumulators, so the FMA latency is hidden.
TEXT ·avx2RowF32x16(SB), NOSPLIT, $0-33
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $2
	JL   tail

pair:
	VBROADCASTSS (SI), Y14
	VBROADCASTSS 4(SI), Y15
	VFMADD231PS  (DI), Y14, Y0
	VFMADD231PS  32(DI), Y14, Y1
	VFMADD231PS  64(DI), Y15, Y2
	VFMADD231PS  96(DI), Y15, Y3
	ADDQ         $8, SI
	ADDQ         $128, DI
	SUBQ         $2, CX
	CMPQ         CX, $2
	JGE          pair

tail:
	TESTQ CX, CX
	JE    rowdone
	VBROADCASTSS (SI), Y14
	VFMADD231PS  (DI), Y14, Y0
	VFMADD231PS  32(DI), Y14, Y1

rowdone:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	MOVBLZX add+32(FP), AX
	TESTB   AL, AL
	JE      rowstore
	VADDPS  (DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1

rowstore:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VZEROUPPER
	RET

// func avx2DotI16x4x16(kp int, a, b *int16, c *int32, ldc int, add bool)
//
// C[4][16] (int32, row stride ldc) = (or +=) the product of a 4-row panel of
// A and a 16-column panel of B, both widened to int16 and packed in k pairs:
// A as [kp][4 rows][2], B as [kp][16 columns][2]. VPMADDWD multiplies a
// broadcast pair of A by eight column pairs of B and adds the two products,
// exactly, into int32 lanes.
TEXT ·avx2DotI16x4x16(SB), NOSPLIT, $0-41
	MOVQ kp+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	TESTQ CX, CX
	JE    idone

iloop:
	VMOVDQU      (DI), Y8
	VMOVDQU      32(DI), Y9
	VPBROADCASTD (SI), Y10
	VPMADDWD     Y8, Y10, Y11
	VPADDD       Y11, Y0, Y0
	VPMADDWD     Y9, Y10, Y12
	VPADDD       Y12, Y1, Y1
	VPBROADCASTD 4(SI), Y13
	VPMADDWD     Y8, Y13, Y14
	VPADDD       Y14, Y2, Y2
	VPMADDWD     Y9, Y13, Y15
	VPADDD       Y15, Y3, Y3
	VPBROADCASTD 8(SI), Y10
	VPMADDWD     Y8, Y10, Y11
	VPADDD       Y11, Y4, Y4
	VPMADDWD     Y9, Y10, Y12
	VPADDD       Y12, Y5, Y5
	VPBROADCASTD 12(SI), Y13
	VPMADDWD     Y8, Y13, Y14
	VPADDD       Y14, Y6, Y6
	VPMADDWD     Y9, Y13, Y15
	VPADDD       Y15, Y7, Y7
	ADDQ         $16, SI
	ADDQ         $64, DI
	DECQ         CX
	JNE          iloop

idone:
	LEAQ    (DX)(R8*1), R9
	LEAQ    (R9)(R8*1), R10
	LEAQ    (R10)(R8*1), R11
	MOVBLZX add+40(FP), AX
	TESTB   AL, AL
	JE      istore
	VPADDD  (DX), Y0, Y0
	VPADDD  32(DX), Y1, Y1
	VPADDD  (R9), Y2, Y2
	VPADDD  32(R9), Y3, Y3
	VPADDD  (R10), Y4, Y4
	VPADDD  32(R10), Y5, Y5
	VPADDD  (R11), Y6, Y6
	VPADDD  32(R11), Y7, Y7

istore:
	VMOVDQU Y0, (DX)
	VMOVDQU Y1, 32(DX)
	VMOVDQU Y2, (R9)
	VMOVDQU Y3, 32(R9)
	VMOVDQU Y4, (R10)
	VMOVDQU Y5, 32(R10)
	VMOVDQU Y6, (R11)
	VMOVDQU Y7, 32(R11)
	VZEROUPPER
	RET
