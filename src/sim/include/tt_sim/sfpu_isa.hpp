// tt_sim/sfpu_isa.hpp -- the Wormhole SFPU instructions the release's SFPU
// routines are made of, on 32-bit lane values (fp32 or integer bit patterns).
//
// Each function is one instruction (and mode) as tt-isa-documentation's
// WormholeB0/TensixTile/TensixCoprocessor/<NAME>.md describes it; the README
// cites the page of each. Written from the documented rules, not copied.
#pragma once

#include <cstdint>

namespace tt_sim {
namespace isa {

constexpr uint32_t kSign = 0x80000000u;
constexpr uint32_t kInfinity = 0x7f800000u;

inline uint32_t ExponentField(uint32_t v) { return (v >> 23) & 0xffu; }

/// Instructions issued for the lane value being computed: each function below
/// that is one instruction adds one (SFPMUL / SFPADD through SFPMAD, once).
/// The Vector Unit accepts one instruction a cycle (VectorUnit.md), so the
/// most any datum of a tile ran is each iteration's cycles at least
/// (kernel_api.cc, AddSfpuCycles).
inline thread_local uint32_t issued = 0;

/// SFPMAD (and SFPMUL = x * y + 0, SFPADD = 1.0 * x + z, SFPMULI, SFPADDI):
/// x * y + z on Wormhole (SFPMAD.md, Miscellaneous/FMA/README.md). Denormal
/// inputs count as zero; the 48-bit product keeps 27 bits (3 below the fp32
/// mantissa) and a sticky bit before the add; operands are aligned with
/// sticky bits, the sum renormalised (where the hardware keeps only the last
/// shifted-out bit as sticky) and rounded once to nearest even. A zero or
/// denormal result is +0; a result past the range is infinity; an invalid
/// operation (NaN in, Inf * 0, Inf - Inf) gives a NaN of mantissa 1 into
/// which the rest of the computation's bits leak.
inline uint32_t Mad(uint32_t x, uint32_t y, uint32_t z) {
  ++issued;
  const int32_t xe = static_cast<int32_t>(ExponentField(x));
  const int32_t ye = static_cast<int32_t>(ExponentField(y));
  int32_t ze = static_cast<int32_t>(ExponentField(z));
  auto mantissa = [](uint32_t v, int32_t e) -> uint32_t {
    return e == 0 ? 0u : (v & 0x7fffffu) | 0x800000u; // denormals are zero
  };
  const uint32_t xm = mantissa(x, xe), ym = mantissa(y, ye);
  uint32_t zm = mantissa(z, ze) << 3; // 3 guard bits
  const uint32_t psign = (x ^ y) & kSign, zsign = z & kSign;
  // The product, at z's scale: 24 + 3 bits and a sticky bit.
  const uint64_t product = (static_cast<uint64_t>(xm) * ym) << 3;
  uint32_t pm = static_cast<uint32_t>(product >> 23) |
                ((product & 0x7fffffu) != 0 ? 1u : 0u);
  int32_t pe = xe + ye - 127;

  uint32_t nan = 0; // the NaN the result is, once bits have leaked into it
  if (xe == 255 || ye == 255 || pe >= 255 || ze == 255) {
    const bool x_inf = xe == 255 && xm == 0x800000u;
    const bool y_inf = ye == 255 && ym == 0x800000u;
    const bool z_inf = ze == 255 && zm == (0x800000u << 3);
    const bool p_huge = xe == 255 || ye == 255 || pe >= 255;
    if ((xe == 255 && (!x_inf || ym == 0)) ||
        (ye == 255 && (!y_inf || xm == 0)) ||
        (z_inf && p_huge && zsign != psign)) {
      nan = psign | 0x7f800001u;
    } else if (ze == 255 && !z_inf) {
      nan = zsign | 0x7f800001u;
    } else if (ze == 255) {
      return z;
    } else {
      return psign | kInfinity;
    }
    pe = pe > 255 ? 255 : pe;
  }
  if (pm == 0 || pe < 0) { // a zero product, or one below the range alone
    if (nan == 0) {
      return zm != 0 ? z : 0u;
    }
    pm = 0, pe = 0;
  }
  // Align the smaller operand: shifted-out bits leave a sticky bit unless
  // nothing is left.
  auto align = [](uint32_t v, int32_t by) -> uint32_t {
    if (by >= 32) {
      return 0u;
    }
    const uint32_t kept = v >> by;
    return kept != 0 && (kept << by) != v ? kept | 1u : kept;
  };
  int32_t re = pe > ze ? pe : ze;
  pm = align(pm, re - pe);
  zm = align(zm, re - ze);
  const uint32_t rsign = pm >= zm ? psign : zsign;
  if (zsign != rsign) {
    zm = ~zm;
  }
  if (psign != rsign) {
    pm = ~pm;
  }
  uint32_t rm = zm + pm + (psign != zsign ? 1u : 0u);
  if (rm == 0) {
    return nan;
  }
  // Normalise to 1 integer bit and 26 fraction bits.
  const int32_t n = 5 - __builtin_clz(rm);
  re += n;
  if (re >= 255) {
    return nan != 0 ? nan : (rsign | kInfinity);
  }
  if (re < 0) {
    return nan; // far below the range: +0
  }
  rm = n <= 0 ? rm << -n : (rm >> n) | (rm & 1u);
  uint32_t r = (static_cast<uint32_t>(re) << 23) + ((rm >> 3) & 0x7fffffu);
  r += ((rm & 7u) + (r & 1u)) > 4 ? 1u : 0u; // to nearest, ties to even
  if ((r >> 23) == 0) {
    return nan; // a denormal result: +0
  }
  return (nan != 0 ? nan : rsign) | r;
}

/// SFPMUL: x * y + 0 (SFPMUL.md).
inline uint32_t Mul(uint32_t x, uint32_t y) { return Mad(x, y, 0u); }
/// SFPADD: 1.0 * x + z (SFPADD.md).
inline uint32_t Add(uint32_t x, uint32_t z) { return Mad(0x3f800000u, x, z); }

/// SFPMOV with mod1 1 (sfpi's unary minus): the sign bit flipped, +0 to -0
/// and NaN included (SFPMOV.md).
inline uint32_t Negate(uint32_t v) {
  ++issued;
  return v ^ kSign;
}

/// SFPSWAP with VEC_MIN_MAX: fp32 patterns ordered as sign-magnitude
/// integers, -NaN < -Inf < ... < -0 < +0 < ... < +Inf < +NaN (SFPSWAP.md).
inline bool SignMagLess(uint32_t c, uint32_t d) {
  c ^= static_cast<uint32_t>(static_cast<int32_t>(c) >> 30) >> 1;
  d ^= static_cast<uint32_t>(static_cast<int32_t>(d) >> 30) >> 1;
  return static_cast<int32_t>(c) < static_cast<int32_t>(d);
}
inline uint32_t Max(uint32_t a, uint32_t b) {
  ++issued;
  return SignMagLess(a, b) ? b : a;
}
inline uint32_t Min(uint32_t a, uint32_t b) {
  ++issued;
  return SignMagLess(b, a) ? b : a;
}

/// SFPEXEXP: the exponent field, less 127 unless `biased` (mod1 1); the sign
/// is ignored (SFPEXEXP.md).
inline uint32_t ExExp(uint32_t v, bool biased) {
  ++issued;
  return ExponentField(v) - (biased ? 0u : 127u);
}

/// SFPEXMAN: the mantissa field, with the implicit one at bit 23 (PAD8,
/// mod1 0; set even for 0, Inf and NaN) or without it (PAD9, mod1 1)
/// (SFPEXMAN.md).
inline uint32_t ExMan(uint32_t v, bool implicit_one) {
  ++issued;
  return (v & 0x7fffffu) | (implicit_one ? 0x800000u : 0u);
}

/// SFPSHFT by a register: left for a non-negative amount, logical right for
/// a negative one, the amount's magnitude taken mod 32 (SFPSHFT.md).
inline uint32_t Shift(uint32_t v, uint32_t amount) {
  ++issued;
  const auto a = static_cast<int32_t>(amount);
  return a >= 0 ? v << (static_cast<uint32_t>(a) & 31u)
                : v >> ((0u - static_cast<uint32_t>(a)) & 31u);
}

/// SFPSETEXP: sign and mantissa of `v`, exponent `e & 0xff` (mod1 0, from an
/// integer; mod1 2 takes another value's exponent field) (SFPSETEXP.md).
inline uint32_t SetExp(uint32_t v, uint32_t e) {
  ++issued;
  return (v & 0x807fffffu) | ((e & 0xffu) << 23);
}

/// SFPSETMAN (register form): sign and exponent of `v`, mantissa the low 23
/// bits of `m` (SFPSETMAN.md).
inline uint32_t SetMan(uint32_t v, uint32_t m) {
  ++issued;
  return (v & 0xff800000u) | (m & 0x7fffffu);
}

/// SFPSETSGN (register form, sfpi's copysgn): `v` with the sign bit of `s`
/// (SFPSETSGN.md).
inline uint32_t CopySign(uint32_t v, uint32_t s) {
  ++issued;
  return (v & ~kSign) | (s & kSign);
}

/// SFPABS in integer mode: two's-complement negation of a negative value;
/// 0x80000000 stays (SFPABS.md).
inline uint32_t AbsInt(uint32_t v) {
  ++issued;
  return (v & kSign) != 0 ? 0u - v : v;
}

/// SFPIADD's comparison of the integer `v` with `n`: the sign of v - n, mod
/// 2^32 (SFPIADD.md; sfpi's v_if(e >= n) / v_if(e < n)).
inline bool IntLess(uint32_t v, uint32_t n) {
  ++issued;
  return static_cast<int32_t>(v - n) < 0;
}

/// SFPCAST mod1 0: a sign-magnitude int32 to fp32, rounded to nearest even;
/// -0 stays -0.0 (SFPCAST.md).
inline uint32_t CastSignMag(uint32_t v) {
  ++issued;
  const uint32_t sign = v & kSign, mag = v & ~kSign;
  if (mag == 0) {
    return sign;
  }
  const uint32_t lz = static_cast<uint32_t>(__builtin_clz(mag));
  const uint32_t norm = mag << lz; // leading one at bit 31
  uint32_t d = sign + ((157u - lz) << 23) + (norm >> 8);
  if ((norm & 0x80u) != 0 && (norm & 0x17fu) != 0) {
    d += 1; // round bit set, and sticky bits or an odd result
  }
  return d;
}

/// SFP_STOCH_RND, deterministic, FP32 -> FP16B (mod1 1): to the nearest
/// bf16 value, ties away from zero (the "RND_EVEN" mode rounds up from the
/// half); zeros and denormals become +0, NaN the infinity of its sign
/// (SFPSTOCHRND_FloatFloat.md).
inline uint32_t RoundToBf16(uint32_t v) {
  ++issued;
  const uint32_t e = ExponentField(v);
  if (e == 0) {
    return 0u;
  }
  if (e == 255) {
    return v & 0xff800000u;
  }
  const uint32_t dropped = v & 0xffffu;
  return (v - dropped) + (dropped >= 0x8000u ? 0x10000u : 0u);
}

/// SFP_STOCH_RND, deterministic, FP32 -> an integer: INT16 (mod1 7,
/// `max` 32767, the sign kept: sign-magnitude) or UINT8 (mod1 2, `max` 255,
/// the magnitude only). To the nearest, ties away from zero, saturated at
/// `max` (Inf and NaN too); |v| < 0.5 gives +0 (SFPSTOCHRND_FloatInt.md).
inline uint32_t RoundToInteger(uint32_t v, uint32_t max, bool keep_sign) {
  ++issued;
  const int32_t e = static_cast<int32_t>(ExponentField(v)) - 127;
  uint32_t sign = keep_sign ? v & kSign : 0u, mag = 0;
  if (e < -1) {
    return 0u;
  }
  if (e >= 16) {
    mag = max;
  } else {
    const uint64_t m = static_cast<uint64_t>((v & 0x7fffffu) | 0x800000u);
    const uint64_t scaled = e >= 0 ? m << e : m >> -e;
    mag = static_cast<uint32_t>(scaled >> 23) +
          ((scaled & 0x7fffffu) >= 0x400000u ? 1u : 0u);
    mag = mag > max ? max : mag;
  }
  if (mag == 0) {
    sign = 0;
  }
  return sign | mag;
}
inline uint32_t RoundToSignMag16(uint32_t v) {
  return RoundToInteger(v, 32767u, true);
}
inline uint32_t RoundToUint8(uint32_t v) {
  return RoundToInteger(v, 255u, false);
}

/// SFPABS in float mode: the sign cleared, except a negative NaN stays
/// (SFPABS.md).
inline uint32_t AbsFloat(uint32_t v) {
  ++issued;
  return v > 0xff800000u ? v : v & ~kSign;
}

} // namespace isa
} // namespace tt_sim
