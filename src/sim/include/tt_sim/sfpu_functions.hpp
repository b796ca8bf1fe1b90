// tt_sim/sfpu_functions.hpp -- the release's accurate SFPU routines behind
// exp_tile, exp2_tile, sigmoid_tile, tanh_tile, silu_tile, gelu_tile,
// recip_tile and rsqrt_tile
// (TT-Metalium v0.81.1, Wormhole: hw/ckernels/wormhole_b0/metal/llk_api/
// llk_sfpu/ckernel_sfpu_exp.h, ckernel_sfpu_exp2.h, ckernel_sfpu_recip.h,
// ckernel_sfpu_sigmoid.h, ckernel_sfpu_tanh.h, ckernel_sfpu_silu.h,
// ckernel_sfpu_gelu.h, ckernel_sfpu_piecewise_rational.h, ckernel_sfpu_sqrt.h,
// ckernel_sfpu_rsqrt.h), step by step on
// the instructions of tt_sim/sfpu_isa.hpp, for one lane value.
//
// Each step is the instruction the release's code issues (its TTI_* calls)
// or the one sfpi compiles its expression to; `a * b + c` is one SFPMAD
// (sfpi-gcc fuses a multiply into the add that uses it). Two things are not
// pinned by the sources we have (src/sim/README.md): sfpi-gcc may instead
// emit SFPMUL + SFPADDI for `a * b + 1.0f` (a bf16-exact constant: the
// `y * f + 1.0f` steps of ExpFp32, `t = 1 + neg_x * y` of Reciprocal,
// `r * f + 1.0f` of Exp2Fp32, `x1 * rcp + 1.0f` of TanhFp32), and a NaN's
// payload bits depend on operand order. Neither changes a result by more
// than the tolerance docs/tenstorrent/simulator.md derives (a review replayed
// the unfused forms of exp, sigmoid and silu: within it).
#pragma once

#include <cstdint>

#include "tt_sim/sfpu_isa.hpp"
#include "tt_sim/tile.hpp"

namespace tt_sim {
namespace sfpu_fn {

/// A float constant's bits, as the kernel loads it (SFPLOADI, exact).
inline uint32_t Bits(float v) { return FloatBits(v); }

namespace detail {
constexpr uint32_t kOne = 0x3f800000u;        // 1.0f
constexpr uint32_t kMinusOne = 0xbf800000u;   // -1.0f
constexpr uint32_t kHalf = 0x3f000000u;       // 0.5f
constexpr uint32_t kZero = 0x00000000u;       // 0.0f
constexpr uint32_t kPlusInf = 0x7f800000u;    // infinity
constexpr uint32_t kOneOverLn2 = 0x3fb8aa3bu; // 1.4426950216293334961f
constexpr uint32_t k127 = 0x42fe0000u;        // 127.0f
constexpr uint32_t k255 = 0x437f0000u;        // 255.0f
} // namespace detail

/// The exp_21f core: 2^(xlog2 - 127) for xlog2 clamped to [0, 255], from its
/// integer part (the exponent) and fraction, 2^fraction refined by c0 + f *
/// (c1 + f * c2) (Moroz et al.'s exp_21f).
inline uint32_t Pow2Biased21f(uint32_t xlog2, uint32_t c0) {
  using namespace isa;
  xlog2 = Min(Max(xlog2, detail::kZero), detail::k255); // clamp to [0, 255]
  // z's bits: xlog2 * 2^23 as an integer (the mantissa shifted by the
  // exponent), i.e. integer part in the exponent field, fraction below.
  const uint32_t z = Shift(ExMan(xlog2, true), ExExp(xlog2, false));
  const uint32_t frac = CastSignMag(ExMan(z, false));
  const uint32_t c1 = Bits(7.839635491371155e-08f);
  const uint32_t c2 = Bits(4.791750143340323e-15f);
  const uint32_t poly = Mad(frac, Mad(frac, c2, c1), c0);
  return SetExp(poly, ExExp(z, true));
}

/// _sfpu_exp_21f_bf16_ / _sfpu_exp_21f_bf16_tti_ (CLAMP_NEGATIVE): exp(x) =
/// 2^(x / ln2), z = x / ln2 + 127 by one SFPMAD. `c0` is 1.0017248f in the
/// sfpi routine and 1.001953125 (0x3c02 as FP16A, the nearest fp16 value) in
/// the TTI routine exp_tile runs on 16-bit DST.
inline uint32_t Exp21f(uint32_t x, uint32_t c0) {
  return Pow2Biased21f(isa::Mad(x, detail::kOneOverLn2, detail::k127), c0);
}

/// _sfpu_exp2_bf16_: 2^x on 16-bit DST, z = x + 127 by SFPADD, the sfpi
/// exp_21f constants, rounded to bf16.
inline uint32_t Exp2Bf16(uint32_t x) {
  return isa::RoundToBf16(
      Pow2Biased21f(isa::Add(x, detail::k127), Bits(1.0017248f)));
}

/// _sfpu_exp2_fp32_accurate_: 2^x on fp32 DST: j = round(x) (a sign-
/// magnitude int16), f = x - j, a degree-6 polynomial for 2^f (the last three
/// coefficients from exp2_init's programmable constants), scaled by 2^j in
/// the exponent field; 0 below the range, infinity above; a negative NaN
/// skips the scaling (`abs(x) >= 0` is false for it).
inline uint32_t Exp2Fp32(uint32_t x) {
  using namespace isa;
  const uint32_t sm = RoundToSignMag16(x);
  const uint32_t j = CastSignMag(sm);
  const uint32_t f = Mad(detail::kMinusOne, j, x); // x - j
  uint32_t r = Bits(0x1.41cp-13f);
  r = Mad(r, f, Bits(0x1.5f4p-10f));
  r = Mad(r, f, Bits(0x1.3b4p-7f));
  uint32_t i = AbsInt(sm);
  uint32_t y = Mad(r, f, Bits(0x1.c6afd8p-5f));
  i = CopySign(i, j); // sign-magnitude j as two's complement
  r = Mad(y, f, Bits(0x1.ebfba0p-3f));
  y = Mul(y, detail::kPlusInf); // the result above the range (NaN stays)
  r = Mad(r, f, Bits(0x1.62e42ep-1f));
  const uint32_t abs_x = AbsFloat(x);
  r = Mad(r, f, detail::kOne);
  if ((abs_x & kSign) == 0) { // abs(x) >= 0: the sign bit (SFPSETCC)
    const uint32_t e = ExExp(r, true) + i;
    if (IntLess(e, 255u)) {
      y = SetExp(r, e);
      if (IntLess(e, 1u)) {
        y = 0u;
      }
    }
  }
  return y;
}

/// calculate_exp2.
inline uint32_t Exp2(uint32_t x, bool fp32_dest) {
  return fp32_dest ? Exp2Fp32(x) : Exp2Bf16(x);
}

/// _sfpu_exp_fp32_accurate_ (unsafe = false): exp on fp32 DST. j = round(x /
/// ln2) as a sign-magnitude int16, f = x - j ln2 (two-part Cody-Waite), a
/// degree-6 polynomial for exp(f), scaled by 2^j through the exponent field;
/// 0 below the range, infinity above, NaN kept.
inline uint32_t ExpFp32(uint32_t a) {
  using namespace isa;
  uint32_t j = Mul(Bits(1.442695f), a);
  const uint32_t sm = RoundToSignMag16(j);
  j = CastSignMag(sm);
  uint32_t f = Mad(j, Bits(-6.93145752e-1f), a);
  f = Mad(j, Bits(-1.42860677e-6f), f);
  uint32_t r = Bits(1.37805939e-3f);
  r = Mad(r, f, Bits(8.37312452e-3f));
  r = Mad(r, f, Bits(4.16695364e-2f));
  r = Mad(r, f, Bits(1.66664720e-1f));
  r = Mad(r, f, Bits(4.99999851e-1f));
  uint32_t i = AbsInt(sm);
  uint32_t y = Mad(r, f, detail::kOne);
  i = CopySign(i, j); // sign-magnitude j as two's complement
  r = Mad(y, f, detail::kOne);
  // Underflow: 0, or NaN from a NaN (its bits less one: Inf, times 0).
  y = Mul(y - 1u, detail::kZero);
  const uint32_t e = ExExp(r, true) + i;
  if (!IntLess(e, 1u)) {
    y = Add(y, detail::kPlusInf); // overflow: infinity (NaN stays NaN)
    if (IntLess(e, 255u)) {
      y = SetExp(r, e);
    }
  }
  return y;
}

/// sfpu_reciprocal_iter<iterations> (not normalized, not rounded to bf16):
/// a quadratic estimate of 1 / m for the mantissa m in [1, 2) (the seed
/// `k` = vConstFloatPrgm0..2 of sfpu_reciprocal_init), Newton-Raphson
/// steps, scaled by 2^-exponent, the sign of `in`.
inline uint32_t Reciprocal(uint32_t in, int iterations) {
  using namespace isa;
  const uint32_t k0 = Bits(0.3232325017452239990234375f);
  const uint32_t k1 = Bits(1.4545459747314453125f);
  const uint32_t k2 = Bits(2.121212482452392578125f);
  const uint32_t neg_x = SetMan(detail::kMinusOne, in);
  uint32_t y = Mad(k0, neg_x, k1);
  uint32_t scale = SetMan(~in, 0u);
  y = Mad(y, neg_x, k2);
  uint32_t t = Mad(neg_x, y, detail::kOne);
  scale = Mul(scale, detail::kHalf);
  y = Mad(y, t, y);
  for (int it = 1; it < iterations; ++it) {
    t = Mad(neg_x, y, detail::kOne);
    y = Mad(y, t, y);
  }
  return CopySign(Mul(y, scale), in);
}

/// _sfpu_sigmoid_: 1 / (1 + exp(-x)); on fp32 DST with the fp32 exp and two
/// Newton steps, on 16-bit DST with exp_21f (unrounded) and one.
inline uint32_t SigmoidInner(uint32_t x, bool fp32_dest) {
  const uint32_t e = fp32_dest ? ExpFp32(isa::Negate(x))
                               : Exp21f(isa::Negate(x), Bits(1.0017248f));
  return Reciprocal(isa::Add(detail::kOne, e), fp32_dest ? 2 : 1);
}

/// _sfpu_tanh_fp32_accurate_: tanh(|x|) = x0 / (x0 + 1) with x0 = expm1(2|x|)
/// (2|x| = j ln 2 + f, j rounded to an unsigned 8-bit integer, a degree-6
/// polynomial for expm1(f), scaled by 2^j), the quotient by a magic-number
/// reciprocal refined twice with a residual correction; 1 for j >= 61, x
/// itself for |x| < 2^-12; the sign of x.
inline uint32_t TanhFp32(uint32_t x) {
  using namespace isa;
  const uint32_t p0 = Bits(2.0f * 1.442695f), p1 = Bits(-0.6931471805599453f);
  const uint32_t p2 = Bits(1.666667163e-1f);
  uint32_t j = Mul(x, p0);
  uint32_t a = Add(x, x);
  const uint32_t i = RoundToUint8(j);
  j = CastSignMag(i);
  a &= ~kSign; // setsgn(a, 0)
  const uint32_t f = Mad(j, p1, a);
  uint32_t r = Bits(1.974105835e-04f);
  r = Mad(r, f, Bits(1.393318176e-3f));
  r = Mad(r, f, Bits(8.331298828e-3f));
  r = Mad(r, f, Bits(4.166680202e-2f));
  const uint32_t s = Mul(f, f);
  r = Mad(r, f, p2);
  r = Mad(r, f, detail::kHalf);
  r = Mad(r, s, f);
  const uint32_t scale = SetExp(detail::kZero, i + 126u);
  const uint32_t bias0 = Mad(detail::kMinusOne, detail::kHalf, scale);
  const uint32_t x0 = Mad(r, scale, bias0);
  uint32_t y = Mad(a - 1u, detail::kZero, detail::kOne);
  const uint32_t x1 = Add(x0, detail::kOne);
  uint32_t rcp = 0xfef30000u - x1; // a negative reciprocal estimate
  uint32_t t = Mad(x1, rcp, detail::kOne);
  if (IntLess(i, 61u)) {
    t = Mad(t, t, t);
    y = x;
    rcp = Mad(rcp, t, rcp);
    const uint32_t y0 = Mul(x0, rcp);
    t = Mad(x1, y0, x0);
    if (!IntLess(ExExp(x, true), 115u)) {
      y = Mad(t, rcp, y0);
    }
  }
  return CopySign(y, x);
}

/// calculate_tanh on 16-bit DST (_sfpu_tanh_polynomial_x2_): an odd
/// degree-6 polynomial in |x| (the coefficients of tanh_init's 16-bit
/// branch and TANH_POLY_C1..C3), capped at 1, the sign of x, rounded to
/// bf16.
inline uint32_t TanhBf16(uint32_t x) {
  using namespace isa;
  const uint32_t a = AbsFloat(x);
  uint32_t r = Bits(5.876733921468257904052734375e-3f);
  r = Mad(r, a, Bits(-6.6649019718170166015625e-2f));
  r = Mad(r, a, Bits(0.281917631626129150390625f));
  r = Mad(r, a, Bits(-0.4890659749507904052734375f));
  r = Mad(r, a, Bits(3.0897438526153564453125e-2f));
  r = Mad(r, a, Bits(0.999004364013671875f));
  r = Mul(r, a);
  return RoundToBf16(CopySign(Min(r, detail::kOne), x));
}

/// calculate_tanh (accurate).
inline uint32_t Tanh(uint32_t x, bool fp32_dest) {
  return fp32_dest ? TanhFp32(x) : TanhBf16(x);
}

/// calculate_exponential (accurate): the fp32 routine on fp32 DST; on
/// 16-bit DST the TTI exp_21f rounded to bf16 before the store.
inline uint32_t Exp(uint32_t x, bool fp32_dest) {
  return fp32_dest
             ? ExpFp32(x)
             : isa::RoundToBf16(Exp21f(x, 0x3f804000u /* FP16A 0x3c02 */));
}

/// calculate_sigmoid (accurate): rounded to bf16 on 16-bit DST.
inline uint32_t Sigmoid(uint32_t x, bool fp32_dest) {
  const uint32_t s = SigmoidInner(x, fp32_dest);
  return fp32_dest ? s : isa::RoundToBf16(s);
}

/// sfpi's float comparisons with a constant (sfpi-gcc's lowering of `v > c`
/// and `v == c`): d = v - c by one SFPMAD (c * -1 + v), then SFPSETCC on d's
/// bits: `>` is "d >= 0" and "d != 0", `==` is "d == 0"; a NaN goes by its
/// sign.
inline bool Greater(uint32_t v, uint32_t c) {
  const uint32_t d = isa::Mad(c, detail::kMinusOne, v);
  return (d & isa::kSign) == 0 && d != 0u;
}
inline bool Equal(uint32_t v, uint32_t c) {
  return isa::Mad(c, detail::kMinusOne, v) == 0u;
}

/// calculate_gelu<APPROXIMATION_MODE = false> on fp32 DST: x * (0.5 + 0.5 *
/// erf(x / sqrt 2)), erf from the release's degree-16 parity rational
/// (odd numerator, even denominator, both Horner in s^2 for s = min(x /
/// sqrt 2, 10); the quotient by sfpu_reciprocal's two Newton steps), clamped
/// to [-1, 1]; +0 (x - x: NaN for a NaN) where x <= -5.54259443, x * 2^-25
/// where erf rounds to -1.
inline uint32_t GeluFp32(uint32_t x) {
  using namespace isa;
  // GELU_ERF_NUM's odd coefficients n1..n15 and GELU_ERF_DEN's even ones
  // d0..d16, as the release lists them.
  static const float kNum[8] = {1.1283791065e+00f, 2.1477432549e-01f,
                                6.2133435160e-02f, 5.6230435148e-03f,
                                6.1307044234e-04f, 1.7678321456e-05f,
                                2.7384647439e-08f, -2.8632063387e-10f};
  static const float kDen[9] = {1.0f,
                                5.2367275953e-01f,
                                1.2961706519e-01f,
                                1.9642570987e-02f,
                                1.9545555115e-03f,
                                1.3179056987e-04f,
                                1.3156344494e-06f,
                                -3.5153888689e-09f,
                                -6.7350725691e-12f};
  uint32_t result = Mad(detail::kMinusOne, x, x); // x - x
  if (Greater(x, Bits(-5.54259443f))) {
    const uint32_t s = Min(Mul(x, Bits(0.7071067811865475f)), Bits(10.0f));
    const uint32_t s2 = Mul(s, s);
    // The denominator has one more step (degree 16 against the
    // numerator's 15): d16 s^2 + d14 first, then both together.
    uint32_t den = Mad(Bits(kDen[8]), s2, Bits(kDen[7]));
    uint32_t num = Bits(kNum[7]);
    for (int k = 6; k >= 0; --k) {
      num = Mad(num, s2, Bits(kNum[k]));
      den = Mad(den, s2, Bits(kDen[k]));
    }
    num = Mul(num, s);
    uint32_t erf = Mul(num, Reciprocal(den, 2));
    erf = Min(Max(erf, detail::kMinusOne), detail::kOne); // clamp
    result = Mul(x, Mad(detail::kHalf, erf, detail::kHalf));
    if (Equal(erf, detail::kMinusOne)) {
      result = Mul(x, Bits(2.9802322387695313e-08f)); // 2^-25
    }
  }
  return result;
}

/// calculate_silu: x * sigmoid(x), rounded to bf16 on 16-bit DST.
inline uint32_t Silu(uint32_t x, bool fp32_dest) {
  const uint32_t s = isa::Mul(x, SigmoidInner(x, fp32_dest));
  return fp32_dest ? s : isa::RoundToBf16(s);
}

/// rsqrt_tile (RsqrtMode::Default, not approximate) on fp32 DST:
/// _calculate_sqrt_body_<false, true, false>, the SQRT_23-bits algorithm of
/// Kokosinski et al. for the reciprocal with sqrt_init<false>'s constants
/// (vConstIntPrgm0 = 0x5f1110a0, k1 = 2.2825186, k2 = 2.2533049): a magic-
/// number estimate y from the bits (logical shift right by one, integer
/// subtract), y * (k1 + c * (k2 + c)) for c = -y * (x * y), then one step
/// y + (1 - x * y * y) * y / 2 (SFPDIVP2 halves y). +-0 gives an infinity
/// of that sign and +inf zero (the integer inf - x), a negative x NaN.
inline uint32_t Rsqrt(uint32_t x) {
  using namespace isa;
  const uint32_t k1 = Bits(2.2825186f), k2 = Bits(2.2533049f);
  uint32_t y = 0x5f1110a0u - (x >> 1);
  uint32_t xy = Mul(x, y);
  uint32_t neg_y = Negate(y);
  const uint32_t c = Mul(neg_y, xy);
  y = Mul(y, Mad(c, Add(k2, c), k1));
  xy = Mul(x, y);
  neg_y = Negate(y);
  const uint32_t one_minus_xyy = Mad(neg_y, xy, detail::kOne);
  const uint32_t half_y = SetExp(y, ExponentField(y) - 1u); // y normal here
  const uint32_t inf_minus_x = detail::kPlusInf - x;
  if (inf_minus_x != 0u && (x << 1) != 0u) {
    y = Mad(one_minus_xyy, half_y, y);
    if ((x & kSign) != 0u) {
      y = 0x7fc00000u; // quiet NaN
    }
    return y;
  }
  return inf_minus_x;
}

} // namespace sfpu_fn
} // namespace tt_sim
