/*!
 * \file sim_test.cc
 * \brief Simulator building blocks: bf16 rounding, the face layout, tilize,
 *        the matrix unit's and packer's numerics by DST mode, circular-buffer
 *        protocol errors, fibers, the per-core scheduler and deadlock
 *        detection.
 */

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tt-metalium/tilize_utils.hpp"
#include "tt_sim/circular_buffer.hpp"
#include "tt_sim/dst_register_file.hpp"
#include "tt_sim/fiber.hpp"
#include "tt_sim/matrix_unit.hpp"
#include "tt_sim/sync.hpp"
#include "tt_sim/tile.hpp"
#include "tt_sim/vector_unit.hpp"

namespace tt_sim {
namespace {

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(FloatToBf16(1.0f + 1.0f / 256), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even.
  EXPECT_EQ(FloatToBf16(1.0f + 3.0f / 256), 0x3f82);
  EXPECT_EQ(FloatToBf16(-2.5f), 0xc020);
  EXPECT_EQ(Bf16ToFloat(0x3f80), 1.0f);
}

TEST(Tile, FacesAreRowMajorAndOrderedTLTRBLBR) {
  EXPECT_EQ(FaceIndex(0, 0), 0u);
  EXPECT_EQ(FaceIndex(0, 15), 15u);
  EXPECT_EQ(FaceIndex(0, 16), 256u);   // top-right face
  EXPECT_EQ(FaceIndex(16, 0), 512u);   // bottom-left face
  EXPECT_EQ(FaceIndex(31, 31), 1023u); // last of bottom-right
  EXPECT_EQ(FaceIndex(1, 0), 16u);
}

TEST(Tile, TilizeRoundTrips) {
  std::vector<uint32_t> rows(64 * 96);
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i] = static_cast<uint32_t>(i);
  auto tiled = tilize_nfaces(rows, 64, 96);
  EXPECT_EQ(tiled[256], 16);  // tile 0, face 1, (0, 0) = row 0 col 16
  EXPECT_EQ(tiled[1024], 32); // tile 1 starts at row 0 col 32
  EXPECT_EQ(untilize_nfaces(tiled, 64, 96), rows);
}

TEST(Tile, RoundsMantissaToNearestTiesAway) {
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: away from zero.
  EXPECT_EQ(RoundMantissaTiesAway(1.0f + 1.0f / 256, 7), 1.0f + 1.0f / 128);
  EXPECT_EQ(RoundMantissaTiesAway(-(1.0f + 1.0f / 256), 7),
            -(1.0f + 1.0f / 128));
  EXPECT_EQ(RoundMantissaTiesAway(1.0f + 1.0f / 512, 7), 1.0f);
  EXPECT_EQ(FlushDenormal(1e-40f), 0.0f);
  EXPECT_EQ(FlushDenormal(1e-30f), 1e-30f);
}

/// One bf16 tile of 4-face layout with every element `v`.
std::vector<uint16_t> FilledTile(float v) {
  return std::vector<uint16_t>(kTileDim * kTileDim, FloatToBf16(v));
}

/// A bf16 tile whose only non-zero element is (0, 0) = v.
std::vector<uint16_t> CornerTile(float v) {
  std::vector<uint16_t> t(kTileDim * kTileDim, 0);
  t[0] = FloatToBf16(v);
  return t;
}

TEST(VectorUnit, MinMaxFollowSfpswapsSignMagnitudeOrder) {
  using tt_sim::FloatBits;
  using tt_sim::SfpuApply;
  using tt_sim::SfpuOp;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // relu is max(x, +0): -0 and a negative NaN become +0, +NaN stays.
  EXPECT_EQ(FloatBits(SfpuApply(SfpuOp::kRelu, -0.0f, 0)), 0u);
  EXPECT_EQ(FloatBits(SfpuApply(SfpuOp::kRelu, -std::fabs(nan), 0)), 0u);
  EXPECT_TRUE(std::isnan(SfpuApply(SfpuOp::kRelu, std::fabs(nan), 0)));
  EXPECT_EQ(SfpuApply(SfpuOp::kRelu, -3.0f, 0), 0.0f);
  EXPECT_EQ(SfpuApply(SfpuOp::kRelu, 2.5f, 0), 2.5f);
  EXPECT_EQ(SfpuApply(SfpuOp::kMax, -3.0f, FloatBits(-1.0f)), -1.0f);
  EXPECT_EQ(SfpuApply(SfpuOp::kMax, 4.0f, FloatBits(-1.0f)), 4.0f);
  EXPECT_EQ(SfpuApply(SfpuOp::kMin, 4.0f, FloatBits(2.5f)), 2.5f);
  EXPECT_EQ(SfpuApply(SfpuOp::kMin, -INFINITY, FloatBits(2.5f)), -INFINITY);
  EXPECT_EQ(FloatBits(SfpuApply(SfpuOp::kMin, 0.0f, FloatBits(-0.0f))),
            FloatBits(-0.0f));
}

TEST(VectorUnit, AddAndMulRoundOnceAndFlushDenormalsToPlusZero) {
  using tt_sim::FloatBits;
  using tt_sim::SfpuApply;
  using tt_sim::SfpuOp;
  const float tiny = std::numeric_limits<float>::min();
  // One rounding to nearest even, as IEEE fp32.
  EXPECT_EQ(
      SfpuApply(SfpuOp::kMul, 1.0f + 0x1p-23f, FloatBits(1.0f + 0x1p-23f)),
      (1.0f + 0x1p-23f) * (1.0f + 0x1p-23f));
  EXPECT_EQ(SfpuApply(SfpuOp::kAdd, 1.0f, FloatBits(0x1p-24f)),
            1.0f); // tie: even
  // A denormal result (before rounding) and -0 become +0.
  EXPECT_EQ(FloatBits(SfpuApply(SfpuOp::kMul, tiny, FloatBits(0.5f))), 0u);
  EXPECT_EQ(FloatBits(SfpuApply(SfpuOp::kMul, -1.0f, FloatBits(0.0f))), 0u);
  EXPECT_EQ(FloatBits(SfpuApply(SfpuOp::kAdd, -0.0f, FloatBits(-0.0f))), 0u);
  // A denormal input counts as zero.
  EXPECT_EQ(SfpuApply(SfpuOp::kAdd, tiny / 4, FloatBits(tiny)), tiny);
  EXPECT_EQ(SfpuApply(SfpuOp::kMul, 3.0f, FloatBits(tiny / 2)), 0.0f);
  EXPECT_EQ(SfpuApply(SfpuOp::kMul, INFINITY, FloatBits(-2.0f)), -INFINITY);
}

TEST(VectorUnit, EachInstructionOfARoutineIsCountedOnce) {
  using tt_sim::FloatBits;
  using tt_sim::SfpuApply;
  using tt_sim::SfpuBinaryApply;
  using tt_sim::SfpuOp;
  namespace isa = tt_sim::isa;
  auto issued = [](auto &&op) {
    isa::issued = 0;
    op();
    return isa::issued;
  };
  // One SFPSWAP, one SFPMAD (SFPADD / SFPMUL are SFPMADs, counted once).
  EXPECT_EQ(issued([] { SfpuApply(SfpuOp::kRelu, 1.0f, 0); }), 1u);
  EXPECT_EQ(issued([] { SfpuApply(SfpuOp::kAdd, 1.0f, FloatBits(2.0f)); }), 1u);
  EXPECT_EQ(issued([] { SfpuBinaryApply(SfpuOp::kSub, 1.0f, 2.0f, true); }),
            1u);
  // exp2 on fp32 DST (Exp2Fp32): the rounding to an integer, the cast, eight
  // SFPMADs (one an SFPMUL), SFPABS twice, SFPSETSGN, then under abs(x) >= 0
  // SFPEXEXP, two integer comparisons and SFPSETEXP: 17 for any finite lane.
  const uint32_t in_range =
      issued([] { SfpuApply(SfpuOp::kExp2, 0.5f, 0, true); });
  EXPECT_EQ(in_range, 17u);
  EXPECT_EQ(issued([] { SfpuApply(SfpuOp::kExp2, -0.5f, 0, true); }), in_range);
}

TEST(VectorUnit, StoreTo16BitDstFlushesDenormalsAndTruncates) {
  using tt_sim::FloatBits;
  using tt_sim::StoreToBf16Dst;
  // 1 + 2^-8 + 2^-9 is between two bf16 values: truncated, not rounded.
  EXPECT_EQ(StoreToBf16Dst(1.0f + 0x1p-8f + 0x1p-9f), 1.0f);
  EXPECT_EQ(StoreToBf16Dst(-(1.0f + 0x1p-7f + 0x1p-9f)), -(1.0f + 0x1p-7f));
  EXPECT_EQ(FloatBits(StoreToBf16Dst(-0x1p-130f)), FloatBits(-0.0f));
  EXPECT_EQ(StoreToBf16Dst(3.0f), 3.0f);
}

TEST(Dst, CapacityByModeAndSync) {
  EXPECT_EQ(DstCapacity(false, false), 8u);
  EXPECT_EQ(DstCapacity(false, true), 16u);
  EXPECT_EQ(DstCapacity(true, false), 4u);
  EXPECT_EQ(DstCapacity(true, true), 8u);
}

TEST(MatrixUnit, SixteenBitDstRoundsEveryKFaceLikeTheChip) {
  // tt-metal issue #8449: an all-ones matmul with K = 6144 gives 8192 on
  // Wormhole with 16-bit DST. Each K-face adds 16; from 4096 on that is half
  // a bf16 ulp (32), and ties go away from zero, so each step adds 32.
  DstMode mode; // 16-bit DST, HiFi4
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  const auto ones = FilledTile(1.0f);
  for (int k = 0; k < 6144 / 32; ++k)
    MatmulTile(ones.data(), Format::kFloat16_b, ones.data(), Format::kFloat16_b,
               dst.data(), mode);
  EXPECT_EQ(dst[0], 8192.0f);
  EXPECT_EQ(dst[1023], 8192.0f);
  EXPECT_EQ(PackToBf16(dst[0], mode), FloatToBf16(8192.0f));
}

TEST(MatrixUnit, Fp32DstAccumulatesExactly) {
  DstMode mode;
  mode.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  const auto ones = FilledTile(1.0f);
  for (int k = 0; k < 6144 / 32; ++k)
    MatmulTile(ones.data(), Format::kFloat16_b, ones.data(), Format::kFloat16_b,
               dst.data(), mode);
  EXPECT_EQ(dst[0], 6144.0f);
}

TEST(MatrixUnit, FidelityPhasesAreSeparateDstWrites) {
  // tt-metal issue #12923 reports 10.5 at HiFi4 and 10.4375 at HiFi2 for
  // 1.3125 x 7.96875 (exact: 10.458984375) with 16-bit DST. With 7.96875 in
  // SrcB (in0) and 1.3125 in SrcA (in1): phase 0 (high x high) writes
  // 10.4375, phase 2 (SrcB's low bit x SrcA high) adds 0.041 -> 10.5.
  const auto a = CornerTile(7.96875f), b = CornerTile(1.3125f);
  for (uint32_t phases : {2u, 4u}) {
    DstMode mode;
    mode.fidelity_phases = phases;
    std::vector<float> dst(kTileDim * kTileDim, 0.0f);
    MatmulTile(a.data(), Format::kFloat16_b, b.data(), Format::kFloat16_b,
               dst.data(), mode);
    EXPECT_EQ(dst[0], phases == 4 ? 10.5f : 10.4375f) << phases << " phases";
  }
  // With fp32 DST all four phases give the exact product.
  DstMode fp32;
  fp32.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  MatmulTile(a.data(), Format::kFloat16_b, b.data(), Format::kFloat16_b,
             dst.data(), fp32);
  EXPECT_EQ(dst[0], 10.458984375f);
  // ... which the packer rounds to nearest (10.4375), ties away from zero.
  EXPECT_EQ(PackToBf16(dst[0], fp32), FloatToBf16(10.4375f));
  EXPECT_EQ(PackToBf16(1.0f + 1.0f / 256, fp32), 0x3f81);
}

TEST(MatrixUnit, HiFi3DropsOnlyTheLowTimesLowSlice) {
  // The phased path with all four phases in fp32 DST differs from the fast
  // path only in the last bits of fp32: after packing, equal here.
  std::vector<uint16_t> a(kTileDim * kTileDim), b(kTileDim * kTileDim);
  for (uint32_t i = 0; i < a.size(); ++i) {
    a[i] = FloatToBf16(static_cast<float>((i * 37) % 101) / 50.0f - 1.0f);
    b[i] = FloatToBf16(static_cast<float>((i * 53) % 97) / 48.0f - 1.0f);
  }
  DstMode fast;
  fast.fp32_dest_acc_en = true;
  DstMode phased = fast;
  phased.fidelity_phases = 3; // forces the phased path ...
  std::vector<float> d_fast(kTileDim * kTileDim, 0.0f), d_phased = d_fast;
  MatmulTile(a.data(), Format::kFloat16_b, b.data(), Format::kFloat16_b,
             d_fast.data(), fast);
  MatmulTile(a.data(), Format::kFloat16_b, b.data(), Format::kFloat16_b,
             d_phased.data(), phased);
  // ... which at HiFi3 drops only SrcA-low x SrcB-low (3 bits x 1 bit).
  for (uint32_t i = 0; i < d_fast.size(); ++i)
    EXPECT_NEAR(d_fast[i], d_phased[i], 0.02f) << i;
}

/// The reduce scaler tile: `v` in the first row of each face, 0 elsewhere.
std::vector<uint16_t> ScalerTile(float v) {
  std::vector<uint16_t> t(kTileDim * kTileDim, 0);
  for (uint32_t f = 0; f < 4; ++f)
    for (uint32_t c = 0; c < kFaceDim; ++c)
      t[f * kFaceDim * kFaceDim + c] = FloatToBf16(v);
  return t;
}

TEST(MatrixUnit, ReduceRowSumLandsInColumn0) {
  // Row r of the data holds r + c / 64 in column c: row sums 32 r + 7.75.
  std::vector<uint16_t> data(kTileDim * kTileDim);
  for (uint32_t r = 0; r < kTileDim; ++r)
    for (uint32_t c = 0; c < kTileDim; ++c)
      data[FaceIndex(r, c)] = FloatToBf16(float(r) + float(c) / 64);
  const auto ones = ScalerTile(1.0f);
  DstMode fp32;
  fp32.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  ReduceRowSumTile(data.data(), Format::kFloat16_b, ones.data(),
                   Format::kFloat16_b, dst.data(), fp32);
  for (uint32_t r = 0; r < kTileDim; ++r) {
    float expect = 0.0f;
    for (uint32_t c = 0; c < kTileDim; ++c)
      expect += Bf16ToFloat(data[FaceIndex(r, c)]);
    EXPECT_EQ(dst[FaceIndex(r, 0)], expect) << r;
    // Columns 1..15: rows 1..15 of the scaler faces are zero.
    EXPECT_EQ(dst[FaceIndex(r, 1)], 0.0f) << r;
  }
  // A second tile of the same rows accumulates into the same DST tile.
  ReduceRowSumTile(data.data(), Format::kFloat16_b, ones.data(),
                   Format::kFloat16_b, dst.data(), fp32);
  EXPECT_EQ(dst[FaceIndex(3, 0)], 2 * (32 * 3 + 7.75f));
}

TEST(MatrixUnit, ReduceRowSumDropsTheLastBf16BitBelowHiFi3) {
  // The data sit in SrcB, whose first fidelity slice keeps 6 of bf16's 7
  // mantissa bits; the scaler 1.0 in SrcA has no low slice, so LoFi and
  // HiFi2 sum the data without their last mantissa bit (1 + 2^-7 counts as
  // 1), HiFi3 / HiFi4 (phase 2: SrcB low x SrcA high) add it back.
  std::vector<uint16_t> data(kTileDim * kTileDim, 0);
  data[FaceIndex(5, 0)] = FloatToBf16(1.0f + 1.0f / 128);
  const auto ones = ScalerTile(1.0f);
  for (uint32_t phases : {1u, 2u, 3u, 4u}) {
    DstMode mode;
    mode.fp32_dest_acc_en = true;
    mode.fidelity_phases = phases;
    std::vector<float> dst(kTileDim * kTileDim, 0.0f);
    ReduceRowSumTile(data.data(), Format::kFloat16_b, ones.data(),
                     Format::kFloat16_b, dst.data(), mode);
    EXPECT_EQ(dst[FaceIndex(5, 0)], phases >= 3 ? 1.0f + 1.0f / 128 : 1.0f)
        << phases << " phases";
  }
}

TEST(MatrixUnit, ReduceRowMaxStartsFromMinusInfinityOnAFreshTile) {
  // All-negative rows: a fresh (ZEROACC'd) DST tile is read as minus
  // infinity, so the maximum is the row's, not 0.
  std::vector<uint16_t> data(kTileDim * kTileDim);
  for (uint32_t r = 0; r < kTileDim; ++r)
    for (uint32_t c = 0; c < kTileDim; ++c)
      data[FaceIndex(r, c)] = FloatToBf16(-1.0f - float((r + c) % 32));
  DstMode mode;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  ReduceMaxTile(data.data(), Format::kFloat16_b, dst.data(), /*undefined=*/true,
                false, mode);
  for (uint32_t r = 0; r < kTileDim; ++r)
    EXPECT_EQ(dst[FaceIndex(r, 0)], -1.0f) << r;
  EXPECT_EQ(dst[FaceIndex(2, 5)], 0.0f);
  // On a defined tile the running maximum takes part: 0 beats them all.
  std::vector<float> zeros(kTileDim * kTileDim, 0.0f);
  ReduceMaxTile(data.data(), Format::kFloat16_b, zeros.data(),
                /*undefined=*/false, false, mode);
  EXPECT_EQ(zeros[FaceIndex(7, 0)], 0.0f);
  // A second tile with a larger value in row 4 raises only row 4.
  std::vector<uint16_t> more(kTileDim * kTileDim, FloatToBf16(-100.0f));
  more[FaceIndex(4, 31)] = FloatToBf16(3.5f);
  ReduceMaxTile(more.data(), Format::kFloat16_b, dst.data(),
                /*undefined=*/false, false, mode);
  EXPECT_EQ(dst[FaceIndex(4, 0)], 3.5f);
  EXPECT_EQ(dst[FaceIndex(5, 0)], -1.0f);
}

TEST(MatrixUnit, ReduceRowMaxFlushesDenormalsAndLetsNaNBeatInfinity) {
  std::vector<uint16_t> data(kTileDim * kTileDim, 0xff80u); // -inf
  data[FaceIndex(0, 3)] = 0x8001u;                          // -denormal
  data[FaceIndex(1, 3)] = 0x7f80u;                          // +inf
  data[FaceIndex(1, 9)] = 0x7fc0u;                          // NaN
  DstMode fp32;
  fp32.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  ReduceMaxTile(data.data(), Format::kFloat16_b, dst.data(), /*undefined=*/true,
                false, fp32);
  EXPECT_EQ(FloatBits(dst[FaceIndex(0, 0)]), 0u); // the denormal as +0
  EXPECT_TRUE(std::isnan(dst[FaceIndex(1, 0)]));
  EXPECT_EQ(dst[FaceIndex(2, 0)], -INFINITY);
}

TEST(MatrixUnit, ReduceColSumLandsInRow0AndKeepsFourBitsAtLoFi) {
  // GAPOOL multiplies the data in SrcA, whose first fidelity slice keeps 4 of
  // bf16's 7 mantissa bits (the second the other 3), by the scaler's 1.0 in
  // SrcB: LoFi sums the data without their low 3 bits, HiFi2 and up exactly.
  std::vector<uint16_t> data(kTileDim * kTileDim, 0);
  data[FaceIndex(3, 5)] = FloatToBf16(1.0f + 3.0f / 128);   // column 5
  data[FaceIndex(20, 5)] = FloatToBf16(2.0f);               // face 2
  data[FaceIndex(7, 30)] = FloatToBf16(-(1.0f + 1.0f / 8)); // column 30
  const auto ones = ScalerTile(1.0f);
  for (uint32_t phases : {1u, 2u, 4u}) {
    DstMode mode;
    mode.fp32_dest_acc_en = true;
    mode.fidelity_phases = phases;
    std::vector<float> dst(kTileDim * kTileDim, 0.0f);
    ReduceColSumTile(data.data(), Format::kFloat16_b, ones.data(), dst.data(),
                     mode);
    EXPECT_EQ(dst[FaceIndex(0, 5)], phases == 1 ? 3.0f : 3.0f + 3.0f / 128)
        << phases << " phases";
    EXPECT_EQ(dst[FaceIndex(0, 30)], -(1.0f + 1.0f / 8)) << phases;
    EXPECT_EQ(dst[FaceIndex(0, 6)], 0.0f);
  }
}

TEST(MatrixUnit, ReduceColMaxLandsInRow0) {
  std::vector<uint16_t> data(kTileDim * kTileDim, FloatToBf16(-3.0f));
  data[FaceIndex(31, 2)] = FloatToBf16(-0.5f);
  data[FaceIndex(0, 17)] = FloatToBf16(4.0f);
  DstMode mode;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  ReduceMaxTile(data.data(), Format::kFloat16_b, dst.data(), /*undefined=*/true,
                /*columns=*/true, mode);
  EXPECT_EQ(dst[FaceIndex(0, 2)], -0.5f);
  EXPECT_EQ(dst[FaceIndex(0, 17)], 4.0f);
  EXPECT_EQ(dst[FaceIndex(0, 9)], -3.0f);
  EXPECT_EQ(dst[FaceIndex(1, 2)], 0.0f);
}

/// A Float32 tile: `v` at the given (row, col) positions, 0 elsewhere.
std::vector<float>
Fp32Tile(std::initializer_list<std::pair<uint32_t, float>> at,
         float fill = 0.0f) {
  std::vector<float> t(kTileDim * kTileDim, fill);
  for (const auto &[i, v] : at)
    t[i] = v;
  return t;
}

TEST(MatrixUnit, ReduceRowSumOfFloat32ReadsTf32) {
  // Float32 data reach SrcB as TF32 (10 mantissa bits, the low 13 dropped):
  // 1 + 2^-12 sums as 1; 1 + 2^-10 keeps its last TF32 bit at HiFi3 / HiFi4
  // (SrcB's second slice) and loses it at LoFi / HiFi2 (the first keeps 6).
  const auto data = Fp32Tile({{FaceIndex(2, 7), 1.0f + 1.0f / 4096},
                              {FaceIndex(9, 20), 1.0f + 1.0f / 1024}});
  const auto ones = ScalerTile(1.0f);
  for (uint32_t phases : {1u, 2u, 3u, 4u}) {
    DstMode mode;
    mode.fp32_dest_acc_en = true;
    mode.fidelity_phases = phases;
    std::vector<float> dst(kTileDim * kTileDim, 0.0f);
    ReduceRowSumTile(data.data(), Format::kFloat32, ones.data(),
                     Format::kFloat16_b, dst.data(), mode);
    EXPECT_EQ(dst[FaceIndex(2, 0)], 1.0f) << phases;
    EXPECT_EQ(dst[FaceIndex(9, 0)], phases >= 3 ? 1.0f + 1.0f / 1024 : 1.0f)
        << phases;
  }
}

TEST(MatrixUnit, ReduceColSumOfFloat32DropsSrcAsLastTf32Bit) {
  // GAPOOL's data sit in SrcA, whose multiplier never uses TF32's last
  // mantissa bit: 1 + 2^-10 sums as 1, 1 + 2^-9 exactly (HiFi4).
  const auto data = Fp32Tile({{FaceIndex(4, 3), 1.0f + 1.0f / 1024},
                              {FaceIndex(4, 8), 1.0f + 1.0f / 512}});
  const auto ones = ScalerTile(1.0f);
  DstMode mode;
  mode.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  ReduceColSumTile(data.data(), Format::kFloat32, ones.data(), dst.data(),
                   mode);
  EXPECT_EQ(dst[FaceIndex(0, 3)], 1.0f);
  EXPECT_EQ(dst[FaceIndex(0, 8)], 1.0f + 1.0f / 512);
}

TEST(MatrixUnit, ReduceMaxOfFloat32ComparesAndWritesTf32) {
  // GMPOOL compares TF32 values and writes the TF32 it selects: 1 + 2^-10 +
  // 2^-20 arrives as 1 + 2^-10; 1 + 2^-11 and 1 + 2^-12 both as 1.
  const auto data =
      Fp32Tile({{FaceIndex(0, 1), 1.0f + 1.0f / 1024 + 1.0f / (1 << 20)},
                {FaceIndex(1, 2), 1.0f + 1.0f / 2048},
                {FaceIndex(1, 3), 1.0f + 1.0f / 4096}},
               -2.0f);
  DstMode mode;
  mode.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  ReduceMaxTile(data.data(), Format::kFloat32, dst.data(), /*undefined=*/true,
                false, mode);
  EXPECT_EQ(dst[FaceIndex(0, 0)], 1.0f + 1.0f / 1024);
  EXPECT_EQ(dst[FaceIndex(1, 0)], 1.0f);
  EXPECT_EQ(dst[FaceIndex(2, 0)], -2.0f);
}

/// A tile of fp16 bit patterns, `bits` at (0, 0) and zeros elsewhere.
std::vector<uint16_t> Fp16CornerTile(uint16_t bits) {
  std::vector<uint16_t> t(kTileDim * kTileDim, 0);
  t[0] = bits;
  return t;
}

/// (in0 x in1)[0][0] for fp16 corner tiles with fp32 DST at HiFi4.
float Fp16Product(uint16_t in0, uint16_t in1) {
  DstMode mode;
  mode.fp32_dest_acc_en = true;
  std::vector<float> dst(kTileDim * kTileDim, 0.0f);
  const auto a = Fp16CornerTile(in0), b = Fp16CornerTile(in1);
  MatmulTile(a.data(), Format::kFloat16, b.data(), Format::kFloat16, dst.data(),
             mode);
  return dst[0];
}

TEST(MatrixUnit, Fp16SrcAIgnoresItsLastMantissaBit) {
  // SrcASrcB.md: at HiFi4 SrcA (in1) multiplies with all but the last of
  // fp16's 10 mantissa bits, SrcB (in0) with all of them.
  const uint16_t one = 0x3c00, one_lsb = 0x3c01, one_two = 0x3c03; // 1+2^-10
  EXPECT_EQ(Fp16Product(one, one_lsb), 1.0f);
  EXPECT_EQ(Fp16Product(one_lsb, one), 1.0f + 0x1p-10f);
  EXPECT_EQ(Fp16Product(one, one_two), 1.0f + 0x1p-9f);
}

TEST(MatrixUnit, Fp32SourcesAreTf32) {
  // SrcASrcB.md: FP32 becomes TF32 by dropping the low 13 mantissa bits; at
  // HiFi4 SrcA (in1) also ignores TF32's last one (FloatBits: fp32 bits).
  auto product = [](float in0, float in1) {
    DstMode mode;
    mode.fp32_dest_acc_en = true;
    std::vector<float> a(kTileDim * kTileDim, 0.0f), b = a, dst = a;
    a[0] = in0;
    b[0] = in1;
    MatmulTile(a.data(), Format::kFloat32, b.data(), Format::kFloat32,
               dst.data(), mode);
    return dst[0];
  };
  EXPECT_EQ(product(1.0f + 0x1p-11f, 1.0f), 1.0f); // below TF32: truncated
  EXPECT_EQ(product(-(1.0f + 0x1p-10f + 0x1p-12f), 1.0f), -(1.0f + 0x1p-10f));
  EXPECT_EQ(product(1.0f, 1.0f + 0x1p-10f), 1.0f); // SrcA's last bit
  EXPECT_EQ(product(1.0f, 1.0f + 0x1p-9f), 1.0f + 0x1p-9f);
  EXPECT_EQ(product(1e-39f, 1.0f), 0.0f); // a denormal is a zero
}

TEST(MatrixUnit, Fp16ReadsExponent31AsFiniteAndDenormalsAsZero) {
  // FloatBitPatterns.md (FP16, the matrix unit's column).
  EXPECT_EQ(Fp16Product(0x7c00, 0x3c00), 65536.0f);   // IEEE's +inf
  EXPECT_EQ(Fp16Product(0x7fff, 0x3c00), 131008.0f);  // IEEE's NaN
  EXPECT_EQ(Fp16Product(0x3c00, 0xffff), -130944.0f); // SrcA drops bit 0
  EXPECT_EQ(Fp16Product(0x0001, 0x3c00), 0.0f);       // a denormal
  EXPECT_EQ(Fp16Product(0x3c00, 0x03ff), 0.0f);
}

TEST(MatrixUnit, Fp16DstRoundsTiesAwayFlushesAndSaturates) {
  DstMode mode; // 16-bit DST
  mode.fp16 = true;
  EXPECT_EQ(WriteDst(1.0f + 0x1p-11f, mode), 1.0f + 0x1p-10f);
  EXPECT_EQ(WriteDst(-(1.0f + 0x1p-11f), mode), -(1.0f + 0x1p-10f));
  EXPECT_EQ(WriteDst(1.0f + 0x1p-12f, mode), 1.0f);
  EXPECT_EQ(WriteDst(0x1p-15f, mode), 0.0f);
  EXPECT_EQ(WriteDst(0x1p-14f, mode), 0x1p-14f);
  EXPECT_EQ(WriteDst(200000.0f, mode), 131008.0f);
  EXPECT_EQ(WriteDst(-100000.0f, mode), -100032.0f); // a tie, 64 apart
  // Packed into a Float16 CB unchanged.
  EXPECT_EQ(PackToFp16(131008.0f, mode), 0x7fff);
  EXPECT_EQ(PackToFp16(1.0f + 0x1p-10f, mode), 0x3c01);
}

TEST(VectorUnit, SfpstoreToFp16DstTruncatesFlushesAndSaturates) {
  // ISA SFPSTORE.md, ToFP16 (MOD0_FMT_FP16, which MOD0_FMT_SRCB resolves to
  // for an FP16 SrcB).
  using tt_sim::StoreToFp16Dst;
  EXPECT_EQ(StoreToFp16Dst(1.0f + 3 * 0x1p-11f), 1.0f + 0x1p-10f);
  EXPECT_EQ(StoreToFp16Dst(-(1.0f + 3 * 0x1p-11f)), -(1.0f + 0x1p-10f));
  EXPECT_EQ(StoreToFp16Dst(0x1p-14f), 0x1p-14f);
  EXPECT_EQ(tt_sim::FloatBits(StoreToFp16Dst(-0x1p-15f)),
            tt_sim::FloatBits(-0.0f));
  EXPECT_EQ(StoreToFp16Dst(100000.0f), 99968.0f); // 11 bits, truncated
  EXPECT_EQ(StoreToFp16Dst(200000.0f), 131008.0f);
  EXPECT_EQ(StoreToFp16Dst(-INFINITY), -131008.0f);
  EXPECT_EQ(StoreToFp16Dst(NAN), 131008.0f);
}

TEST(MatrixUnit, Fp32DstPacksIntoFloat16ThroughBf16) {
  // The JIT's pack source format for a Float16 CB with fp32 DST is
  // Float16_b: the value is rounded to bf16 (ties away) before it is fp16.
  DstMode mode;
  mode.fp32_dest_acc_en = true;
  EXPECT_EQ(PackToFp16(1.0f + 0x1p-8f, mode), 0x3c08); // -> 1 + 2^-7
  EXPECT_EQ(PackToFp16(1.0f + 0x1p-9f, mode), 0x3c00);
  EXPECT_EQ(PackToFp16(-2.5f, mode), 0xc100);
  EXPECT_EQ(PackToFp16(1e6f, mode), 0x7fff); // saturated
  EXPECT_EQ(PackToFp16(-1e6f, mode), 0xffff);
  EXPECT_EQ(PackToFp16(0x1p-16f, mode), 0x0000); // below fp16's normal range
  EXPECT_EQ(PackToFp16(70000.0f, mode), 0x7c48); // 70144: exponent 31
}

TEST(MatrixUnit, SixteenBitWritesRoundToTf32ThenBf16) {
  // 1 + 2^-8 - 2^-12 is below the bf16 tie (1 + 2^-8), so rounding straight
  // to bf16 gives 1; through TF32 it first becomes 1 + 2^-8, a tie that goes
  // away from zero: 1 + 2^-7.
  DstMode mode;
  const float v = 1.0f + 1.0f / 256 - 1.0f / 4096;
  EXPECT_EQ(RoundMantissaTiesAway(v, 7), 1.0f);
  EXPECT_EQ(WriteDst(v, mode), 1.0f + 1.0f / 128);
  EXPECT_EQ(WriteDst(-v, mode), -(1.0f + 1.0f / 128));
  mode.fp32_dest_acc_en = true;
  EXPECT_EQ(WriteDst(v, mode), v);
}

TEST(MatrixUnit, InfinityHasNoLowSliceInAnyPath) {
  const auto a = CornerTile(std::numeric_limits<float>::infinity());
  const auto b = CornerTile(1.5f);
  for (bool fp32 : {false, true}) {
    DstMode mode;
    mode.fp32_dest_acc_en = fp32;
    std::vector<float> dst(kTileDim * kTileDim, 0.0f);
    MatmulTile(a.data(), Format::kFloat16_b, b.data(), Format::kFloat16_b,
               dst.data(), mode);
    EXPECT_EQ(dst[0], std::numeric_limits<float>::infinity()) << fp32;
  }
}

TEST(Packer, NaNBecomesInfinityInFp32Mode) {
  DstMode fp32;
  fp32.fp32_dest_acc_en = true;
  EXPECT_EQ(PackToBf16(std::nanf(""), fp32), 0x7f80);
  EXPECT_EQ(PackToBf16(1e-40f, fp32), 0x0000);
}

TEST(CircularBuffer, PushingMoreThanReservedIsMisuse) {
  CoreScheduler m("core (0, 0)");
  CircularBuffer cb(3, 0x1000, 4, 2048, Format::kFloat16_b, "core (0, 0)");
  cb.reserve_back(m, 1, "reader");
  EXPECT_THROW(cb.push_back(m, 2, "reader"), Fault);
  EXPECT_NE(m.failure().find("cb_push_back(2) after reserving only 1"),
            std::string::npos)
      << m.failure();
}

TEST(CircularBuffer, PopWithoutWaitIsMisuse) {
  CoreScheduler m("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 2, 2048, Format::kFloat16_b, "core (1, 2)");
  EXPECT_THROW(cb.pop_front(m, 1, "compute"), Fault);
  EXPECT_NE(m.failure().find("core (1, 2) compute"), std::string::npos)
      << m.failure();
}

TEST(CircularBuffer, PointersWrapAroundThePages) {
  CoreScheduler m("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 2, 2048, Format::kFloat16_b, "core (0, 0)");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cb.write_ptr(), 0x1000u + (i % 2) * 2048);
    cb.reserve_back(m, 1, "reader");
    cb.push_back(m, 1, "reader");
    cb.wait_front(m, 1, "compute");
    cb.pop_front(m, 1, "compute");
  }
  EXPECT_EQ(cb.peak_pages(), 1u);
}

TEST(Fiber, ResumeRunsUntilYieldThenContinues) {
  std::vector<int> trace;
  Fiber fiber([&] {
    trace.push_back(1);
    Fiber::Current()->Yield();
    trace.push_back(3);
  });
  EXPECT_EQ(Fiber::Current(), nullptr);
  fiber.Resume();
  trace.push_back(2);
  EXPECT_EQ(fiber.state(), Fiber::State::kReady);
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
  EXPECT_EQ(trace, (std::vector<int>{1, 2, 3}));
  EXPECT_THROW(fiber.Resume(), Fault);
}

TEST(Fiber, YieldOutsideTheFiberIsAFault) {
  Fiber fiber([] {});
  EXPECT_THROW(fiber.Yield(), Fault);
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
}

/// A producer and a consumer of a 2-page CB on one core: the scheduler runs
/// each until it blocks, in the order spawned, the same way every time.
TEST(CoreScheduler, KernelsTakeTurnsAtTheirCircularBuffers) {
  CoreScheduler s("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 2, 2048, Format::kFloat16_b, "core (0, 0)");
  std::string trace;
  int ctx_reader = 0, ctx_compute = 0;
  std::vector<void *> contexts_seen;
  s.Spawn(
      [&] {
        for (int i = 0; i < 5; ++i) {
          cb.reserve_back(s, 1, "reader");
          contexts_seen.push_back(CoreScheduler::CurrentContext());
          cb.push_back(s, 1, "reader");
          trace += 'P';
        }
      },
      &ctx_reader);
  s.Spawn(
      [&] {
        for (int i = 0; i < 5; ++i) {
          cb.wait_front(s, 1, "compute");
          contexts_seen.push_back(CoreScheduler::CurrentContext());
          cb.pop_front(s, 1, "compute");
          trace += 'c';
        }
      },
      &ctx_compute);
  s.Run();
  EXPECT_EQ(s.failure(), "");
  // The reader fills both pages, blocks; the consumer drains them, blocks...
  EXPECT_EQ(trace, "PPccPPccPc");
  EXPECT_EQ(contexts_seen.front(), &ctx_reader);
  EXPECT_EQ(contexts_seen.back(), &ctx_compute);
  EXPECT_EQ(CoreScheduler::CurrentContext(), nullptr);
}

TEST(CoreScheduler, AllKernelsBlockedIsADeadlock) {
  CoreScheduler s("core (0, 0)");
  CircularBuffer a(0, 0x1000, 1, 2048, Format::kFloat16_b, "core (0, 0)");
  CircularBuffer b(1, 0x2000, 1, 2048, Format::kFloat16_b, "core (0, 0)");
  int unwound = 0;
  auto waiter = [&](CircularBuffer *cb, const char *who) {
    return [&s, &unwound, cb, who] {
      try {
        cb->wait_front(s, 1, who);
      } catch (const Fault &) {
        ++unwound;
      }
    };
  };
  s.Spawn(waiter(&a, "compute"), nullptr);
  s.Spawn(waiter(&b, "writer"), nullptr);
  s.Run();
  const std::string report = s.failure();
  EXPECT_EQ(unwound, 2) << "each blocked kernel is unwound by a Fault";
  EXPECT_EQ(report.rfind("deadlock: every running kernel of core (0, 0) is "
                         "blocked:",
                         0),
            0u)
      << report;
  EXPECT_NE(
      report.find("compute: cb_wait_front(1) on CB c_0 holding 0/1 pages"),
      std::string::npos)
      << report;
  EXPECT_NE(report.find("writer: cb_wait_front(1) on CB c_1"),
            std::string::npos)
      << report;
}

TEST(CoreScheduler, AFailingKernelStopsTheOthersOfItsCore) {
  CoreScheduler s("core (2, 3)");
  CircularBuffer cb(0, 0x1000, 1, 2048, Format::kFloat16_b, "core (2, 3)");
  bool consumer_unwound = false, consumer_finished = false;
  s.Spawn(
      [&] {
        try {
          cb.wait_front(s, 1, "compute");
          consumer_finished = true;
        } catch (const Fault &) {
          consumer_unwound = true;
        }
      },
      nullptr);
  s.Spawn(
      [&] {
        try {
          cb.pop_front(s, 1, "writer"); // pop without wait: misuse
        } catch (const Fault &) {
        }
      },
      nullptr);
  s.Run();
  EXPECT_TRUE(consumer_unwound);
  EXPECT_FALSE(consumer_finished);
  EXPECT_NE(s.failure().find("API misuse: core (2, 3) writer: cb_pop_front"),
            std::string::npos)
      << s.failure();
}

TEST(CoreScheduler, WaitingOutsideAKernelIsAFault) {
  CoreScheduler s("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 1, 2048, Format::kFloat16_b, "core (0, 0)");
  EXPECT_THROW(cb.wait_front(s, 1, "compute"), Fault);
  EXPECT_NE(s.failure().find("blocked outside a running kernel"),
            std::string::npos)
      << s.failure();
}

} // namespace
} // namespace tt_sim
