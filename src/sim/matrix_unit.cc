// The numerics of matmul_tiles and pack_tile (tt_sim/matrix_unit.hpp).

#include "tt_sim/matrix_unit.hpp"

#include <cmath>
#include <cstring>

#include "tt_sim/tile.hpp"

// The fp32 / HiFi4 tile matmul is the simulator's hot loop: on x86-64 with
// GCC it is also built for AVX2 + FMA and AVX-512, the best clone chosen when
// the library loads; elsewhere the baseline build runs. Every clone computes
// the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TT_SIM_VECTOR_CLONES                                                   \
  __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define TT_SIM_VECTOR_CLONES
#endif

namespace tt_sim {
namespace {

/// Tiles in row-major fp32, unpacked from the 4-face bf16 layout.
using RowMajorTile = float[kTileDim][kTileDim];

/// A bf16 operand as the unpacker puts it in SrcA / SrcB: exact, except
/// that denormals become zero.
inline float UnpackBf16(uint16_t bits) {
  return (bits & 0x7f80u) == 0 ? Bf16ToFloat(bits & 0x8000u)
                               : Bf16ToFloat(bits);
}

/// Unpack a bf16 tile: face f holds rows 16 * (f / 2) .. + 15 and columns
/// 16 * (f % 2) .. + 15, each face row 16 contiguous elements. `keep_mask`
/// clears low mantissa bits (a fidelity slice; 0xffff keeps all). Inlined
/// into each clone of the fast path, so it is vectorized for that target.
__attribute__((always_inline)) inline void
Unpack(const uint16_t *tile, RowMajorTile out, uint16_t keep_mask = 0xffff) {
  for (uint32_t f = 0; f < 4; ++f) {
    const uint32_t r0 = (f / 2) * kFaceDim, c0 = (f % 2) * kFaceDim;
    for (uint32_t r = 0; r < kFaceDim; ++r) {
      const uint16_t *src = tile + f * kFaceDim * kFaceDim + r * kFaceDim;
      for (uint32_t c = 0; c < kFaceDim; ++c) {
        // Infinity and NaN keep all their bits (masking could turn a NaN
        // into an infinity).
        const uint16_t bits =
            (src[c] & 0x7f80u) == 0x7f80u ? src[c] : src[c] & keep_mask;
        out[r0 + r][c0 + c] = UnpackBf16(bits);
      }
    }
  }
}

/// 16 fp32 lanes (GCC / Clang vector extension): half a tile row, one face row.
/// The helpers are always inlined into each clone, so no vector crosses a
/// call boundary and GCC's note about the AVX-512 calling convention
/// (-Wpsabi) does not apply (silenced down to MatmulTileFp32HiFi4).
using Vec16 = float __attribute__((vector_size(16 * sizeof(float))));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
__attribute__((always_inline)) inline Vec16 Load16(const float *p) {
  Vec16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
__attribute__((always_inline)) inline void Store16(float *p, Vec16 v) {
  std::memcpy(p, &v, sizeof(v));
}

/// Output rows computed together: 4 rows x 2 half rows = 8 independent
/// accumulators, enough to keep the multiply-add units busy.
constexpr uint32_t kRowsAtOnce = 4;

/// The fast path, fp32 DST at HiFi4: for each K-face (k = 0..15, then
/// 16..31) the fp32 sum of the 16 exact products in k order (vectorized
/// across c), added to DST; denormal results flushed. A product of two bf16
/// values is exact in fp32 (unless it underflows), so a fused multiply-add
/// rounds as a multiply then an add: every clone computes the same bits.
TT_SIM_VECTOR_CLONES void MatmulTileFp32HiFi4(const uint16_t *a,
                                              const uint16_t *b, float *acc) {
  alignas(64) RowMajorTile af, bf;
  Unpack(a, af);
  Unpack(b, bf);
  for (uint32_t r0 = 0; r0 < kTileDim; r0 += kRowsAtOnce) {
    for (uint32_t k0 = 0; k0 < kTileDim; k0 += kFaceDim) {
      // Partial sums of rows r0..r0+3 over this K-face: columns 0-15, 16-31.
      Vec16 left[kRowsAtOnce] = {}, right[kRowsAtOnce] = {};
      for (uint32_t k = k0; k < k0 + kFaceDim; ++k) {
        const Vec16 b_left = Load16(&bf[k][0]);
        const Vec16 b_right = Load16(&bf[k][kFaceDim]);
#pragma GCC unroll 4
        for (uint32_t i = 0; i < kRowsAtOnce; ++i) {
          left[i] += af[r0 + i][k] * b_left;
          right[i] += af[r0 + i][k] * b_right;
        }
      }
      // Row r0 + i of DST: its left half lies in face 0 or 2, its right half
      // in face 1 or 3 (16 contiguous elements each).
#pragma GCC unroll 4
      for (uint32_t i = 0; i < kRowsAtOnce; ++i) {
        float *row_left = acc + FaceIndex(r0 + i, 0);
        float *row_right = acc + FaceIndex(r0 + i, kFaceDim);
        Store16(row_left, Load16(row_left) + left[i]);
        Store16(row_right, Load16(row_right) + right[i]);
      }
    }
  }
  for (uint32_t i = 0; i < kTileDim * kTileDim; ++i)
    acc[i] = FlushDenormal(acc[i]);
}
#pragma GCC diagnostic pop

/// Mantissa slices of the fidelity phases (bf16 bits to keep for the high
/// slice; the low slice is the rest of the value). SrcA (in1) multiplies
/// with 5 bits of magnitude, SrcB (in0) with 7.
constexpr uint16_t kSrcAHighMask = 0xfff8; // implicit bit + top 4 of 7
constexpr uint16_t kSrcBHighMask = 0xfffe; // implicit bit + top 6 of 7

/// The low slice of a value whose high slice is `high`: the rest of its
/// mantissa (exact), or 0 for infinity and NaN, which have no low bits.
inline float LowSlice(float full, float high) {
  return std::isfinite(full) ? full - high : 0.0f;
}

/// The general path: any fidelity, either DST precision. Each phase p
/// multiplies (SrcB slice p / 2) x (SrcA slice p % 2): phase 0 high x high,
/// 1 high(B) x low(A), 2 low(B) x high(A), 3 low x low.
void MatmulTilePhased(const uint16_t *a, const uint16_t *b, float *acc,
                      const DstMode &mode) {
  static thread_local RowMajorTile a_hi, a_full, b_hi, b_full;
  Unpack(a, a_full);
  Unpack(a, a_hi, kSrcBHighMask);
  Unpack(b, b_full);
  Unpack(b, b_hi, kSrcAHighMask);
  for (uint32_t r = 0; r < kTileDim; ++r) {
    for (uint32_t c = 0; c < kTileDim; ++c) {
      float d = acc[FaceIndex(r, c)];
      for (uint32_t p = 0; p < mode.fidelity_phases; ++p) {
        for (uint32_t k0 = 0; k0 < kTileDim; k0 += kFaceDim) {
          float sum = 0.0f;
          for (uint32_t k = k0; k < k0 + kFaceDim; ++k) {
            const float ah = a_hi[r][k], bh = b_hi[k][c];
            const float x = p / 2 == 0 ? ah : LowSlice(a_full[r][k], ah);
            const float y = p % 2 == 0 ? bh : LowSlice(b_full[k][c], bh);
            // A zero low slice feeds the multiplier no bits: it adds
            // nothing, even against an infinity (which has no low slice).
            if (p != 0 && (x == 0.0f || y == 0.0f))
              continue;
            sum += x * y;
          }
          d = WriteDst(d + sum, mode);
        }
      }
      acc[FaceIndex(r, c)] = d;
    }
  }
}

} // namespace

float WriteDst(float v, const DstMode &mode) {
  if (!mode.fp32_dest_acc_en) {
    // FPU result at TF32 precision, then narrowed to DST's bf16.
    v = RoundMantissaTiesAway(RoundMantissaTiesAway(v, 10), 7);
  }
  return FlushDenormal(v);
}

void MatmulTile(const uint16_t *a, const uint16_t *b, float *dst,
                const DstMode &mode) {
  if (mode.fp32_dest_acc_en && mode.fidelity_phases == 4) {
    MatmulTileFp32HiFi4(a, b, dst);
  } else {
    MatmulTilePhased(a, b, dst, mode);
  }
}

uint16_t PackToBf16(float v, const DstMode &mode) {
  const uint32_t w = FloatBits(v);
  if (!mode.fp32_dest_acc_en) {
    return static_cast<uint16_t>(w >> 16); // DST holds bf16 values already
  }
  if ((w & 0x7f800000u) == 0x7f800000u && (w & 0x007fffffu) != 0) {
    return static_cast<uint16_t>(((w >> 16) & 0x8000u) | 0x7f80u); // NaN: inf
  }
  return static_cast<uint16_t>(
      FloatBits(RoundMantissaTiesAway(FlushDenormal(v), 7)) >> 16);
}

} // namespace tt_sim
