// tt_sim/vector_unit.hpp -- the Vector Unit (SFPU): element-wise ops on the
// tiles in DST, as the compute API's eltwise_unary calls run them.
//
// Models (src/sim/README.md cites the sources):
//   - each op loads a DST datum into a 32-bit register, computes in fp32 and
//     stores it back; with fp32 DST both moves are exact (SFPLOAD / SFPSTORE
//     in their default mode move raw fp32). With 16-bit DST (bf16) the load
//     is exact and the store flushes denormals and truncates the mantissa
//     toward zero (StoreToBf16Dst);
//   - relu, max(x, c), min(x, c): SFPSWAP's min/max, which orders fp32 values
//     as sign-magnitude integers (-NaN < -Inf < ... < -0 < +0 < ... < +Inf <
//     +NaN): exact selections; relu is max(x, +0), so -0 becomes +0;
//   - x + c, x * c: SFPMAD, one rounding to nearest even; a denormal input
//     counts as zero, a denormal or negative-zero result (before rounding)
//     becomes +0; NaN and infinity follow IEEE 754;
//   - add_binary_tile(a, b, out): DST[out] = DST[a] + DST[b], the same
//     SFPMAD rule per datum, stored back as above;
//   - every op needs its own init first (relu_tile_init,
//     binop_with_scalar_tile_init, unary_max_tile_init, unary_min_tile_init,
//     add_binary_tile_init).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "tt_sim/tile.hpp"

namespace tt_sim {

enum class SfpuOp { kRelu, kAdd, kMul, kMax, kMin };
/// What an SFPU init set the unit up for (binop_with_scalar covers add, mul).
enum class SfpuInit { kNone, kRelu, kBinopWithScalar, kMax, kMin, kAddBinary };

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
  case SfpuInit::kNone:
    break;
  }
  return "no SFPU init";
}

namespace sfpu {
/// SFPSWAP's order: fp32 bit patterns as sign-magnitude integers.
inline bool SignMagLess(uint32_t c, uint32_t d) {
  c ^= static_cast<uint32_t>(static_cast<int32_t>(c) >> 30) >> 1;
  d ^= static_cast<uint32_t>(static_cast<int32_t>(d) >> 30) >> 1;
  return static_cast<int32_t>(c) < static_cast<int32_t>(d);
}
/// SFPMAD's inputs: a denormal counts as (signed) zero.
inline float FlushInput(float v) {
  return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v;
}
/// SFPMAD's output: denormal or -0 before rounding becomes +0.
inline float FlushOutput(double exact, float rounded) {
  if (std::isnan(exact) || std::isinf(exact))
    return rounded;
  if (exact == 0.0 ||
      std::fabs(exact) < static_cast<double>(std::numeric_limits<float>::min()))
    return 0.0f;
  return rounded;
}
} // namespace sfpu

/// SFPSTORE to 16-bit DST (bf16 for bf16 SrcB): denormals flushed to a
/// zero of their sign, then the mantissa truncated toward zero.
inline float StoreToBf16Dst(float v) {
  uint32_t w = FloatBits(v);
  if ((w & 0x7f800000u) == 0) {
    w &= 0x80000000u;
  }
  return BitsFloat(w & 0xffff0000u);
}

/// One op on one fp32 DST datum; `param` is the constant's fp32 bit pattern.
inline float SfpuApply(SfpuOp op, float x, uint32_t param) {
  const float c = BitsFloat(param);
  switch (op) {
  case SfpuOp::kRelu: // max(x, +0)
    return sfpu::SignMagLess(FloatBits(x), 0u) ? 0.0f : x;
  case SfpuOp::kMax:
    return sfpu::SignMagLess(FloatBits(x), param) ? c : x;
  case SfpuOp::kMin:
    return sfpu::SignMagLess(param, FloatBits(x)) ? c : x;
  case SfpuOp::kAdd: {
    const float a = sfpu::FlushInput(x), b = sfpu::FlushInput(c);
    return sfpu::FlushOutput(static_cast<double>(a) + b, a + b);
  }
  case SfpuOp::kMul: {
    const float a = sfpu::FlushInput(x), b = sfpu::FlushInput(c);
    return sfpu::FlushOutput(static_cast<double>(a) * b, a * b);
  }
  }
  return x;
}

} // namespace tt_sim
