// tt_sim/tile.hpp -- bf16 numerics and the 4-face tile layout.
//
// Models: a 32x32 tile stored as four 16x16 faces (top-left, top-right,
// bottom-left, bottom-right), each row-major; bf16 <-> fp32 with round to
// nearest even (NaN kept quiet).
#pragma once

#include <cstdint>
#include <cstring>

#include "tt_sim/arch.hpp"

namespace tt_sim {

inline float Bf16ToFloat(uint16_t bits) {
  uint32_t w = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &w, sizeof(f));
  return f;
}

/// Round to nearest, ties to even.
inline uint16_t FloatToBf16(float f) {
  uint32_t w;
  std::memcpy(&w, &f, sizeof(w));
  if ((w & 0x7f800000u) == 0x7f800000u && (w & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((w >> 16) | 0x40); // quiet NaN
  }
  const uint32_t lsb = (w >> 16) & 1u;
  w += 0x7fffu + lsb;
  return static_cast<uint16_t>(w >> 16);
}

/// Position of element (r, c) of a tile in its 4-face storage.
inline uint32_t FaceIndex(uint32_t r, uint32_t c) {
  const uint32_t face = (r / kFaceDim) * 2 + (c / kFaceDim);
  return face * kFaceDim * kFaceDim + (r % kFaceDim) * kFaceDim +
         (c % kFaceDim);
}

} // namespace tt_sim
