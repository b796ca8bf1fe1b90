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

#include "tilelang_tt/data_format.h"

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
  /*! \brief First L1 address the allocator gives to circular buffers: below
   *         it lie the firmware (MEM_MAP_END of the release's dev_mem_map.h)
   *         and the 69 KiB kernel-config window (tt-metal's HAL,
   *         DEFAULT_UNRESERVED), rounded up to the DRAM alignment. */
  int64_t l1_unreserved_base;
  /*! \brief The cost model's facts (docs/performance.md gives each source):
   *         clock, the board's DRAM bandwidth, and what one core's
   *         data-movement kernels move per cycle (its DRAM reads, its DRAM
   *         writes, its multicast to a rectangle of cores). */
  int64_t clock_mhz;
  int64_t dram_gb_per_s;
  int64_t core_dram_read_bytes_per_cycle;
  int64_t core_dram_write_bytes_per_cycle;
  int64_t core_multicast_bytes_per_cycle;
  /*! \brief What the board's DRAM delivers to all cores at once, measured
   *         (below dram_gb_per_s): the bandwidth the cost model times
   *         DRAM traffic at. */
  int64_t dram_measured_gb_per_s;
  /*! \brief Bytes a cycle one core's unpackers read from L1 (both
   *         together) and its packers write into L1. */
  int64_t unpack_bytes_per_cycle;
  int64_t pack_bytes_per_cycle;
};

/*! \brief The cost model's facts of `spec` as one JSON object: the plan's
 *         `device` section, and `tl.tt.DeviceFacts` for Python. */
std::string DeviceFactsJson(const ArchSpec &spec);

/*! \brief The architectures the target accepts, default first. */
const std::vector<ArchSpec> &KnownArchs();

/*! \brief Comma-separated names of KnownArchs(), for error messages. */
std::string KnownArchNames();
/*! \brief The spec of arch `name` (a ValueError naming the known ones). */
const ArchSpec &ArchSpecOf(const std::string &name);

/*! \brief Cycles of one 32 x 32 x 32 tile matmul at a math fidelity: the
 *         matrix engine does 8 x 16 x 16 per cycle and phase (tt-metal
 *         tech_reports/matrix_engine/matrix_engine.md), 1 to 4 phases. */
inline int64_t CyclesPerTileMatmul(const std::string &fidelity) {
  return fidelity == "LoFi"    ? 16
         : fidelity == "HiFi2" ? 32
         : fidelity == "HiFi3" ? 48
                               : 64;
}

/*! \brief Edge of the only hardware tile supported: 32x32. */
constexpr int64_t kTileSize = 32;

/*!
 * \brief 32x32 tiles the DST register file holds for the math thread.
 *
 * DST is 1024 rows of 16 16-bit datums, or 512 rows of 32-bit datums
 * (tt-isa-documentation, WormholeB0 Dst.md; DEST_REGISTER_FULL_SIZE in the
 * release's tensix_types.h, the same on Blackhole). A 32x32 tile takes 64
 * rows. In half-sync mode math and pack alternate between the two halves;
 * with dst_full_sync_en math has all of it, but packing cannot overlap the
 * next block's math. The release's get_dest_max_tiles() (tt-llk ckernel.h):
 *
 * |               | 16-bit DST | fp32 DST (fp32_dest_acc_en) |
 * | half-sync     | 8          | 4                           |
 * | full-sync     | 16         | 8                           |
 */
constexpr int64_t DstTiles(bool fp32_dest_acc_en, bool dst_full_sync_en) {
  return (dst_full_sync_en ? 1024 : 512) / (fp32_dest_acc_en ? 2 : 1) / 64;
}

/*! \brief "fp32 DST, half-sync" etc., for messages. */
inline std::string DstModeName(bool fp32_dest_acc_en, bool dst_full_sync_en) {
  return std::string(fp32_dest_acc_en ? "fp32" : "16-bit") + " DST, " +
         (dst_full_sync_en ? "full-sync" : "half-sync");
}

/*! \brief What PlanKGroup weighs: the K loop (steps of kb tiles), whether
 *         the output block's partial sums leave DST between steps, whether
 *         they leave it exactly (fp32 partials of fp32 DST), a transposed A,
 *         the L1 left for CBs and what A's and B's CBs take per kernel step. */
struct KGroupRequest {
  int64_t steps = 1, kb = 1;
  bool partials = false, exact = false, transpose_a = false;
  int64_t l1_free = 0, l1_per_step = 0;
};

/*! \brief K tiles a grouped step moves at most: the deepest in0_block_w of
 *         tt-metal's tuned GEMM configurations (GEMM_FLOPS benchmark). */
constexpr int64_t kMaxKGroupTiles = 16;

/*!
 * \brief How many of the kernel's K steps one CB push carries (GroupKStepsTT).
 *        Grouping pays where the output block is walked in DST sub-blocks
 *        whose partial sums are packed and reloaded every K step: g steps
 *        a push do that once per g steps. It changes no value only when the
 *        partials are exact (fp32 partials of fp32 DST: the sums are the same
 *        fp32 additions in the same order), so a bf16 accumulator, whose
 *        partials round every step as the kernel says, keeps its steps; so
 *        does a transposed A (its transpose stage works per step). The
 *        largest divisor of the steps within kMaxKGroupTiles and the L1 left.
 */
inline int64_t PlanKGroup(const KGroupRequest &r) {
  if (!r.partials || !r.exact || r.transpose_a) {
    return 1;
  }
  int64_t best = 1;
  for (int64_t g = 2; g <= r.steps; ++g) {
    if (r.steps % g == 0 && g * r.kb <= kMaxKGroupTiles &&
        (g - 1) * r.l1_per_step <= r.l1_free) {
      best = g;
    }
  }
  return best;
}

/*!
 * \brief How an output block of mt x nt tiles uses DST.
 *
 * A block that fits half of DST takes it whole (half-sync: the packer drains
 * one half while math fills the other); one that fits all of DST takes it
 * whole in full-sync. A larger block is walked in sub-blocks of sub_h x
 * sub_w tiles (half-sync), the largest that fit, then the squarest; the
 * partial sums of each sub-block leave DST between K steps through a
 * partials CB in the accumulator's precision and are reloaded (copy_tile).
 * `dst_free_between_steps` (DST has other work in each K step, e.g. the
 * transpose of A's block) always walks in sub-blocks, the whole block being
 * one when it fits half of DST. `scratch` DST tiles stay free beside the
 * accumulator's (an epilogue loads its operand tiles there).
 */
struct DstPlan {
  bool full_sync = false;
  /*! \brief The block is walked in sub-blocks each K step (DST is taken and
   *         released per sub-block; partial sums leave it between steps). */
  bool subblocked = false;
  int64_t sub_h = 0, sub_w = 0;
};

inline DstPlan PlanDst(int64_t mt, int64_t nt, bool fp32_dest_acc_en,
                       bool dst_free_between_steps = false,
                       int64_t scratch = 0) {
  DstPlan plan;
  plan.sub_h = mt;
  plan.sub_w = nt;
  const int64_t need = mt * nt + scratch;
  if (need <= DstTiles(fp32_dest_acc_en, false) && !dst_free_between_steps) {
    return plan;
  }
  if (need <= DstTiles(fp32_dest_acc_en, true) && !dst_free_between_steps) {
    plan.full_sync = true;
    return plan;
  }
  plan.subblocked = true;
  const int64_t room = DstTiles(fp32_dest_acc_en, false) - scratch;
  int64_t best_h = 1, best_w = 1;
  for (int64_t h = 1; h <= mt; ++h) {
    for (int64_t w = 1; w <= nt && h * w <= room; ++w) {
      if (mt % h != 0 || nt % w != 0) {
        continue;
      }
      const int64_t area = h * w, best = best_h * best_w;
      const int64_t skew = h > w ? h - w : w - h;
      const int64_t best_skew =
          best_h > best_w ? best_h - best_w : best_w - best_h;
      if (area > best || (area == best && skew < best_skew) ||
          (area == best && skew == best_skew && w > best_w)) {
        best_h = h;
        best_w = w;
      }
    }
  }
  plan.sub_h = best_h;
  plan.sub_w = best_w;
  return plan;
}

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
  /*! \brief From the arch table (not an option): see ArchSpec. */
  int64_t l1_unreserved_base = 0;
  int64_t tile_rows = 0;
  int64_t tile_cols = 0;
  /*! \brief The matrix engine's fidelity (attr.h kFidelity*): how many
   *         multiplier phases each product takes (tt.compute records it,
   *         the host's ComputeConfig asks for it). */
  std::string math_fidelity;

  /*! \brief L1 bytes per core that circular buffers may use. */
  int64_t l1_cb_bytes() const { return l1_bytes - l1_unreserved_base; }

  /*! \brief Cores in the compute grid. */
  int64_t num_cores() const { return core_grid_x * core_grid_y; }

  /*! \brief Bytes of one tile (one DRAM / CB page) of `format`. */
  int64_t TileBytes(TileFormat format) const {
    return tile_rows * tile_cols * SpecOf(format).element_bytes;
  }

  /*!
   * \brief Read the facts of a target.
   * \throws ValueError if the target is not of kind `tenstorrent`.
   */
  static TTTargetInfo FromTarget(const tvm::Target &target);
};

} // namespace tilelang_tt

#endif // TILELANG_TT_TARGET_H_
