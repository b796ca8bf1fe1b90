// The Wormhole SFPU instructions (tt_sim/sfpu_isa.hpp) on the examples their
// ISA pages give, and the release's accurate routines built from them
// (tt_sim/sfpu_functions.hpp) against float64: the errors measured here are
// the ones docs/tenstorrent/simulator.md documents and the harness
// (python/tilelang_tt/sim.py FUNCTION_ULPS) allows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "tt_sim/sfpu_functions.hpp"
#include "tt_sim/sfpu_isa.hpp"
#include "tt_sim/tile.hpp"
#include "tt_sim/vector_unit.hpp"

namespace {

using tt_sim::BitsFloat;
using tt_sim::FloatBits;
namespace isa = tt_sim::isa;
namespace fn = tt_sim::sfpu_fn;

uint32_t B(float v) { return FloatBits(v); }
float F(uint32_t w) { return BitsFloat(w); }
constexpr uint32_t kDenormal = 0x00000005u;

TEST(SfpuIsa, MadRoundsOnceToNearestEven) {
  // 1 + 2^-24 is a tie between 1 and 1 + 2^-23: even wins.
  EXPECT_EQ(isa::Mad(B(1.0f), B(1.0f), B(0x1p-24f)), B(1.0f));
  EXPECT_EQ(isa::Mad(B(1.0f + 0x1p-23f), B(1.0f), B(0x1p-24f)),
            B(1.0f + 0x1p-22f));
  // Fused: (1 + 2^-12)^2 - 1 keeps the 2^-24 term a separate rounding of the
  // product would lose.
  const float a = 1.0f + 0x1p-12f;
  EXPECT_EQ(F(isa::Mad(B(a), B(a), B(-1.0f))), 0x1p-11f + 0x1p-24f);
}

TEST(SfpuIsa, MadZerosDenormalsAndSpecials) {
  EXPECT_EQ(isa::Mad(B(-1.0f), B(0.0f), B(0.0f)), 0u); // -0 becomes +0
  EXPECT_EQ(isa::Mad(B(1.0f), B(1.0f), B(-1.0f)), 0u); // exact cancellation
  EXPECT_EQ(isa::Mad(B(0.0f), B(5.0f), B(-3.0f)), B(-3.0f)); // z as it is
  EXPECT_EQ(isa::Mad(kDenormal, B(1.0f), B(0.0f)), 0u); // denormal in: zero
  EXPECT_EQ(isa::Mad(B(0x1p-70f), B(0x1p-70f), B(0.0f)), 0u); // below range
  EXPECT_EQ(isa::Mad(B(0x1p100f), B(0x1p100f), B(0.0f)), 0x7f800000u);
  const uint32_t nan = isa::Mad(0x7f800000u, B(1.0f), 0xff800000u);
  EXPECT_EQ(nan & 0x7f800001u, 0x7f800001u); // Inf - Inf: NaN, mantissa LSB
  EXPECT_EQ(isa::Mad(0x7f800000u, B(0.0f), B(1.0f)) & 0x7f800001u,
            0x7f800001u); // Inf * 0
}

TEST(SfpuIsa, MadIsNotIeeeFmaUnderCancellation) {
  // Same-sign operands: the 27-bit product and sticky bits round correctly,
  // as IEEE's fma; with cancellation the truncated product can differ.
  uint32_t state = 12345u;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state;
  };
  int same_sign_differ = 0, cancel_differ = 0;
  for (int n = 0; n < 200000; ++n) {
    const uint32_t x = (next() & 0x007fffffu) | 0x3f800000u;
    const uint32_t y = (next() & 0x007fffffu) | 0x3f800000u;
    const uint32_t z = (next() & 0x007fffffu) | 0x3f800000u;
    const float ieee = std::fma(F(x), F(y), F(z));
    same_sign_differ += isa::Mad(x, y, z) != B(ieee);
    const uint32_t neg = isa::Mul(x, y) ^ 0x80000000u; // -(x * y) rounded
    cancel_differ += isa::Mad(x, y, neg) != B(std::fma(F(x), F(y), F(neg)));
  }
  EXPECT_EQ(same_sign_differ, 0);
  EXPECT_GT(cancel_differ, 0);
}

TEST(SfpuIsa, StochRndIsTiesAway) {
  EXPECT_EQ(isa::RoundToBf16(0x3f808000u), 0x3f810000u); // tie: away
  EXPECT_EQ(isa::RoundToBf16(0x3f818000u), 0x3f820000u);
  EXPECT_EQ(isa::RoundToBf16(0xbf808000u), 0xbf810000u);
  EXPECT_EQ(isa::RoundToBf16(0x3f807fffu), 0x3f800000u);
  EXPECT_EQ(isa::RoundToBf16(0x80000000u), 0u);          // -0: +0
  EXPECT_EQ(isa::RoundToBf16(kDenormal), 0u);            // denormal: +0
  EXPECT_EQ(isa::RoundToBf16(0xffc00000u), 0xff800000u); // NaN: Inf
  EXPECT_EQ(isa::RoundToSignMag16(B(2.5f)), 3u);
  EXPECT_EQ(isa::RoundToSignMag16(B(-2.5f)), 0x80000003u);
  EXPECT_EQ(isa::RoundToSignMag16(B(-0.49f)), 0u);
  EXPECT_EQ(isa::RoundToSignMag16(B(40000.0f)), 32767u);
  EXPECT_EQ(isa::RoundToSignMag16(0xffc00000u), 0x80007fffu);
}

TEST(SfpuIsa, CastShiftAndBitFields) {
  EXPECT_EQ(isa::CastSignMag(0x80000000u), 0x80000000u); // -0 stays
  EXPECT_EQ(isa::CastSignMag(3u), B(3.0f));
  EXPECT_EQ(isa::CastSignMag(0x80000003u), B(-3.0f));
  EXPECT_EQ(isa::CastSignMag((1u << 24) + 1u), B(0x1p24f)); // tie: even
  EXPECT_EQ(isa::CastSignMag((1u << 24) + 3u), B(0x1p24f + 4.0f));
  EXPECT_EQ(isa::Shift(1u, 32u), 1u); // amounts mod 32
  EXPECT_EQ(isa::Shift(0x10u, static_cast<uint32_t>(-100)), 1u);
  EXPECT_EQ(isa::Shift(0x10u, static_cast<uint32_t>(-2)), 4u);
  EXPECT_EQ(isa::ExExp(B(0.0f), false), static_cast<uint32_t>(-127));
  EXPECT_EQ(isa::ExExp(0x7f800000u, true), 255u);
  EXPECT_EQ(isa::ExMan(B(0.0f), true), 0x800000u); // implicit one always
  EXPECT_EQ(isa::SetExp(B(-1.5f), 128u), B(-3.0f));
  EXPECT_EQ(isa::SetExp(B(1.0f), 0x17fu), B(1.0f)); // low 8 bits
  EXPECT_EQ(isa::AbsInt(0x80000000u), 0x80000000u);
  EXPECT_EQ(isa::AbsInt(static_cast<uint32_t>(-7)), 7u);
  EXPECT_EQ(isa::Max(0x80000000u, 0u), 0u);               // -0 < +0
  EXPECT_EQ(isa::Min(0x7fc00000u, B(255.0f)), B(255.0f)); // +NaN is largest
}

TEST(SfpuBinary, MulBinaryTileRoundsToNearestEvenOnSixteenBitDst) {
  using tt_sim::SfpuBinaryApply;
  using tt_sim::SfpuOp;
  // Ties between two bf16 values: nearest even, neither truncation nor ties
  // away (calculate_sfpu_binary_mul's float32_to_bf16_rne).
  EXPECT_EQ(SfpuBinaryApply(SfpuOp::kMul, 1.0078125f, 1.5f, false), 1.515625f);
  EXPECT_EQ(SfpuBinaryApply(SfpuOp::kMul, 1.0234375f, 1.5f, false), 1.53125f);
  EXPECT_EQ(SfpuBinaryApply(SfpuOp::kMul, 1.0078125f, 1.5f, true),
            1.51171875f); // fp32 DST: exact
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(SfpuBinaryApply(SfpuOp::kMul, inf, 0.0f, false), 0.0f);
  EXPECT_TRUE(std::isnan(SfpuBinaryApply(SfpuOp::kMul, inf, 0.0f, true)));
  EXPECT_EQ(SfpuBinaryApply(SfpuOp::kSub, 1.0f, 0.25f, true), 0.75f);
}

TEST(SfpuFill, EveryDatumTheConstantStoredAsAnyResult) {
  using tt_sim::SfpuApply;
  using tt_sim::SfpuOp;
  using tt_sim::StoreToDst;
  // _calculate_fill_: the constant whatever DST held (a NaN, say), an fp32
  // immediate; the store makes it what DST's mode holds.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const uint32_t c = B(1.00390625f) | 0x1u; // not a bf16 value
  EXPECT_EQ(B(SfpuApply(SfpuOp::kFill, nan, c, true)), c);
  EXPECT_EQ(B(StoreToDst(SfpuApply(SfpuOp::kFill, 2.0f, c, true), true, false)),
            c);
  EXPECT_EQ(
      B(StoreToDst(SfpuApply(SfpuOp::kFill, 2.0f, c, false), false, false)),
      B(1.0f)); // 16-bit DST: truncated toward zero
  EXPECT_EQ(B(SfpuApply(SfpuOp::kFill, 3.0f, B(-0.0f), true)), B(-0.0f));
  EXPECT_EQ(tt_sim::InitOf(SfpuOp::kFill), tt_sim::SfpuInit::kFill);
}

// --- the routines ---------------------------------------------------------

double Exact(const std::string &name, double x) {
  const double s = 1.0 / (1.0 + std::exp(-x));
  return name == "exp"       ? std::exp(x)
         : name == "exp2"    ? std::exp2(x)
         : name == "sigmoid" ? s
         : name == "tanh"    ? std::tanh(x)
                             : x * s;
}

uint32_t Routine(const std::string &name, uint32_t x, bool fp32) {
  return name == "exp"       ? fn::Exp(x, fp32)
         : name == "exp2"    ? fn::Exp2(x, fp32)
         : name == "sigmoid" ? fn::Sigmoid(x, fp32)
         : name == "tanh"    ? fn::Tanh(x, fp32)
                             : fn::Silu(x, fp32);
}

/// bf16 neighbours apart, for finite values of one sign.
int64_t Bf16Steps(uint32_t a, uint32_t b) {
  auto key = [](uint32_t w) {
    const int64_t m = (w & 0x7fffffffu) >> 16;
    return (w & 0x80000000u) ? -m : m;
  };
  return std::llabs(key(a) - key(b));
}

uint32_t NearestBf16(double v) {
  const uint32_t w = FloatBits(static_cast<float>(v));
  return (w + 0x7fffu + ((w >> 16) & 1u)) & 0xffff0000u;
}

struct Case {
  const char *name;
  double lo, hi;
  int fp32_ulps; // FUNCTION_ULPS in python/tilelang_tt/sim.py
};
const Case kCases[] = {{"exp", -87.0, 88.0, 2},
                       {"exp2", -125.0, 127.0, 2},
                       {"sigmoid", -80.0, 80.0, 4},
                       {"silu", -80.0, 80.0, 4},
                       {"tanh", -80.0, 80.0, 5}};

TEST(SfpuRoutines, OnSixteenBitDstEveryBf16InputIsWithinOneUlp) {
  // The value stored to 16-bit DST is the correctly rounded bf16 value of the
  // exact function or its neighbour, for every bf16 input whose result is a
  // normal number (python/tilelang_tt/sim.py sfpu_on_16bit_dst); a result
  // within a factor 2 of the smallest normal one may be flushed to zero.
  for (const Case &c : kCases) {
    int64_t worst = 0;
    int checked = 0;
    for (uint32_t h = 0; h < 0x10000u; ++h) {
      const uint32_t x = h << 16;
      const float xf = F(x);
      if (!std::isfinite(xf) || xf < c.lo || xf > c.hi) {
        continue;
      }
      const double exact = Exact(c.name, xf);
      if (std::fabs(exact) < 0x1p-126 || std::fabs(exact) > 0x1p127) {
        continue;
      }
      const uint32_t got = Routine(c.name, x, false);
      EXPECT_EQ(got & 0xffffu, 0u) << c.name << " is not rounded to bf16";
      if (std::fabs(exact) < 0x1p-125) {
        EXPECT_LE(std::fabs(F(got) - exact), 0x1p-125)
            << c.name << "(" << xf << ")";
        continue;
      }
      worst = std::max(worst, Bf16Steps(got, NearestBf16(exact)));
      ++checked;
    }
    EXPECT_GT(checked, 30000) << c.name;
    EXPECT_LE(worst, 1) << c.name;
  }
}

TEST(SfpuRoutines, OnFp32DstTheRelativeErrorIsWithinTheHarnessBound) {
  for (const Case &c : kCases) {
    double worst = 0.0;
    for (uint64_t w = 0; w <= 0xffffffffu; w += 1021) {
      const auto x = static_cast<uint32_t>(w);
      const float xf = F(x);
      if (!std::isfinite(xf) || xf < c.lo || xf > c.hi) {
        continue;
      }
      const double exact = Exact(c.name, xf);
      const double err = std::fabs(F(Routine(c.name, x, true)) - exact);
      if (std::fabs(exact) >= 0x1p-126) {
        worst = std::max(worst, err / (std::fabs(exact) * 0x1p-24));
      } else {
        EXPECT_LE(err, 0x1p-126) << c.name << "(" << xf << ")";
      }
    }
    EXPECT_LE(worst, c.fp32_ulps) << c.name;
    std::printf("%s on fp32 DST: worst %.3f x 2^-24 relative\n", c.name, worst);
  }
}

TEST(SfpuRoutines, GeluOnFp32DstIsWithinTheHarnessBound) {
  // calculate_gelu<false> on fp32 DST against x * Phi(x) in float64, every
  // 1021st fp32 input in [-100, 100]: 0.5 + 0.5 * erf cancels where erf nears
  // -1, so the bound is FUNCTION_ULPS["gelu"] x 2^-24 of |GELU(x)| + |x|
  // (python/tilelang_tt/sim.py), not of the result alone.
  double worst = 0.0;
  for (uint64_t w = 0; w <= 0xffffffffu; w += 1021) {
    const auto x = static_cast<uint32_t>(w);
    const double xf = F(x);
    if (!std::isfinite(xf) || std::fabs(xf) > 100.0) {
      continue;
    }
    const double exact = xf * 0.5 * std::erfc(-xf / std::sqrt(2.0));
    const double err = std::fabs(F(fn::GeluFp32(x)) - exact);
    worst = std::max(
        worst, err / ((std::fabs(exact) + std::fabs(xf)) * 0x1p-24 + 0x1p-126));
  }
  EXPECT_LE(worst, 4.0);
  std::printf("gelu on fp32 DST: worst %.3f x 2^-24 (|GELU(x)| + |x|)\n",
              worst);
  EXPECT_EQ(fn::GeluFp32(B(0.0f)), 0u);
  EXPECT_NEAR(F(fn::GeluFp32(B(10.0f))), 10.0, 10.0 * 0x1p-23); // erf ~ 1
  EXPECT_EQ(fn::GeluFp32(B(-10.0f)), 0u); // below -5.54259443: +0
  EXPECT_EQ(fn::GeluFp32(0x7f800000u), 0x7f800000u);
  EXPECT_TRUE(std::isnan(F(fn::GeluFp32(0xff800000u)))); // -inf - -inf
  EXPECT_TRUE(std::isnan(F(fn::GeluFp32(0x7fc00000u))));
}

TEST(SfpuRoutines, SpecialValues) {
  const uint32_t inf = 0x7f800000u, ninf = 0xff800000u;
  for (bool fp32 : {true, false}) {
    EXPECT_EQ(fn::Exp(B(0.0f), fp32), B(1.0f));
    EXPECT_EQ(fn::Exp(inf, fp32), inf);
    EXPECT_EQ(fn::Exp(ninf, fp32), 0u);
    EXPECT_EQ(fn::Exp(B(-100.0f), fp32), 0u);
    EXPECT_EQ(fn::Exp(B(100.0f), fp32), inf);
    EXPECT_EQ(fn::Sigmoid(B(0.0f), fp32), B(0.5f));
    EXPECT_EQ(fn::Sigmoid(B(100.0f), fp32), B(1.0f));
    EXPECT_EQ(fn::Sigmoid(B(-100.0f), fp32), 0u);
    EXPECT_EQ(fn::Silu(B(0.0f), fp32), 0u);
    EXPECT_EQ(fn::Silu(B(100.0f), fp32), B(100.0f));
    EXPECT_EQ(fn::Exp2(B(10.0f), fp32), B(1024.0f));
    EXPECT_EQ(fn::Exp2(B(-130.0f), fp32), 0u);
    EXPECT_EQ(fn::Exp2(B(130.0f), fp32), inf);
    EXPECT_EQ(fn::Exp2(ninf, fp32), 0u);
    EXPECT_EQ(fn::Tanh(B(0.0f), fp32), 0u);
    EXPECT_EQ(fn::Tanh(B(30.0f), fp32), B(1.0f));
    EXPECT_EQ(fn::Tanh(B(-30.0f), fp32), B(-1.0f));
  }
  EXPECT_EQ(fn::Tanh(B(1e-5f), true), B(1e-5f)); // |x| < 2^-12: x itself
  EXPECT_TRUE(std::isnan(F(fn::Exp(0x7fc00000u, true))));
  // On 16-bit DST the final rounding (SFP_STOCH_RND) makes a NaN infinite.
  EXPECT_EQ(fn::Exp(0x7fc00000u, false), inf);
}

} // namespace

TEST(SfpuRoutines, ReciprocalOnFp32DstIsWithinTheHarnessBound) {
  // calculate_reciprocal on fp32 DST (sfpu_reciprocal_iter<2>) against 1 / x
  // in float64, every 1021st fp32 input whose reciprocal is a normal number:
  // within RECIP_ULPS (python/tilelang_tt/sim.py) x 2^-24 relative.
  double worst = 0.0;
  int checked = 0;
  for (uint64_t w = 0; w <= 0xffffffffu; w += 1021) {
    const auto x = static_cast<uint32_t>(w);
    const float xf = F(x);
    if (!std::isfinite(xf) || std::fabs(xf) < 0x1p-126 ||
        std::fabs(xf) > 0x1p126) {
      continue;
    }
    const double exact = 1.0 / static_cast<double>(xf);
    const double got = F(fn::Reciprocal(x, 2));
    worst =
        std::max(worst, std::fabs(got - exact) / (std::fabs(exact) * 0x1p-24));
    ++checked;
  }
  EXPECT_GT(checked, 3000000);
  EXPECT_LE(worst, 2.0);
  std::printf("recip on fp32 DST: worst %.3f x 2^-24 relative\n", worst);
  // Its special values: 1 / +-0 is an infinity of that sign, 1 / +-inf a
  // zero (sfpu_reciprocal_iter's scale: 255 - the input's exponent).
  EXPECT_EQ(fn::Reciprocal(B(2.0f), 2), B(0.5f));
  EXPECT_EQ(fn::Reciprocal(B(-4.0f), 2), B(-0.25f));
  EXPECT_TRUE(std::isinf(F(fn::Reciprocal(B(0.0f), 2))));
}

TEST(SfpuRoutines, RsqrtOnFp32DstIsWithinTheHarnessBound) {
  // calculate_rsqrt on fp32 DST against 1 / sqrt(x) in float64, every 1021st
  // positive normal fp32 input: within FUNCTION_ULPS["rsqrt"]
  // (python/tilelang_tt/sim.py) x 2^-24 relative.
  double worst = 0.0;
  int checked = 0;
  for (uint64_t w = 0x00800000u; w < 0x7f800000u; w += 1021) {
    const auto x = static_cast<uint32_t>(w);
    const double exact = 1.0 / std::sqrt(static_cast<double>(F(x)));
    const double got = F(fn::Rsqrt(x));
    worst = std::max(worst, std::fabs(got - exact) / (exact * 0x1p-24));
    ++checked;
  }
  EXPECT_GT(checked, 2000000);
  EXPECT_LE(worst, 2.0);
  std::printf("rsqrt on fp32 DST: worst %.3f x 2^-24 relative\n", worst);
  EXPECT_EQ(fn::Rsqrt(B(4.0f)), B(0.5f));
  EXPECT_EQ(fn::Rsqrt(B(0.0f)), B(INFINITY));
  EXPECT_EQ(fn::Rsqrt(B(INFINITY)), 0u);
  EXPECT_TRUE(std::isnan(F(fn::Rsqrt(B(-4.0f)))));
}
