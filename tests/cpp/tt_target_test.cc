/*!
 * \file tt_target_test.cc
 * \brief The `tenstorrent` target kind: registration, arch defaults,
 *        overrides and errors.
 */

#include <gtest/gtest.h>
#include <tvm/target/target.h>
#include <tvm/target/target_kind.h>

#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/target.h"
#include "tt_sim/dst_register_file.hpp"

namespace tilelang_tt {
namespace {

using testing::ExpectFfiError;
using tvm::Target;
using tvm::ffi::Any;
using tvm::ffi::Map;
using tvm::ffi::String;

Target MakeTarget(std::initializer_list<std::pair<String, Any>> options) {
  Map<String, Any> config;
  config.Set("kind", String(kTargetKindName));
  for (const auto &[key, value] : options) {
    config.Set(key, value);
  }
  return Target(config);
}

TEST(TTTarget, DstTableMatchesTheSimulatorsAndTheRelease) {
  // get_dest_max_tiles(): 16-bit 8 / 16 tiles, fp32 4 / 8 (half / full sync).
  EXPECT_EQ(DstTiles(false, false), 8);
  EXPECT_EQ(DstTiles(false, true), 16);
  EXPECT_EQ(DstTiles(true, false), 4);
  EXPECT_EQ(DstTiles(true, true), 8);
  for (bool fp32 : {false, true}) {
    for (bool full : {false, true}) {
      EXPECT_EQ(DstTiles(fp32, full),
                static_cast<int64_t>(tt_sim::DstCapacity(fp32, full)));
    }
  }
}

TEST(TTTarget, UnreservedL1BaseFollowsTheArch) {
  EXPECT_EQ(TTTargetInfo::FromTarget(Target(String(kTargetKindName)))
                .l1_unreserved_base,
            105824);
  EXPECT_EQ(
      TTTargetInfo::FromTarget(MakeTarget({{"arch", String("blackhole")}}))
          .l1_unreserved_base,
      111744);
}

TEST(TTTarget, KindIsRegisteredAsExtDev) {
  auto kind = tvm::TargetKind::Get(kTargetKindName);
  ASSERT_TRUE(kind.has_value());
  EXPECT_EQ(kind.value()->default_device_type, kDLExtDev);
  Target target{String(kTargetKindName)};
  EXPECT_EQ(target->GetTargetDeviceType(), kDLExtDev);
  ASSERT_EQ(target->keys.size(), 1u);
  EXPECT_EQ(target->keys[0], kTargetKindName);
}

TEST(TTTarget, DefaultArchIsWormholeN150) {
  TTTargetInfo info = TTTargetInfo::FromTarget(Target(String(kTargetKindName)));
  EXPECT_EQ(info.arch, "wormhole_b0");
  EXPECT_EQ(info.core_grid_x, 8);
  EXPECT_EQ(info.core_grid_y, 8);
  EXPECT_EQ(info.num_cores(), 64);
  EXPECT_EQ(info.dram_banks, 12);
  EXPECT_EQ(info.l1_bytes, 1464 * 1024);
  EXPECT_EQ(info.dram_bank_bytes, int64_t(1) << 30);
  EXPECT_EQ(info.tile_rows, 32);
  EXPECT_EQ(info.tile_cols, 32);
  EXPECT_EQ(info.math_fidelity, "HiFi4");
}

TEST(TTTarget, MathFidelityIsAnOption) {
  TTTargetInfo info = TTTargetInfo::FromTarget(
      MakeTarget({{target_option::kMathFidelity, String("LoFi")}}));
  EXPECT_EQ(info.math_fidelity, "LoFi");
  ExpectFfiError(
      [] { MakeTarget({{target_option::kMathFidelity, String("HiFi8")}}); },
      "ValueError", {"'math_fidelity' = 'HiFi8'", "HiFi4, HiFi3, HiFi2, LoFi"});
}

TEST(TTTarget, BlackholeP150Facts) {
  TTTargetInfo info = TTTargetInfo::FromTarget(
      MakeTarget({{target_option::kArch, String("blackhole")}}));
  EXPECT_EQ(info.arch, "blackhole");
  EXPECT_EQ(info.core_grid_x, 11);
  EXPECT_EQ(info.core_grid_y, 10);
  EXPECT_EQ(info.num_cores(), 110);
  EXPECT_EQ(info.dram_banks, 8);
  EXPECT_EQ(info.l1_bytes, 1464 * 1024);
}

TEST(TTTarget, FactsAreReadableAsTargetAttributes) {
  Target target = MakeTarget({{target_option::kArch, String("blackhole")}});
  EXPECT_EQ(target->GetAttr<String>(target_option::kArch).value(), "blackhole");
  EXPECT_EQ(target->GetAttr<int64_t>(target_option::kDramBanks).value(), 8);
  EXPECT_EQ(target->GetAttr<int64_t>(target_option::kCoreGridX).value(), 11);
}

TEST(TTTarget, UserGivenFactsOverrideTheArch) {
  TTTargetInfo info = TTTargetInfo::FromTarget(
      MakeTarget({{target_option::kCoreGridX, int64_t(4)},
                  {target_option::kCoreGridY, int64_t(1)},
                  {target_option::kL1Bytes, int64_t(512 * 1024)}}));
  EXPECT_EQ(info.arch, "wormhole_b0");
  EXPECT_EQ(info.num_cores(), 4);
  EXPECT_EQ(info.l1_bytes, 512 * 1024);
  EXPECT_EQ(info.dram_banks, 12);
}

TEST(TTTarget, UnknownArchListsTheValidOnes) {
  ExpectFfiError(
      [] { MakeTarget({{target_option::kArch, String("grayskull")}}); },
      "ValueError", {"grayskull", "wormhole_b0", "blackhole"});
}

TEST(TTTarget, NonPositiveFactIsRejected) {
  ExpectFfiError([] { MakeTarget({{target_option::kDramBanks, int64_t(0)}}); },
                 "ValueError", {"dram_banks", "positive"});
}

TEST(TTTarget, OnlyThirtyTwoByThirtyTwoTiles) {
  ExpectFfiError([] { MakeTarget({{target_option::kTileRows, int64_t(16)}}); },
                 "ValueError", {"16x32", "32x32"});
}

TEST(TTTarget, FromTargetRejectsOtherKinds) {
  ExpectFfiError([] { TTTargetInfo::FromTarget(Target(String("c"))); },
                 "ValueError", {"tenstorrent", "'c'"});
}

} // namespace
} // namespace tilelang_tt
