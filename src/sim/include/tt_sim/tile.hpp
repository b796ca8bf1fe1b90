// tt_sim/tile.hpp -- bf16 and fp16 numerics and the 4-face tile layout.
//
// Models: a 32x32 tile stored as four 16x16 faces (top-left, top-right,
// bottom-left, bottom-right), each row-major; bf16 <-> fp32 with round to
// nearest even (NaN kept quiet: the host's conversion); the device's
// ties-away rounding of a mantissa and its flushing of denormals.
#pragma once

#include <cstdint>
#include <cstring>

#include "tt_sim/arch.hpp"

namespace tt_sim {

/// Bits of an fp32 value, and back.
inline uint32_t FloatBits(float f) {
  uint32_t w;
  std::memcpy(&w, &f, sizeof(w));
  return w;
}
inline float BitsFloat(uint32_t w) {
  float f;
  std::memcpy(&f, &w, sizeof(f));
  return f;
}

inline float Bf16ToFloat(uint16_t bits) {
  return BitsFloat(uint32_t(bits) << 16);
}

/// Round to nearest, ties to even.
inline uint16_t FloatToBf16(float f) {
  uint32_t w = FloatBits(f);
  if ((w & 0x7f800000u) == 0x7f800000u && (w & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((w >> 16) | 0x40); // quiet NaN
  }
  const uint32_t lsb = (w >> 16) & 1u;
  w += 0x7fffu + lsb;
  return static_cast<uint16_t>(w >> 16);
}

/// Keep the top `keep` of fp32's 23 mantissa bits, rounding to nearest with
/// ties away from zero (the Tensix FPU and packer rounding, see
/// src/sim/README.md); infinities and NaN pass unchanged.
inline float RoundMantissaTiesAway(float f, uint32_t keep) {
  uint32_t w = FloatBits(f);
  if ((w & 0x7f800000u) == 0x7f800000u)
    return f;
  const uint32_t drop = 23 - keep;
  w += 1u << (drop - 1); // half an ulp onto the magnitude: ties go away
  w &= ~((1u << drop) - 1);
  return BitsFloat(w);
}

/// fp32 denormals become zero of the same sign (Tensix FPU and packer).
inline float FlushDenormal(float f) {
  const uint32_t w = FloatBits(f);
  return (w & 0x7f800000u) == 0 ? BitsFloat(w & 0x80000000u) : f;
}

// FP16 as the Tensix coprocessor reads it (ISA FloatBitPatterns.md, FP16):
// like IEEE for normal numbers, but exponent 31 is an ordinary finite binade
// ((1 + m / 1024) * 2^16: no infinity, no NaN, 131008 at most), and the
// matrix unit reads an exponent-0 datum (zero or denormal) as a zero.

/// Smallest normal fp16 magnitude, 2^-14, and the largest TT fp16 one
/// (exponent 31, mantissa 1023).
constexpr float kFp16MinNormal = 6.103515625e-05f;
constexpr float kFp16Max = 131008.0f;

/// The value of an fp16 datum in a source register (denormals are zeros).
inline float Fp16ToFloat(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  const uint32_t exp = (bits >> 10) & 0x1fu;
  if (exp == 0)
    return BitsFloat(sign);
  return BitsFloat(sign | ((exp + 112u) << 23) |
                   (uint32_t(bits & 0x3ffu) << 13));
}

/// The fp16 bits of a value TT fp16 holds exactly (a zero, or a normal
/// number of at most 11 significant bits up to kFp16Max).
inline uint16_t FloatToFp16Bits(float v) {
  const uint32_t w = FloatBits(v);
  const uint16_t sign = static_cast<uint16_t>((w >> 16) & 0x8000u);
  const int32_t exp = int32_t((w >> 23) & 0xffu) - 112;
  if (exp <= 0)
    return sign;
  return static_cast<uint16_t>(sign | (uint32_t(exp) << 10) |
                               ((w >> 13) & 0x3ffu));
}

/// Position of element (r, c) of a tile in its 4-face storage.
inline uint32_t FaceIndex(uint32_t r, uint32_t c) {
  const uint32_t face = (r / kFaceDim) * 2 + (c / kFaceDim);
  return face * kFaceDim * kFaceDim + (r % kFaceDim) * kFaceDim +
         (c % kFaceDim);
}

} // namespace tt_sim
