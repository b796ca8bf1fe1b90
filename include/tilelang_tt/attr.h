/*!
 * \file tilelang_tt/attr.h
 * \brief The one definition of every attribute key, attribute value and
 *        target option name that tilelang-tt reads or writes.
 *
 * Each table below is an X-macro: `X(CppName, "string", "doc")`. The C++
 * constants are generated from it, and so is the map that
 * `tl.tt.AttrRegistry` hands to Python, where `python/tilelang_tt/attrs.py`
 * mirrors the same names (tests/python/tt/test_attr_mirror.py keeps the two
 * equal). Never spell one of these strings anywhere else.
 */
#ifndef TILELANG_TT_ATTR_H_
#define TILELANG_TT_ATTR_H_

namespace tilelang_tt {

/*! \brief PrimFunc attribute keys (`func.attrs[...]`). */
#define TILELANG_TT_FUNC_ATTRS(X)                                              \
  X(kSchedulePolicy, "tt.schedule_policy",                                     \
    "How output blocks are split over cores (values below).")                  \
  X(kScheduleOrder, "tt.schedule_order",                                       \
    "Order in which output blocks are enumerated before the split.")           \
  X(kLayout, "tt.layout", "Where and how global tensors are stored.")          \
  X(kTileShape, "tt.tile_shape",                                               \
    "Hardware tile shape [rows, cols] that tensors are cut into.")             \
  X(kDefaultsApplied, "tt.defaults_applied",                                   \
    "Names of the attributes AnnotateTTDefaults filled in (not user-given).")

/*! \brief Values the attributes above may take. */
#define TILELANG_TT_ATTR_VALUES(X)                                             \
  X(kPolicyContiguous, "contiguous",                                           \
    "Core i takes one contiguous run of blocks; the first blocks%cores "       \
    "cores take one extra.")                                                   \
  X(kOrderRowMajor, "row_major",                                               \
    "Block id = by * grid_x + bx (blockIdx.x varies fastest).")                \
  X(kOrderColumnMajor, "column_major",                                         \
    "Block id = bx * grid_y + by (blockIdx.y varies fastest).")                \
  X(kLayoutDramInterleaved, "dram_interleaved",                                \
    "32x32 tiles as pages, page id p in DRAM bank p % banks.")

/*! \brief Options of the `tenstorrent` TVM target kind. */
#define TILELANG_TT_TARGET_OPTIONS(X)                                          \
  X(kArch, "arch", "Device architecture: wormhole_b0 (default) or blackhole.") \
  X(kCoreGridX, "core_grid_x", "Columns of the compute core grid.")            \
  X(kCoreGridY, "core_grid_y", "Rows of the compute core grid.")               \
  X(kDramBanks, "dram_banks", "Number of interleaved DRAM banks.")             \
  X(kL1Bytes, "l1_bytes", "L1 SRAM bytes per compute core.")                   \
  X(kTileRows, "tile_rows", "Rows of one hardware tile.")                      \
  X(kTileCols, "tile_cols", "Columns of one hardware tile.")

#define TILELANG_TT_DECLARE_CONSTANT(name, str, doc)                           \
  constexpr const char *name = str;

/*! \brief PrimFunc attribute keys. */
namespace attr {
TILELANG_TT_FUNC_ATTRS(TILELANG_TT_DECLARE_CONSTANT)
} // namespace attr

/*! \brief Attribute values. */
namespace value {
TILELANG_TT_ATTR_VALUES(TILELANG_TT_DECLARE_CONSTANT)
} // namespace value

/*! \brief Target option names of the `tenstorrent` target kind. */
namespace target_option {
TILELANG_TT_TARGET_OPTIONS(TILELANG_TT_DECLARE_CONSTANT)
} // namespace target_option

#undef TILELANG_TT_DECLARE_CONSTANT

/*! \brief Name of the TVM target kind this package registers. */
constexpr const char *kTargetKindName = "tenstorrent";

} // namespace tilelang_tt

#endif // TILELANG_TT_ATTR_H_
