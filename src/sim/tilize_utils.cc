// tilize_nfaces / untilize_nfaces (tt-metalium/tilize_utils.hpp).

#include "tt-metalium/tilize_utils.hpp"

#include <stdexcept>
#include <string>

#include "tt-metalium/bfloat16.hpp"
#include "tt_sim/tile.hpp"

namespace {

/// Position of row-major element (r, c) of an m x n matrix in its tiles.
uint64_t TiledIndex(uint64_t r, uint64_t c, uint64_t n) {
  constexpr uint32_t D = tt_sim::kTileDim;
  const uint64_t tile = (r / D) * (n / D) + c / D;
  return tile * D * D + tt_sim::FaceIndex(r % D, c % D);
}

/// Row-major m x n values -> tiles (to_tiles) or back: one loop, the two
/// indices swap roles.
template <typename T>
std::vector<T> Retile(const char *what, const std::vector<T> &input, uint64_t m,
                      uint64_t n, bool to_tiles) {
  constexpr uint32_t D = tt_sim::kTileDim;
  if (m % D || n % D || input.size() != m * n)
    throw std::invalid_argument(std::string(what) +
                                ": shape must be whole 32x32 tiles");
  std::vector<T> out(input.size());
  for (uint64_t r = 0; r < m; ++r) {
    for (uint64_t c = 0; c < n; ++c) {
      const uint64_t tiled = TiledIndex(r, c, n), flat = r * n + c;
      if (to_tiles)
        out[tiled] = input[flat];
      else
        out[flat] = input[tiled];
    }
  }
  return out;
}

} // namespace

template <typename T>
std::vector<T> tilize_nfaces(const std::vector<T> &input, uint32_t m,
                             uint32_t n) {
  return Retile("tilize_nfaces", input, m, n, /*to_tiles=*/true);
}

template <typename T>
std::vector<T> untilize_nfaces(const std::vector<T> &input, uint32_t m,
                               uint32_t n) {
  return Retile("untilize_nfaces", input, m, n, /*to_tiles=*/false);
}

#define TT_SIM_INSTANTIATE_TILIZE(T)                                           \
  template std::vector<T> tilize_nfaces<T>(const std::vector<T> &, uint32_t,   \
                                           uint32_t);                          \
  template std::vector<T> untilize_nfaces<T>(const std::vector<T> &, uint32_t, \
                                             uint32_t);
TT_SIM_INSTANTIATE_TILIZE(bfloat16)
TT_SIM_INSTANTIATE_TILIZE(float)
TT_SIM_INSTANTIATE_TILIZE(uint16_t)
TT_SIM_INSTANTIATE_TILIZE(uint32_t)
