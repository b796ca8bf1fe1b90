/*!
 * \file tilelang_tt/transform.h
 * \brief The TT lowering passes. Each pass lives in src/transform/<snake>.cc,
 *        is named `tl.tt.<Camel>` and is registered as
 *        `tl.tt.transform.<Camel>`. The order they run in is written down once,
 *        in python/tilelang_tt/pipeline.py.
 */
#ifndef TILELANG_TT_TRANSFORM_H_
#define TILELANG_TT_TRANSFORM_H_

#include <tvm/ir/transform.h>

namespace tilelang_tt {
namespace transform {

using tvm::transform::Pass;

/*!
 * \brief Fill in the TT schedule and layout attributes the user did not give.
 *
 * Reads:    PrimFunc attrs tt.schedule_policy, tt.schedule_order, tt.layout,
 *           tt.tile_shape when the user set them (`T.func_attr`).
 * Writes:   each of those that is missing, with its default (contiguous,
 *           row_major, dram_interleaved, [32, 32]), and tt.defaults_applied
 *           listing the keys that were filled in.
 * Requires: nothing; runs first in the TT pipeline.
 * \note A user-given value that is not supported is a ValueError naming the
 *       function, the attribute and the supported values. Running the pass
 *       twice changes nothing the second time.
 * \return The pass.
 */
Pass AnnotateTTDefaults();

/*!
 * \brief Split the launch grid's output blocks contiguously over the cores.
 *
 * Reads:    the blockIdx.x / blockIdx.y loop extents (grid_x, grid_y: the
 *           output's block grid MemorySpaceLowerTT left), the target's core
 *           grid, tt.schedule_policy and tt.schedule_order.
 * Writes:   tt.schedule {policy, order, grid_x, grid_y, num_blocks,
 *           num_cores, active_cores, ranges: [[start_id, count]] per active
 *           core} -- O(cores), never O(tiles) -- and tt.runtime_args
 *           [start_id, count, grid_x, grid_y] (the K trip count is
 *           a compile-time constant of the kernels, never a runtime arg).
 * Requires: tirx.BindTarget, AnnotateTTDefaults, MemorySpaceLowerTT.
 * \note Blocks are numbered by tt.schedule_order (row_major: by * grid_x +
 *       bx). When they do not divide evenly, the first blocks % cores cores
 *       take one more; with fewer blocks than cores, only that many cores
 *       are active. A blockIdx.z loop (MemorySpaceLowerTT did not run), a
 *       dynamic grid or a kernel without T.Kernel is a ValueError.
 */
Pass InferDefaultTTSchedule();

/*!
 * \brief Describe each global buffer as DRAM-interleaved 32x32 tiles.
 *
 * Reads:    the PrimFunc's buffer_map and the target's DRAM bank count.
 * Writes:   tt.buffers {name: {dtype, layout, tile, page_bytes, shape,
 *           padded_shape, tiles, num_tiles, dram_banks, padded_axes}}.
 * Requires: tirx.BindTarget.
 * \note Pure metadata. A rank-3 tensor is batched: (batch, rows, cols), its
 *       matrices tilized one after another, tiles [batch, rows, cols].
 *       Dynamic shapes, ranks other than 2 and 3, dtypes other than
 *       bfloat16, empty axes and tensors whose per-bank share overflows a
 *       32-bit offset are ValueErrors naming the buffer.
 */
Pass InferDefaultTTShard();

/*!
 * \brief Place the schedule on logical cores.
 *
 * Reads:    tt.schedule, the target's core grid.
 * Writes:   tt.core_assignments [[x, y, start_id, count]] (schedule entry i
 *           on core (i % grid_x, i / grid_x)) and tt.core_ranges
 *           [[x0, y0, x1, y1]] (inclusive rectangles covering them).
 * Requires: InferDefaultTTSchedule.
 */
Pass TTShardToCoreMap();

/*!
 * \brief Replace shared buffers by circular buffers, the fragment
 *        accumulator by DST, and the tile copies by the CB protocol.
 *
 * Reads:    the kernel's root block (T.alloc_shared -> "shared.dyn",
 *           T.alloc_fragment -> "local.fragment" buffers) and its tile ops
 *           tl.tileop.fill / copy / gemm.
 * Writes:   tt.cbs (one entry per CB: index, name, role, buffer, tensor,
 *           dtype, data_format, page_bytes, block_tiles, num_pages = 2 *
 *           block_tiles; for an output block larger than DST with more than
 *           one K step also c_24 `cb_partials`, role partials, one block in
 *           the accumulator's precision: Float32 or Float16_b); tt.compute
 *           (what the kernel computes: op "matmul", the tensors a, b, c =
 *           a @ b, transposes, the accumulator dtype and the DST plan it
 *           implies (target.h PlanDst): fp32_dest_acc_en for a float32
 *           accumulator, dst_full_sync_en, dst_tiles from DstTiles(), the
 *           DST subblock and whether partials leave DST, math fidelity); in
 *           the body, inside `tt.role` scopes:
 *           - T.copy(global -> shared):  reader  reserve, read_tile per
 *             tile, read barrier, push  (inputs c_0, c_1, ...); the
 *             T.copy may fill a (rows, cols) part of a larger shared buffer
 *             (A_s[b, :, :], A_s[:, 32:64]) that the T.gemm then reads;
 *           - T.clear(shared operand) before its T.copy: nothing (the
 *             T.gemm only reads what each K step's T.copy overwrote);
 *           - T.clear(accumulator):      compute tile_regs_acquire
 *             (nothing for a block larger than DST: TensorizeTT starts each
 *             sub-block at zero in the first K step);
 *           - T.gemm(A_s, B_s, C_frag):  compute wait A, wait B,
 *             gemm_block(cb_a, cb_b, mt, nt, kt), pop A, pop B; with
 *             transpose_A (A_s is K x M) first wait A,
 *             transpose_block(cb_a, 25, kt, mt), pop A, and the gemm_block
 *             reads c_25 `cb_transposed` (role transposed, one block) --
 *             DST is then taken per K step (PlanDst's
 *             dst_free_between_steps: sub-blocks, partials between steps);
 *           - T.copy(accumulator -> global): compute commit, wait, reserve,
 *             pack_tile per tile, push, release (output c_16); writer wait,
 *             write_tile per tile, write barrier, pop. For a block larger
 *             than DST compute packs in TensorizeTT's sub-blocks, and the
 *             writer drains them one sub-block at a time.
 *           The CB-backed allocations (and an emptied root block) are
 *           removed; num_stages annotations are dropped (the depth-2 CBs
 *           are the pipeline). The block nest -- the launch loops, the
 *           loops around T.clear (batch loops, persistent waves) and the
 *           `if`s around it (bounds checks) -- is replaced by the output's
 *           block grid: blockIdx.x over block columns, blockIdx.y over block
 *           rows of batch after batch (Binds `batch`, `row_block` when the
 *           output is batched); every read_tile / write_tile takes its
 *           (row, col, batch) from those indices and the K loop.
 * Requires: tirx.BindTarget, InferDefaultTTShard; runs on the kernel as
 *           TileLang wrote it (before the schedule passes).
 * \note Any other tile op, element-wise access to a shared/fragment buffer,
 *       non-bf16 tiles, blocks that are not multiples of 32 or not aligned
 *       to tiles and transposed or clear_accum gemms are ValueErrors; so is
 *       any structure that would
 *       emit a program that cannot run: T.clear or the output T.copy inside
 *       a loop (they happen once per output block), a second T.gemm, a
 *       shared buffer no T.gemm reads or filled in other loops than the
 *       T.gemm's, a tensor both read and written, a tile op under an `if`,
 *       an accumulator copied out twice, and a T.gemm on part of a buffer.
 *       Before it writes tt.compute it proves the claim (matmul_indexing.h):
 *       the shapes chain, one K loop from 0 covers K, A's block is (C's
 *       block row, k * block_K) and B's (k * block_K, C's block column), in
 *       C's batch, and C's offsets, evaluated at every point of the block
 *       nest whose `if`s hold, tile the output exactly once. A kernel whose
 *       offsets compute anything else is a ValueError naming the copy and
 *       the offset; so is a tile op inside an `if` that does not enclose a
 *       whole output block, or in an else branch.
 */
Pass MemorySpaceLowerTT();

/*!
 * \brief Carry several of the kernel's K steps per CB push.
 *
 * Reads:    tt.compute (partials, fp32_dest_acc_en, accumulator,
 *           transpose_a, transpose_b), tt.cbs (A's and B's input CBs, L1
 *           use), the K loop around the gemm_block (`for k in range(S)`,
 *           its reader blocks of A and B and compute's wait / gemm_block /
 *           pop), the target's L1.
 * Writes:   with g = PlanKGroup(...) > 1 (target.h: fp32 partials that leave
 *           DST every step, S divisible by g, g * kb <= 16 K tiles, the L1
 *           left; or the user's tt.k_group): `for k in range(S / g)`
 *           annotated tt.k_grouped = g; each
 *           of A's and B's reader blocks reserves and pushes g blocks,
 *           reading kernel step k * g + ks for ks in range(g) into the slots
 *           of the one block of g * kb K tiles they form (A row-major mt x
 *           (g * kb), B (g * kb) x nt); compute waits for and pops g blocks
 *           and its gemm_block takes g * kb K tiles; A's and B's CB entries
 *           in tt.cbs have g times the block_tiles and num_pages. The values
 *           computed are the same: the fp32 sums are added in the same order
 *           and the partials between steps were exact copies of DST. When
 *           g = S (one step covers K) the partials CB leaves tt.cbs and
 *           tt.compute.partials becomes false. Anything else (no partials, a
 *           bf16 accumulator, a transposed A, other reads or uses of k in the
 *           K loop) is left as it is; a tt.k_group > 1 that cannot apply (or
 *           whose CBs exceed the L1) is a ValueError saying why.
 * Requires: MemorySpaceLowerTT; before InferDefaultTTSchedule (which weighs
 *           the grouped blocks).
 */
Pass GroupKStepsTT();

/*!
 * \brief Guard tile reads/writes that can reach past the tensor's tiles.
 *
 * Reads:    tt_read_tile / tt_write_tile calls, tt.buffers (tiles per axis),
 *           loop ranges (launch loops included).
 * Writes:   `if inside: read_tile else zero_tile` and `if inside:
 *           write_tile` where a tile coordinate is not provably in range;
 *           nothing where it is.
 * Requires: InferDefaultTTShard, MemorySpaceLowerTT; before
 *           GridToPersistentTT (it needs the launch loops' ranges).
 * \note In-tile padding (elements past M, N or K inside the last tile) is
 *       zero because the host tilizes zero-padded tensors.
 */
Pass TilePadTT();

/*!
 * \brief Lower gemm_block to matmul_block / matmul_tiles loops accumulating
 *        in DST.
 *
 * Reads:    tt_gemm_block(cb_a, cb_b, mt, nt, kt), tt_transpose_block(cb_in,
 *           cb_out, rows, cols), tt.cbs (the output and partials CBs),
 *           tt.compute (dst_tiles, subblock, partials, transpose_a), the K
 *           loop around the gemm_block.
 * Writes:   one compute-role matmul_init(cb_a, cb_b, cb_out) before the
 *           launch loops; for a block DST holds whole (subblock = the block):
 *           for mi, ni, kk: matmul_tiles(cb_a, cb_b, mi*kt+kk, kk*nt+ni,
 *           mi*nt+ni); for a larger one, for each sub-block (sm, sn):
 *           acquire DST; unless k is the first K step, reload the sub-block's
 *           partials (reconfig SrcA to the partials CB if Float32, copy_init,
 *           wait, copy_tile per tile, pop, reconfig back, matmul re-init);
 *           matmul_tiles over the sub-block; commit, wait; pack into the
 *           output CB in the last K step, else into the partials CB (packer
 *           reconfigured to Float32 and back); release. With transpose_a
 *           the sub-block walk is used even for a block DST holds whole,
 *           after a matmul_reinit. transpose_block becomes transpose_init,
 *           a reserve of cb_out, per group of tiles that fits DST: acquire,
 *           transpose_tile per tile (output tile q from input slot
 *           (q % rows) * cols + q / rows), commit, wait, pack in order,
 *           release; and a push. Where the (sub-)block has more than one
 *           tile and B is not transposed, matmul_block replaces the
 *           matmul_tiles loops: matmul_block_init(cb_a, cb_b, cb_out,
 *           transpose_b, ct, rt, kt) (ct x rt the sub-block's columns and
 *           rows, kt the K tiles of a step), matmul_block_reinit for each
 *           re-init, and per K tile kk one matmul_block(cb_a, cb_b, (sm * sh)
 *           * kt + kk, kk * nt + sn * sw, 0, 0, ct, rt, kt): the same
 *           products in the same order per output tile, each of the
 *           sub-block's A and B tiles unpacked once per K tile (the
 *           unpacker holds one operand's tile while it streams the other's).
 * Requires: MemorySpaceLowerTT.
 * \note A sub-block larger than tt.compute's dst_tiles is a ValueError.
 */
Pass TensorizeTT();

/*!
 * \brief Turn the launch grid into a persistent per-core loop.
 *
 * Reads:    the blockIdx loops, tt.runtime_args, tt.schedule_order.
 * Writes:   `name = tt_runtime_arg(k)` for each runtime arg, then
 *           `for i in range(count)` (annotated tt.persistent) binding
 *           block_id = start_id + i and by, bx from it; drops the
 *           launch_thread_idx binds.
 * Requires: InferDefaultTTSchedule; runs after the passes that need the
 *           launch loops' ranges (MemorySpaceLowerTT, TilePadTT).
 * \note A body that uses a thread index is a ValueError.
 */
Pass GridToPersistentTT();

/*!
 * \brief Check the TT-annotated PrimFunc before code generation.
 *
 * Reads:    everything above. Writes: nothing.
 * \note Fails (ValueError naming the attribute, CB or core) on: a missing
 *       attribute, a core assignment that does not cover the blocks once, a
 *       runtime arg that disagrees with tt.runtime_args, duplicate CB
 *       indices, a page size that is not the tile size of its format, a CB
 *       without exactly one producer and one consumer kernel, CBs that
 *       overflow L1, leftover tile ops / gemm_block / launch loops, and TT
 *       intrinsics outside a tt.role scope.
 */
Pass VerifyTTIR();

/*!
 * \brief Mark every PrimFunc as a device kernel launch.
 *
 * On Tenstorrent the whole PrimFunc becomes device programs (reader, compute
 * and writer kernels) plus a generated TT-Metalium host program, so TVM's
 * host side is empty. This pass sets calling_conv = kDeviceKernelLaunch so
 * TileLang's host/device filter hands the function to the TT device codegen.
 *
 * Reads:    nothing.
 * Writes:   PrimFunc attr calling_conv.
 * Requires: runs last in the TT pipeline, after every TT pass.
 * \return The pass.
 */
Pass AnnotateTTKernelEntry();

} // namespace transform
} // namespace tilelang_tt

#endif // TILELANG_TT_TRANSFORM_H_
