// Simulated <tt-metalium/tilize_utils.hpp>: row-major <-> 32x32 tiles of four
// 16x16 faces (tiles in row-major order, faces TL, TR, BL, BR, each row-major).
// As in the release, the templates are instantiated in the library for
// bfloat16, float, uint16_t and uint32_t (src/sim/tilize_utils.cc).
#pragma once

#include <cstdint>
#include <vector>

/// Rows x cols row-major values (whole 32x32 tiles) -> tiles in face order.
template <typename T>
std::vector<T> tilize_nfaces(const std::vector<T> &input, uint32_t m,
                             uint32_t n);

/// The inverse of tilize_nfaces.
template <typename T>
std::vector<T> untilize_nfaces(const std::vector<T> &input, uint32_t m,
                               uint32_t n);
