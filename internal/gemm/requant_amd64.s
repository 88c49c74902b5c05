//go:build amd64 && !purego

#include "textflag.h"

// func avx2Requant8(dst *byte, acc *int32, n int, table *int32, stride int, zp, lo, hi int32, unsigned bool)
//
// Requantizes n int32 sums (a multiple of 8) into 8-bit outputs, eight
// channels per step, exactly as Requantizer.one: table points at the first
// channel's bias; the rows mult, left, right, mask and half follow, stride
// bytes apart. SaturatingRoundingDoublingHighMul is floor((x*m + 2^30) /
// 2^31) on 64-bit products (VPMULDQ takes the even lanes, and the odd ones
// once shifted down); RoundingDivideByPOT adds one where the remainder
// exceeds mask/2 (mask/2 + 1 for negative x). The clamped results narrow
// with saturating packs, which are exact inside [lo, hi].
TEXT ·avx2Requant8(SB), NOSPLIT, $0-53
	MOVQ         dst+0(FP), DI
	MOVQ         acc+8(FP), SI
	MOVQ         n+16(FP), CX
	MOVQ         table+24(FP), DX
	MOVQ         stride+32(FP), R8
	MOVL         zp+40(FP), AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13
	MOVL         lo+44(FP), AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14
	MOVL         hi+48(FP), AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	MOVBLZX      unsigned+52(FP), BX
	MOVQ         $0x40000000, AX
	MOVQ         AX, X12
	VPBROADCASTQ X12, Y12
	LEAQ         (DX)(R8*1), R10  // mult
	LEAQ         (R10)(R8*1), R11 // left
	LEAQ         (R11)(R8*1), R12 // right
	LEAQ         (R12)(R8*1), R13 // mask
	LEAQ         (R13)(R8*1), R14 // half
	XORQ         AX, AX

loop:
	VMOVDQU (SI)(AX*1), Y0
	VPADDD  (DX)(AX*1), Y0, Y0
	VMOVDQU (R11)(AX*1), Y1
	VPSLLVD Y1, Y0, Y0

	// SaturatingRoundingDoublingHighMul(x, mult)
	VMOVDQU  (R10)(AX*1), Y1
	VPMULDQ  Y1, Y0, Y2
	VPSRLQ   $32, Y0, Y3
	VPSRLQ   $32, Y1, Y4
	VPMULDQ  Y4, Y3, Y3
	VPADDQ   Y12, Y2, Y2
	VPADDQ   Y12, Y3, Y3
	VPSRLQ   $31, Y2, Y2
	VPSLLQ   $1, Y3, Y3
	VPBLENDD $0xAA, Y3, Y2, Y0

	// RoundingDivideByPOT(x, right)
	VPSRAD   $31, Y0, Y1
	VMOVDQU  (R14)(AX*1), Y2
	VPSUBD   Y1, Y2, Y2
	VPAND    (R13)(AX*1), Y0, Y3
	VMOVDQU  (R12)(AX*1), Y4
	VPSRAVD  Y4, Y0, Y0
	VPCMPGTD Y2, Y3, Y3
	VPSUBD   Y3, Y0, Y0

	VPADDD       Y13, Y0, Y0
	VPMAXSD      Y14, Y0, Y0
	VPMINSD      Y15, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW    X1, X0, X0
	TESTB        BL, BL
	JNE          unsigned8
	VPACKSSWB    X0, X0, X0
	JMP          store

unsigned8:
	VPACKUSWB X0, X0, X0

store:
	MOVQ X0, (DI)
	ADDQ $8, DI
	ADDQ $32, AX
	SUBQ $8, CX
	JNE  loop
	VZEROUPPER
	RET
