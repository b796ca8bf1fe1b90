// Simulated <tt-metalium/tilize_utils.hpp>: row-major <-> 32x32 tiles of four
// 16x16 faces (tiles in row-major order, faces TL, TR, BL, BR, each row-major).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tt_sim/tile.hpp"

template <typename T>
std::vector<T> tilize_nfaces(const std::vector<T> &input, uint64_t m,
                             uint64_t n) {
  constexpr uint32_t D = tt_sim::kTileDim;
  if (m % D || n % D || input.size() != m * n) {
    throw std::invalid_argument(
        "tilize_nfaces: shape must be whole 32x32 tiles");
  }
  std::vector<T> out(input.size());
  const uint64_t tiles_per_row = n / D;
  for (uint64_t r = 0; r < m; ++r) {
    for (uint64_t c = 0; c < n; ++c) {
      const uint64_t tile = (r / D) * tiles_per_row + c / D;
      out[tile * D * D + tt_sim::FaceIndex(r % D, c % D)] = input[r * n + c];
    }
  }
  return out;
}

template <typename T>
std::vector<T> untilize_nfaces(const std::vector<T> &input, uint64_t m,
                               uint64_t n) {
  constexpr uint32_t D = tt_sim::kTileDim;
  if (m % D || n % D || input.size() != m * n) {
    throw std::invalid_argument(
        "untilize_nfaces: shape must be whole 32x32 tiles");
  }
  std::vector<T> out(input.size());
  const uint64_t tiles_per_row = n / D;
  for (uint64_t r = 0; r < m; ++r) {
    for (uint64_t c = 0; c < n; ++c) {
      const uint64_t tile = (r / D) * tiles_per_row + c / D;
      out[r * n + c] = input[tile * D * D + tt_sim::FaceIndex(r % D, c % D)];
    }
  }
  return out;
}
