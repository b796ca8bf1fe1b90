/*!
 * \file tilelang_tt/target.h
 * \brief The `tenstorrent` TVM target kind: architecture table and a typed
 *        view of a canonicalized target.
 *
 * The target kind is registered in src/target/tt_target.cc. On creation its
 * canonicalizer validates `arch` and fills every architecture fact the user
 * did not give from the table below, so a pass only ever reads a complete,
 * validated target through TTTargetInfo::FromTarget.
 */
#ifndef TILELANG_TT_TARGET_H_
#define TILELANG_TT_TARGET_H_

#include <tvm/target/target.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tilelang_tt {

/*! \brief Published facts of one Tenstorrent architecture. */
struct ArchSpec {
  /*! \brief Value of the target's `arch` option. */
  const char *name;
  /*! \brief Board the numbers are taken from. */
  const char *board;
  /*! \brief Compute core grid: columns (x) and rows (y). */
  int64_t core_grid_x;
  int64_t core_grid_y;
  /*! \brief Interleaved DRAM banks. */
  int64_t dram_banks;
  /*! \brief L1 SRAM bytes per compute core. */
  int64_t l1_bytes;
  /*! \brief Bytes of each DRAM bank. */
  int64_t dram_bank_bytes;
};

/*! \brief The architectures the target accepts, default first. */
const std::vector<ArchSpec> &KnownArchs();

/*! \brief Comma-separated names of KnownArchs(), for error messages. */
std::string KnownArchNames();

/*! \brief Edge of the only hardware tile supported: 32x32. */
constexpr int64_t kTileSize = 32;

/*! \brief Tiles the DST register file holds for the math thread: 16 bf16
 *         tiles, of which half-sync mode (math and pack alternate halves)
 *         gives each side 8. */
constexpr int64_t kDstTilesHalfSync = 8;

/*! \brief Pages of each circular buffer: 2 = double buffering, so the
 *         producer fills one block while the consumer works on the other. */
constexpr int64_t kCBDepth = 2;

/*! \brief Typed, validated view of a canonicalized `tenstorrent` target. */
struct TTTargetInfo {
  std::string arch;
  int64_t core_grid_x = 0;
  int64_t core_grid_y = 0;
  int64_t dram_banks = 0;
  int64_t l1_bytes = 0;
  int64_t dram_bank_bytes = 0;
  int64_t tile_rows = 0;
  int64_t tile_cols = 0;

  /*! \brief Cores in the compute grid. */
  int64_t num_cores() const { return core_grid_x * core_grid_y; }

  /*! \brief Bytes of one tile (one DRAM / CB page) of `dtype`. */
  int64_t TileBytes(tvm::DataType dtype) const {
    return tile_rows * tile_cols * dtype.bytes();
  }

  /*!
   * \brief Read the facts of a target.
   * \throws ValueError if the target is not of kind `tenstorrent`.
   */
  static TTTargetInfo FromTarget(const tvm::Target &target);
};

} // namespace tilelang_tt

#endif // TILELANG_TT_TARGET_H_
