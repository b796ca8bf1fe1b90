// Simulated <tt-metalium/bfloat16.hpp>: the host's bfloat16 value type.
#pragma once

#include <cstdint>

#include "tt_sim/tile.hpp"

class bfloat16 {
public:
  bfloat16() = default;
  bfloat16(float f)
      : bits_(tt_sim::FloatToBf16(f)) {} // NOLINT: implicit, as in TT-Metalium
  float to_float() const { return tt_sim::Bf16ToFloat(bits_); }
  explicit operator float() const { return to_float(); }
  uint16_t to_uint16() const { return bits_; }

private:
  uint16_t bits_ = 0;
};
static_assert(sizeof(bfloat16) == 2, "bfloat16 is 2 bytes");
