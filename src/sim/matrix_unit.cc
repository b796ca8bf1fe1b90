// The numerics of matmul_tiles and pack_tile (tt_sim/matrix_unit.hpp).

#include "tt_sim/matrix_unit.hpp"

#include <array>
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

/// The fp32 bits of datum `i` of a tile as the unpacker puts it in SrcA /
/// SrcB: bf16 exactly; fp16 as the coprocessor reads it (Fp16ToFloat:
/// exponent 31 finite); fp32 as TF32, its low 13 mantissa bits dropped. A
/// datum without exponent bits (zero or denormal) is a zero.
inline uint32_t SrcBits(const void *tile, uint32_t i, Format format) {
  uint32_t w;
  if (format == Format::kFloat16) {
    w = FloatBits(Fp16ToFloat(static_cast<const uint16_t *>(tile)[i]));
  } else if (format == Format::kFloat32) {
    std::memcpy(&w, static_cast<const uint32_t *>(tile) + i, sizeof(w));
    w &= 0xffffe000u;
  } else {
    w = uint32_t(static_cast<const uint16_t *>(tile)[i]) << 16;
  }
  return (w & 0x7f800000u) == 0 ? w & 0x80000000u : w;
}

/// Fidelity slices as masks on those fp32 bits (sign, exponent and the
/// mantissa bits a slice keeps; README "Numerics"): SrcA multiplies with its
/// implicit bit + top 4 mantissa bits, then the next 3 (bf16) or 5 (fp16
/// and TF32, whose last bit no phase uses); SrcB with its implicit bit + top
/// 6, then the rest.
constexpr uint32_t kSrcAHighMask = 0xfff80000u; // implicit bit + top 4
constexpr uint32_t kSrcBHighMask = 0xfffe0000u; // implicit bit + top 6
constexpr uint32_t kAllBits = 0xffffffffu;
/// All that SrcA's multiplier uses of a value in `format`: fp16's and
/// TF32's last mantissa bit is not in any fidelity phase.
inline uint32_t SrcAFullMask(Format format) {
  return format == Format::kFloat16_b ? kAllBits : 0xffffc000u;
}

/// Unpack a tile: face f holds rows 16 * (f / 2) .. + 15 and columns
/// 16 * (f % 2) .. + 15, each face row 16 contiguous elements. `keep_mask`
/// clears low mantissa bits (a fidelity slice; kAllBits keeps all). Inlined
/// into each clone of the fast path, so it is vectorized for that target.
__attribute__((always_inline)) inline void
Unpack(const void *tile, Format format, RowMajorTile out,
       uint32_t keep_mask = kAllBits) {
  for (uint32_t f = 0; f < 4; ++f) {
    const uint32_t r0 = (f / 2) * kFaceDim, c0 = (f % 2) * kFaceDim;
    for (uint32_t r = 0; r < kFaceDim; ++r) {
      const uint32_t row = f * kFaceDim * kFaceDim + r * kFaceDim;
      for (uint32_t c = 0; c < kFaceDim; ++c) {
        const uint32_t w = SrcBits(tile, row + c, format);
        // Infinity and NaN keep all their bits (masking could turn a NaN
        // into an infinity).
        out[r0 + r][c0 + c] =
            BitsFloat((w & 0x7f800000u) == 0x7f800000u ? w : w & keep_mask);
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
/// values, or of an fp16 / TF32 value and one with 10 significant bits
/// (SrcA's at HiFi4), is exact in fp32 (unless it underflows), so a fused
/// multiply-add rounds as a multiply then an add: every clone computes the
/// same bits.
TT_SIM_VECTOR_CLONES void MatmulTileFp32HiFi4(const void *a, Format fa,
                                              const void *b, Format fb,
                                              float *acc) {
  alignas(64) RowMajorTile af, bf;
  Unpack(a, fa, af);
  Unpack(b, fb, bf, SrcAFullMask(fb));
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

/// The low slice of a value whose high slice is `high`: the rest of its
/// mantissa (exact), or 0 for infinity and NaN, which have no low bits.
inline float LowSlice(float full, float high) {
  return std::isfinite(full) ? full - high : 0.0f;
}

/// The general path: any fidelity, either DST precision. Each phase p
/// multiplies (SrcB slice p / 2) x (SrcA slice p % 2): phase 0 high x high,
/// 1 high(B) x low(A), 2 low(B) x high(A), 3 low x low.
void MatmulTilePhased(const void *a, Format fa, const void *b, Format fb,
                      float *acc, const DstMode &mode) {
  static thread_local RowMajorTile a_hi, a_full, b_hi, b_full;
  Unpack(a, fa, a_full);
  Unpack(a, fa, a_hi, kSrcBHighMask);
  Unpack(b, fb, b_full, SrcAFullMask(fb));
  Unpack(b, fb, b_hi, kSrcAHighMask);
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
  if (mode.fp32_dest_acc_en) {
    return FlushDenormal(v);
  }
  if (!mode.fp16) {
    // FPU result at TF32 precision, then narrowed to DST's bf16.
    return FlushDenormal(
        RoundMantissaTiesAway(RoundMantissaTiesAway(v, 10), 7));
  }
  // FP16 DST: TF32's 10 mantissa bits are fp16's; the exponent range is
  // fp16's (with exponent 31 finite): below 2^-14 a zero, above 131008 the
  // largest value (0x7fff, FloatBitPatterns.md: the FPU's "too large").
  if (std::isnan(v))
    return v;
  v = std::isinf(v) ? v : RoundMantissaTiesAway(v, 10);
  if (std::fabs(v) < kFp16MinNormal)
    return std::copysign(0.0f, v);
  return std::fabs(v) > kFp16Max ? std::copysign(kFp16Max, v) : v;
}

void MatmulTile(const void *a, Format fa, const void *b, Format fb, float *dst,
                const DstMode &mode) {
  if (mode.fp32_dest_acc_en && mode.fidelity_phases == 4) {
    MatmulTileFp32HiFi4(a, fa, b, fb, dst);
  } else {
    MatmulTilePhased(a, fa, b, fb, dst, mode);
  }
}

void ReduceRowSumTile(const void *data, Format fd, const void *scaler,
                      Format fs, float *dst, const DstMode &mode) {
  // SrcA holds each scaler face transposed: as a matmul's second operand,
  // faces 0 and 1 of the scaler, transposed, multiply data faces 0/2 and
  // 1/3, which is the tile's transpose in the rows the LLK uses.
  const uint32_t size = TileBytesOf(fs) / (kTileDim * kTileDim);
  uint8_t st[4 * kTileDim * kTileDim];
  const auto *s = static_cast<const uint8_t *>(scaler);
  for (uint32_t r = 0; r < kTileDim; ++r)
    for (uint32_t c = 0; c < kTileDim; ++c)
      std::memcpy(st + FaceIndex(r, c) * size, s + FaceIndex(c, r) * size,
                  size);
  // The LLK's MVMULs write DST rows 0-15 and 32-47 (faces 0 and 2) only.
  constexpr uint32_t kFace = kFaceDim * kFaceDim;
  float kept[2][kFace];
  std::memcpy(kept[0], dst + 1 * kFace, sizeof(kept[0]));
  std::memcpy(kept[1], dst + 3 * kFace, sizeof(kept[1]));
  MatmulTile(data, fd, st, fs, dst, mode);
  std::memcpy(dst + 1 * kFace, kept[0], sizeof(kept[0]));
  std::memcpy(dst + 3 * kFace, kept[1], sizeof(kept[1]));
}

namespace {
/// GMPOOL's order (AsComparable): sign-magnitude on (exponent, mantissa);
/// `e` is the datum's biased exponent plus 127 as GMPOOL forms it (an
/// unscaled source datum of exponent 0 is +0 with exponent 0), `man` its
/// top 10 mantissa bits.
int64_t GmpoolKey(uint32_t sign, uint32_t e, uint32_t man) {
  const int64_t magnitude = (int64_t(e) << 10) + man;
  return sign ? -magnitude : magnitude;
}
} // namespace

void ReduceMaxTile(const void *data, Format fd, float *dst, bool undefined,
                   bool columns, const DstMode &mode) {
  // Output o: row o of the data into DST (o, 0) (REDUCE_ROW: the LLK
  // transposes the pooled row into column 0), or column o into DST (0, o)
  // (REDUCE_COL: GMPOOL's own column maximum in row 0).
  auto at = [&](uint32_t o, uint32_t i) {
    return columns ? FaceIndex(i, o) : FaceIndex(o, i);
  };
  std::array<float, kTileDim> out;
  for (uint32_t o = 0; o < kTileDim; ++o) {
    // The running maximum: DST read as GMPOOL reads it (BF16, or TF32 in
    // fp32 DST: 10 mantissa bits), or minus infinity (all bits set) where
    // ZEROACC left the tile undefined.
    int64_t best = GmpoolKey(1, 0x1ff, 0x3ff);
    uint32_t best_bits = 0xff800000u; // written as -inf if nothing beats it
    if (!undefined) {
      const uint32_t w =
          FloatBits(dst[columns ? FaceIndex(0, o) : FaceIndex(o, 0)]) &
          (mode.fp32_dest_acc_en ? 0xffffe000u : 0xffff0000u);
      best = GmpoolKey(w >> 31, ((w >> 23) & 0xff) + 127, (w >> 13) & 0x3ff);
      best_bits = w;
    }
    for (uint32_t i = 0; i < kTileDim; ++i) {
      // The source datum: bf16, or TF32 (fp32's low 13 bits dropped).
      const uint32_t w =
          fd == Format::kFloat32
              ? static_cast<const uint32_t *>(data)[at(o, i)] & 0xffffe000u
              : uint32_t(static_cast<const uint16_t *>(data)[at(o, i)]) << 16;
      const uint32_t exp = (w >> 23) & 0xff;
      // Source data at BF16 or TF32 precision (a bf16 datum's low TF32 bits
      // are 0); exponent 0 (zero, denormal) is +0.
      const uint32_t bits = exp == 0 ? 0u : w;
      const int64_t key =
          exp == 0 ? 0 : GmpoolKey(w >> 31, exp + 127, (w >> 13) & 0x3ff);
      if (key >= best) {
        best = key;
        best_bits = bits;
      }
    }
    out[o] = BitsFloat(best_bits);
  }
  for (uint32_t i = 0; i < kTileDim * kTileDim; ++i)
    dst[i] = 0.0f;
  for (uint32_t o = 0; o < kTileDim; ++o)
    dst[columns ? FaceIndex(0, o) : FaceIndex(o, 0)] = out[o];
}

void ReduceColSumTile(const void *data, Format fd, const uint16_t *scaler,
                      float *dst, const DstMode &mode) {
  // GAPOOL: Dst row 0 += SrcB row 0 (the scaler face's first row) @ SrcA
  // (the data face), one face at a time -- data faces 0 then 2 into DST
  // columns 0..15, 1 then 3 into 16..31 -- each face in all its fidelity
  // phases before the next (the MOP's inner loop). Phase p multiplies
  // (SrcB slice p / 2) x (SrcA slice p % 2), as MVMUL does (and as
  // MatmulTilePhased unpacks them).
  static thread_local RowMajorTile s_hi, s_full, a_hi, a_full;
  Unpack(scaler, Format::kFloat16_b, s_full);
  Unpack(scaler, Format::kFloat16_b, s_hi, kSrcBHighMask);
  Unpack(data, fd, a_full, SrcAFullMask(fd));
  Unpack(data, fd, a_hi, kSrcAHighMask);
  for (uint32_t c = 0; c < kTileDim; ++c) {
    float d = dst[FaceIndex(0, c)];
    for (uint32_t fr = 0; fr < 2; ++fr) {
      // The scaler face of data face (fr, c / 16) and its first row.
      const uint32_t srow = fr * kFaceDim, scol = (c / kFaceDim) * kFaceDim;
      for (uint32_t p = 0; p < mode.fidelity_phases; ++p) {
        float sum = 0.0f;
        for (uint32_t k = 0; k < kFaceDim; ++k) {
          const float sh = s_hi[srow][scol + k];
          const float ah = a_hi[fr * kFaceDim + k][c];
          const float x =
              p / 2 == 0 ? sh : LowSlice(s_full[srow][scol + k], sh);
          const float y =
              p % 2 == 0 ? ah : LowSlice(a_full[fr * kFaceDim + k][c], ah);
          // A zero low slice feeds the multiplier no bits (MatmulTilePhased).
          if (p != 0 && (x == 0.0f || y == 0.0f))
            continue;
          sum += x * y;
        }
        d = WriteDst(d + sum, mode);
      }
    }
    dst[FaceIndex(0, c)] = d;
    // Rows 1..3 of the 4-row block GAPOOL writes hold SrcB's rows 1..3 (stale:
    // only the scaler's first row is unpacked) times the data; the packer's
    // edge mask keeps row 0 only, and the model writes zeros there.
    for (uint32_t r = 1; r < 4; ++r)
      dst[FaceIndex(r, c)] = 0.0f;
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

uint16_t PackToFp16(float v, const DstMode &mode) {
  if (!mode.fp32_dest_acc_en) {
    return FloatToFp16Bits(v); // DST holds fp16 values already
  }
  // The JIT packs fp32 DST into a Float16 CB with Float16_b as the pack
  // source format: the early conversion rounds to bf16 (as PackToBf16), the
  // late one narrows the exponent: a magnitude past fp16's range saturates
  // (to 0x7fff, the largest), one below its normal range becomes a zero
  // (ISA Packers/FormatConversion.md: |x| <= 2^-15 flushed, (2^-15, 2^-14)
  // "mishandled"; the model takes zero there too, README).
  const float b = Bf16ToFloat(PackToBf16(v, mode));
  const uint16_t sign = static_cast<uint16_t>((FloatBits(b) >> 16) & 0x8000u);
  if (std::isinf(b) || std::fabs(b) >= 131072.0f)
    return sign | 0x7fffu;
  return FloatToFp16Bits(b); // a zero of its sign below 2^-14
}

} // namespace tt_sim
