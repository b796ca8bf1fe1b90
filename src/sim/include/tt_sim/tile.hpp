// tt_sim/tile.hpp -- bf16 numerics and the 4-face tile layout.
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

/// Position of element (r, c) of a tile in its 4-face storage.
inline uint32_t FaceIndex(uint32_t r, uint32_t c) {
  const uint32_t face = (r / kFaceDim) * 2 + (c / kFaceDim);
  return face * kFaceDim * kFaceDim + (r % kFaceDim) * kFaceDim +
         (c % kFaceDim);
}

} // namespace tt_sim
