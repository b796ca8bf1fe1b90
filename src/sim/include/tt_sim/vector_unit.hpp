// tt_sim/vector_unit.hpp -- the Vector Unit (SFPU): element-wise ops on the
// tiles in DST, as the compute API's eltwise_unary calls run them.
//
// Models (src/sim/README.md cites the sources):
//   - each op loads a DST datum into a 32-bit register, computes in fp32 and
//     stores it back; with fp32 DST both moves are exact (SFPLOAD / SFPSTORE
//     in their default mode move raw fp32). With 16-bit DST the load is
//     exact and the store flushes denormals and truncates the mantissa
//     toward zero: to bf16 (StoreToBf16Dst), or with fp16 sources to fp16,
//     a magnitude below 2^-14 flushed, one from 2^17 saturated
//     (StoreToFp16Dst);
//   - relu, max(x, c), min(x, c): SFPSWAP's min/max, which orders fp32 values
//     as sign-magnitude integers (-NaN < -Inf < ... < -0 < +0 < ... < +Inf <
//     +NaN): exact selections; relu is max(x, +0), so -0 becomes +0;
//   - x + c, x * c: SFPADD / SFPMUL, Wormhole's multiply-add
//     (tt_sim/sfpu_isa.hpp): one rounding to nearest even, denormal inputs
//     count as zero, a zero or denormal result is +0;
//   - add_binary_tile / sub_binary_tile / mul_binary_tile(a, b, out):
//     DST[out] = DST[a] op DST[b], the same SFPMAD per datum, stored back as
//     above; on 16-bit DST the product is first rounded to bf16, ties to
//     even (SfpuBinaryApply);
//   - rsqrt: calculate_rsqrt on fp32 DST (tt_sim/sfpu_functions.hpp Rsqrt);
//   - recip: calculate_reciprocal on fp32 DST, sfpu_reciprocal_iter<2>
//     (tt_sim/sfpu_functions.hpp Reciprocal; 16-bit DST not simulated);
//   - exp, exp2, sigmoid, tanh, silu: the release's accurate routines,
//     instruction by instruction (tt_sim/sfpu_functions.hpp); they differ
//     between fp32 and 16-bit DST (on 16-bit DST each rounds its result to
//     bf16, ties away from zero, before the store); gelu: the accurate
//     routine on fp32 DST (its 16-bit piecewise one is not simulated);
//   - every op needs its own init first (relu_tile_init,
//     binop_with_scalar_tile_init, unary_max_tile_init, unary_min_tile_init,
//     add_binary_tile_init, sub_binary_tile_init, mul_binary_tile_init,
//     exp_tile_init, exp2_tile_init, sigmoid_tile_init, tanh_tile_init,
//     silu_tile_init, gelu_tile_init, recip_tile_init, rsqrt_tile_init,
//     abs_tile_init, fill_tile_init);
//   - abs: the sign bit cleared (SFPABS), a NaN left as it is;
//   - fill: every datum the constant (an fp32 immediate, SFPLOADI), stored
//     as any op's result.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "tt_sim/sfpu_functions.hpp"
#include "tt_sim/sfpu_isa.hpp"
#include "tt_sim/tile.hpp"

namespace tt_sim {

enum class SfpuOp {
  kRelu,
  kAdd,
  kMul,
  kMax,
  kMin,
  kExp,
  kSigmoid,
  kSilu,
  kSub, // between two DST tiles only
  kTanh,
  kExp2,
  kGelu,
  kRecip,
  kRsqrt,
  kAbs,
  kFill
};
/// What an SFPU init set the unit up for (binop_with_scalar covers add, mul).
enum class SfpuInit {
  kNone,
  kRelu,
  kBinopWithScalar,
  kMax,
  kMin,
  kAddBinary,
  kExp,
  kSigmoid,
  kSilu,
  kSubBinary,
  kMulBinary,
  kMaxBinary,
  kMinBinary,
  kTanh,
  kExp2,
  kGelu,
  kRecip,
  kRsqrt,
  kAbs,
  kFill
};

inline SfpuInit InitOf(SfpuOp op) {
  switch (op) {
  case SfpuOp::kRelu:
    return SfpuInit::kRelu;
  case SfpuOp::kAdd:
  case SfpuOp::kMul:
    return SfpuInit::kBinopWithScalar;
  case SfpuOp::kMax:
    return SfpuInit::kMax;
  case SfpuOp::kMin:
    return SfpuInit::kMin;
  case SfpuOp::kExp:
    return SfpuInit::kExp;
  case SfpuOp::kSigmoid:
    return SfpuInit::kSigmoid;
  case SfpuOp::kSilu:
    return SfpuInit::kSilu;
  case SfpuOp::kTanh:
    return SfpuInit::kTanh;
  case SfpuOp::kExp2:
    return SfpuInit::kExp2;
  case SfpuOp::kGelu:
    return SfpuInit::kGelu;
  case SfpuOp::kRecip:
    return SfpuInit::kRecip;
  case SfpuOp::kRsqrt:
    return SfpuInit::kRsqrt;
  case SfpuOp::kAbs:
    return SfpuInit::kAbs;
  case SfpuOp::kFill:
    return SfpuInit::kFill;
  case SfpuOp::kSub:
    break;
  }
  return SfpuInit::kNone;
}

inline const char *SfpuInitName(SfpuInit init) {
  switch (init) {
  case SfpuInit::kRelu:
    return "relu_tile_init";
  case SfpuInit::kBinopWithScalar:
    return "binop_with_scalar_tile_init";
  case SfpuInit::kMax:
    return "unary_max_tile_init";
  case SfpuInit::kMin:
    return "unary_min_tile_init";
  case SfpuInit::kAddBinary:
    return "add_binary_tile_init";
  case SfpuInit::kSubBinary:
    return "sub_binary_tile_init";
  case SfpuInit::kMulBinary:
    return "mul_binary_tile_init";
  case SfpuInit::kMaxBinary:
    return "binary_max_tile_init";
  case SfpuInit::kMinBinary:
    return "binary_min_tile_init";
  case SfpuInit::kExp:
    return "exp_tile_init";
  case SfpuInit::kSigmoid:
    return "sigmoid_tile_init";
  case SfpuInit::kSilu:
    return "silu_tile_init";
  case SfpuInit::kTanh:
    return "tanh_tile_init";
  case SfpuInit::kExp2:
    return "exp2_tile_init";
  case SfpuInit::kGelu:
    return "gelu_tile_init";
  case SfpuInit::kRecip:
    return "recip_tile_init";
  case SfpuInit::kRsqrt:
    return "rsqrt_tile_init";
  case SfpuInit::kAbs:
    return "abs_tile_init";
  case SfpuInit::kFill:
    return "fill_tile_init";
  case SfpuInit::kNone:
    break;
  }
  return "no SFPU init";
}

/// SFPSTORE to 16-bit DST (bf16 for bf16 SrcB): denormals flushed to a
/// zero of their sign, then the mantissa truncated toward zero.
inline float StoreToBf16Dst(float v) {
  uint32_t w = FloatBits(v);
  if ((w & 0x7f800000u) == 0) {
    w &= 0x80000000u;
  }
  return BitsFloat(w & 0xffff0000u);
}

/// SFPSTORE to 16-bit DST holding FP16 (fp16 SrcB; ISA SFPSTORE.md, ToFP16):
/// a magnitude below 2^-14 becomes a zero of its sign, one of 2^17 or more
/// (or a NaN, or an infinity) the largest value, 131008 (exponent 31: DST
/// has no infinity); otherwise the mantissa is truncated toward zero to 10
/// bits.
inline float StoreToFp16Dst(float v) {
  const uint32_t w = FloatBits(v);
  const uint32_t sign = w & 0x80000000u;
  const int32_t exp = int32_t((w >> 23) & 0xffu) - 112;
  if (exp <= 0) {
    return BitsFloat(sign);
  }
  if (exp > 31) {
    return BitsFloat(sign | 0x47ffe000u); // 131008
  }
  return BitsFloat(w & 0xffffe000u);
}

/// What storing `v` into DST leaves there in a mode: fp32 as it is; 16-bit
/// DST holds BF16 or FP16 (DstMode::fp16).
inline float StoreToDst(float v, bool fp32_dest, bool fp16) {
  return fp32_dest ? v : fp16 ? StoreToFp16Dst(v) : StoreToBf16Dst(v);
}

/// One op on one DST datum (as fp32); `param` is the constant's fp32 bit
/// pattern; `fp32_dest`: the DST mode, which the transcendental routines
/// depend on.
inline float SfpuApply(SfpuOp op, float x, uint32_t param,
                       bool fp32_dest = true) {
  const uint32_t v = FloatBits(x);
  switch (op) {
  case SfpuOp::kRelu:
    return BitsFloat(isa::Max(v, 0u));
  case SfpuOp::kMax:
    return BitsFloat(isa::Max(v, param));
  case SfpuOp::kMin:
    return BitsFloat(isa::Min(v, param));
  case SfpuOp::kAdd:
    return BitsFloat(isa::Add(v, param));
  case SfpuOp::kMul:
    return BitsFloat(isa::Mul(v, param));
  case SfpuOp::kExp:
    return BitsFloat(sfpu_fn::Exp(v, fp32_dest));
  case SfpuOp::kSigmoid:
    return BitsFloat(sfpu_fn::Sigmoid(v, fp32_dest));
  case SfpuOp::kSilu:
    return BitsFloat(sfpu_fn::Silu(v, fp32_dest));
  case SfpuOp::kTanh:
    return BitsFloat(sfpu_fn::Tanh(v, fp32_dest));
  case SfpuOp::kExp2:
    return BitsFloat(sfpu_fn::Exp2(v, fp32_dest));
  case SfpuOp::kGelu:
    return BitsFloat(sfpu_fn::GeluFp32(v)); // fp32 DST only (kernel_api.cc)
  case SfpuOp::kRecip:
    // calculate_reciprocal on fp32 DST: sfpu_reciprocal_iter<2> (its 16-bit
    // DST variant, one step rounded to bf16, is refused: kernel_api.cc).
    return BitsFloat(sfpu_fn::Reciprocal(v, 2));
  case SfpuOp::kRsqrt:
    // calculate_rsqrt on fp32 DST (its 16-bit DST variant rounds the result
    // to bf16: not simulated, kernel_api.cc).
    return BitsFloat(sfpu_fn::Rsqrt(v));
  case SfpuOp::kAbs:
    // calculate_abs: sfpi::abs, SFPABS with the float modifier, clears the
    // sign bit of every datum but a NaN's.
    return BitsFloat(isa::AbsFloat(v));
  case SfpuOp::kFill:
    // _calculate_fill_: the constant, an fp32 immediate (SFPLOADI, exact),
    // whatever the datum held.
    return BitsFloat(param);
  case SfpuOp::kSub:
    break;
  }
  return x;
}

/// What an init sets the SFPU up for, for an op between two DST tiles.
inline SfpuInit BinaryInitOf(SfpuOp op) {
  return op == SfpuOp::kAdd   ? SfpuInit::kAddBinary
         : op == SfpuOp::kSub ? SfpuInit::kSubBinary
         : op == SfpuOp::kMul ? SfpuInit::kMulBinary
         : op == SfpuOp::kMax ? SfpuInit::kMaxBinary
         : op == SfpuOp::kMin ? SfpuInit::kMinBinary
                              : SfpuInit::kNone;
}

/// One datum of add_binary_tile / sub_binary_tile / mul_binary_tile: x op y
/// (calculate_sfpu_binary, calculate_sfpu_binary_mul). On 16-bit DST the
/// product is rounded to bf16, ties to even, by integer arithmetic on its
/// bits (float32_to_bf16_rne), and is +0 if either input's bits are zero;
/// the sum and difference are left to the truncating store. binary_max_tile
/// / binary_min_tile (calculate_binary_max_min): the larger / smaller of the
/// two in SFPSWAP's VEC_MIN_MAX order, the datum itself.
inline float SfpuBinaryApply(SfpuOp op, float x, float y, bool fp32_dest) {
  const uint32_t a = FloatBits(x), b = FloatBits(y);
  if (op == SfpuOp::kMax) {
    return BitsFloat(isa::Max(a, b));
  }
  if (op == SfpuOp::kMin) {
    return BitsFloat(isa::Min(a, b));
  }
  if (op == SfpuOp::kAdd) {
    return BitsFloat(isa::Add(a, b));
  }
  if (op == SfpuOp::kSub) {
    return BitsFloat(isa::Mad(0xbf800000u, b, a)); // -1.0 * y + x
  }
  uint32_t r = isa::Mul(a, b);
  if (!fp32_dest) {
    r = (r + 0x7fffu + ((r >> 16) & 1u)) & 0xffff0000u;
    r = a == 0 || b == 0 ? 0u : r;
  }
  return BitsFloat(r);
}

} // namespace tt_sim
