/*!
 * \file tilelang_tt/data_format.h
 * \brief The tile formats tensors are stored in on the device: one table,
 *        from a TileLang dtype to its TT-Metalium DataFormat, read by the
 *        passes (CB formats, page sizes, DST's 16-bit format) and the
 *        emitters (host types, file names).
 *
 * The DataFormat names are attr.h's `kFormat*` values; the plan (tt.cbs,
 * tt.buffers) records both the dtype and the DataFormat of each entry, and
 * python/tilelang_tt/plan.py reads them from there.
 */
#ifndef TILELANG_TT_DATA_FORMAT_H_
#define TILELANG_TT_DATA_FORMAT_H_

#include <tvm/runtime/data_type.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tilelang_tt/attr.h"

namespace tilelang_tt {

/*! \brief A tensor's or CB's tile format. */
enum class TileFormat { kBfloat16, kFloat16, kFloat32 };

/*! \brief What each format is, in every vocabulary that names it. */
struct TileFormatSpec {
  TileFormat format;
  /*! \brief TileLang's dtype ("bfloat16"), also the plan's. */
  const char *dtype;
  /*! \brief TT-Metalium's DataFormat (attr.h value). */
  const char *data_format;
  int64_t element_bytes;
  /*! \brief The host program's element type for the tensor files (the
   *         release's tilize_nfaces is instantiated for it) and their
   *         suffix: IEEE float16 travels as its uint16_t bit patterns. */
  const char *host_type;
  const char *file_suffix;
  /*! \brief An 8-bit exponent (bf16: TT-Metalium's "b" exponent family);
   *         float16 has a 5-bit one (family "a"). Float32 tiles are exempt
   *         from the JIT's one-family rule (see SameExponentFamily). */
  bool exp8;
};

inline const TileFormatSpec &SpecOf(TileFormat f) {
  static const TileFormatSpec kSpecs[] = {
      {TileFormat::kBfloat16, "bfloat16", value::kFormatFloat16b, 2, "bfloat16",
       ".bf16", true},
      {TileFormat::kFloat16, "float16", value::kFormatFloat16, 2, "uint16_t",
       ".f16", false},
      {TileFormat::kFloat32, "float32", value::kFormatFloat32, 4, "float",
       ".f32", true},
  };
  return kSpecs[static_cast<int>(f)];
}

/*! \brief The tile format of a TVM dtype, if it has one. */
inline std::optional<TileFormat> TileFormatOf(tvm::DataType dtype) {
  if (dtype == tvm::DataType::BFloat(16)) {
    return TileFormat::kBfloat16;
  }
  if (dtype == tvm::DataType::Float(16)) {
    return TileFormat::kFloat16;
  }
  if (dtype == tvm::DataType::Float(32)) {
    return TileFormat::kFloat32;
  }
  return std::nullopt;
}

/*! \brief The tile format a dtype name ("bfloat16") stands for. */
inline std::optional<TileFormat> TileFormatOf(const std::string &dtype) {
  for (TileFormat f :
       {TileFormat::kBfloat16, TileFormat::kFloat16, TileFormat::kFloat32}) {
    if (dtype == SpecOf(f).dtype) {
      return f;
    }
  }
  return std::nullopt;
}

/*!
 * \brief Whether two CB formats may share one program. TT-Metalium's JIT
 *        build refuses a program whose CBs mix the 8-bit-exponent formats
 *        (Float16_b) with the 5-bit ones (Float16); Float32 CBs are exempt
 *        (tt-metal `tt_metal/jit_build/data_format.cpp`,
 *        check_consistent_format_across_buffers).
 */
inline bool SameExponentFamily(TileFormat a, TileFormat b) {
  return a == TileFormat::kFloat32 || b == TileFormat::kFloat32 ||
         SpecOf(a).exp8 == SpecOf(b).exp8;
}

/*!
 * \brief Whether a program computing `compute_op` (tt.compute's op) moves
 *        its float16 tensors through Float32 CBs: a kernel that reduces
 *        (a reduction, or stages around one) reads Float32 values into the
 *        source registers, which beside a Float16 CB the JIT would unpack as
 *        FP16 (an undocumented conversion); so its reader widens each fp16
 *        tile it reads into fp32 (exact) and its writer narrows each fp32
 *        tile to fp16 (to nearest, ties to even, as IEEE and torch), and no
 *        CB of the program is Float16.
 */
inline bool WidensFloat16(const std::string &compute_op) {
  return compute_op == value::kOpStages || compute_op == value::kOpReduce;
}

} // namespace tilelang_tt

#endif // TILELANG_TT_DATA_FORMAT_H_
