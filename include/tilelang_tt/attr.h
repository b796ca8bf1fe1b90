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
  X(kKGroup, "tt.k_group",                                                     \
    "Kernel K steps per CB push: absent, the backend's choice; 1, each step "  \
    "its own; n > 1, n (GroupKStepsTT).")                                      \
  X(kScheduleOrder, "tt.schedule_order",                                       \
    "Order in which output blocks are enumerated before the split.")           \
  X(kLayout, "tt.layout", "Where and how global tensors are stored.")          \
  X(kTileShape, "tt.tile_shape",                                               \
    "Hardware tile shape [rows, cols] that tensors are cut into.")             \
  X(kDefaultsApplied, "tt.defaults_applied",                                   \
    "Names of the attributes AnnotateTTDefaults filled in (not user-given).")  \
  X(kSchedule, "tt.schedule",                                                  \
    "Work split of output blocks over cores (InferDefaultTTSchedule).")        \
  X(kBuffers, "tt.buffers",                                                    \
    "DRAM-interleaved descriptor of every global buffer "                      \
    "(InferDefaultTTShard).")                                                  \
  X(kCoreRanges, "tt.core_ranges",                                             \
    "Rectangles [x0, y0, x1, y1] (inclusive) of active cores.")                \
  X(kCoreAssignments, "tt.core_assignments",                                   \
    "Per active core [x, y, start_id, count] (TTShardToCoreMap).")             \
  X(kRuntimeArgs, "tt.runtime_args",                                           \
    "Names of the per-core runtime arguments, in index order.")                \
  X(kCBs, "tt.cbs", "Circular buffers of the kernel (MemorySpaceLowerTT).")    \
  X(kCompute, "tt.compute",                                                    \
    "What the kernel computes: op, operand tensors, accumulator and DST "      \
    "mode (MemorySpaceLowerTT).")

/*! \brief Values the attributes above may take. */
#define TILELANG_TT_ATTR_VALUES(X)                                             \
  X(kPolicyContiguous, "contiguous",                                           \
    "Core i takes one contiguous run of blocks; the first blocks%cores "       \
    "cores take one extra.")                                                   \
  X(kPolicyMcast2D, "mcast2d",                                                 \
    "A GEMM's cores form a cores_x x cores_y grid over the output; each "      \
    "takes "                                                                   \
    "a rectangle of blocks; A's blocks are read once per core row and "        \
    "multicast along it, B's once per core column.")                           \
  X(kPolicyAuto, "auto",                                                       \
    "The backend picks mcast2d or contiguous (InferDefaultTTSchedule; the "    \
    "plan records which).")                                                    \
  X(kOrderRowMajor, "row_major",                                               \
    "Block id = by * grid_x + bx (blockIdx.x varies fastest).")                \
  X(kOrderColumnMajor, "column_major",                                         \
    "Block id = bx * grid_y + by (blockIdx.y varies fastest).")                \
  X(kLayoutDramInterleaved, "dram_interleaved",                                \
    "32x32 tiles as pages, page id p in DRAM bank p % banks.")                 \
  X(kFormatFloat16b, "Float16_b", "TT-Metalium DataFormat of bfloat16 tiles.") \
  X(kFormatFloat16, "Float16", "TT-Metalium DataFormat of float16 tiles.")     \
  X(kFormatFloat32, "Float32", "TT-Metalium DataFormat of float32 tiles.")     \
  X(kCBRoleInput, "input", "tt.cbs role: filled by the reader.")               \
  X(kCBRoleOutput, "output", "tt.cbs role: drained by the writer.")            \
  X(kCBRolePartials, "partials",                                               \
    "tt.cbs role: compute's own partial sums between K steps.")                \
  X(kCBRoleTransposed, "transposed",                                           \
    "tt.cbs role: compute's transpose of an input block (transpose_A).")       \
  X(kCBRoleScaler, "scaler",                                                   \
    "tt.cbs role: the reduce scaler tile (1.0 in the first row of each "       \
    "face), filled once by the reader.")                                       \
  X(kCBRoleIntermediate, "intermediate",                                       \
    "tt.cbs role: a stage's result a later stage reads (compute's own).")      \
  X(kCBRoleMask, "mask",                                                       \
    "tt.cbs role: a mask stage's block, written by the reader each "           \
    "iteration (flash attention's causal mask).")                              \
  X(kOpMatmul, "matmul", "tt.compute op: c = a @ b.")                          \
  X(kOpEltwise, "eltwise",                                                     \
    "tt.compute op: c = epilogue(a), element by element (no matmul).")         \
  X(kOpReduce, "reduce",                                                       \
    "tt.compute op: c = reduce(a) along its rows or its columns.")             \
  X(kOpStages, "stages",                                                       \
    "tt.compute op: the stages (eltwise, reduce, fill, matmul) in order, "     \
    "each "                                                                    \
    "a value of the block from tensors and earlier stages' values.")           \
  X(kOpFill, "fill",                                                           \
    "tt.compute stage op: every datum of the value the constant `value` "      \
    "(fill_tile), the start of a value a loop of stages updates.")             \
  X(kOpMask, "mask",                                                           \
    "tt.compute stage op: out[r, c] = `value` where r + row_offset >= "        \
    "col_step * k + col_start + c (r the output's row, k the loop's "          \
    "iteration), else `otherwise`; written by the reader.")                    \
  X(kReduceSum, "sum", "tt.compute reduce: the sum of each row / column.")     \
  X(kReduceMax, "max", "tt.compute reduce: the maximum of each row / column.") \
  X(kReduceDimRow, "row",                                                      \
    "tt.compute reduce_dim: one value per row of a, c[i] = reduce(a[i, :]) "   \
    "(the release's ReduceDim::REDUCE_ROW).")                                  \
  X(kReduceDimCol, "col",                                                      \
    "tt.compute reduce_dim: one value per column of a, c[j] = "                \
    "reduce(a[:, j]) (ReduceDim::REDUCE_COL).")                                \
  X(kEpilogueRelu, "relu", "tt.compute epilogue op: x = max(x, 0).")           \
  X(kEpilogueAdd, "add", "tt.compute epilogue op: x = x + value.")             \
  X(kEpilogueMul, "mul", "tt.compute epilogue op: x = x * value.")             \
  X(kEpilogueMax, "max", "tt.compute epilogue op: x = max(x, value).")         \
  X(kEpilogueMin, "min", "tt.compute epilogue op: x = min(x, value).")         \
  X(kEpilogueSub, "sub",                                                       \
    "tt.compute epilogue op: x = x - operand (a tensor; constants are added "  \
    "negated).")                                                               \
  X(kEpilogueExp, "exp",                                                       \
    "tt.compute epilogue op: x = exp(x) (the release's accurate exp_tile).")   \
  X(kEpilogueExp2, "exp2",                                                     \
    "tt.compute epilogue op: x = 2^x (the release's accurate exp2_tile).")     \
  X(kEpilogueSigmoid, "sigmoid",                                               \
    "tt.compute epilogue op: x = 1 / (1 + exp(-x)) (sigmoid_tile).")           \
  X(kEpilogueTanh, "tanh",                                                     \
    "tt.compute epilogue op: x = tanh(x) (the release's accurate tanh_tile).") \
  X(kEpilogueSilu, "silu",                                                     \
    "tt.compute epilogue op: x = x * sigmoid(x) (silu_tile).")                 \
  X(kEpilogueGelu, "gelu",                                                     \
    "tt.compute epilogue op: x = x * 0.5 * (1 + erf(x / sqrt 2)) (the "        \
    "release's accurate gelu_tile).")                                          \
  X(kEpilogueDiv, "div",                                                       \
    "tt.compute epilogue op: x = x / operand (a tensor or a stage value: "     \
    "recip_tile of it, then a product), or x / value (x * fp32(1 / value)).")  \
  X(kEpilogueRsqrt, "rsqrt",                                                   \
    "tt.compute epilogue op: x = 1 / sqrt(x) (the release's rsqrt_tile).")     \
  X(kEpilogueAbs, "abs",                                                       \
    "tt.compute epilogue op: x = |x| (abs_tile, SFPABS: exact).")              \
  X(kSfpuRecip, "recip",                                                       \
    "SFPU op (not an epilogue op): x = 1 / x, recip_tile, a div's divisor.")   \
  X(kSfpuFill, "fill",                                                         \
    "SFPU op (not an epilogue op): x = value, fill_tile, a fill stage's.")     \
  X(kBroadcastRow, "row",                                                      \
    "epilogue operand: a vector with one value per output column, the same "   \
    "for every row (a bias Bias[col]).")                                       \
  X(kBroadcastCol, "col",                                                      \
    "epilogue operand: a vector with one value per output row, the same for "  \
    "every column (Bias[row]).")                                               \
  X(kBroadcastNone, "none",                                                    \
    "epilogue operand: a tensor of the output's shape (a residual).")          \
  X(kFidelityHiFi4, "HiFi4",                                                   \
    "Math fidelity: all four multiplier phases (full bf16 products).")         \
  X(kFidelityHiFi3, "HiFi3",                                                   \
    "Math fidelity: phases 0-2 (all but SrcB's low x SrcA's low slice).")      \
  X(kFidelityHiFi2, "HiFi2",                                                   \
    "Math fidelity: phases 0-1 (SrcB's high slice x all of SrcA).")            \
  X(kFidelityLoFi, "LoFi",                                                     \
    "Math fidelity: phase 0 (SrcB's high slice x SrcA's high slice).")

/*! \brief Field names inside the map-valued attributes above. */
#define TILELANG_TT_FIELDS(X)                                                  \
  X(kFieldPolicy, "policy", "tt.schedule: split policy.")                      \
  X(kFieldOrder, "order", "tt.schedule: block enumeration order.")             \
  X(kFieldGridX, "grid_x", "tt.schedule: blockIdx.x extent.")                  \
  X(kFieldGridY, "grid_y", "tt.schedule: blockIdx.y extent.")                  \
  X(kFieldNumBlocks, "num_blocks", "tt.schedule: grid_x * grid_y.")            \
  X(kFieldNumCores, "num_cores", "tt.schedule: cores of the target grid.")     \
  X(kFieldActiveCores, "active_cores", "tt.schedule: cores given work.")       \
  X(kFieldRanges, "ranges",                                                    \
    "tt.schedule: [start_id, count] per active core, in core order.")          \
  X(kFieldCoresX, "cores_x",                                                   \
    "tt.schedule (mcast2d): columns of the core grid the output is tiled "     \
    "over (core order is row-major on it).")                                   \
  X(kFieldCoresY, "cores_y", "tt.schedule (mcast2d): rows of that grid.")      \
  X(kFieldCoreBlockRows, "core_block_rows",                                    \
    "tt.schedule (mcast2d): output block rows of each core's rectangle.")      \
  X(kFieldCoreBlockCols, "core_block_cols",                                    \
    "tt.schedule (mcast2d): output block columns of each core's rectangle.")   \
  X(kFieldDtype, "dtype", "tt.buffers / tt.cbs: element type.")                \
  X(kFieldLayout, "layout", "tt.buffers: memory layout.")                      \
  X(kFieldTile, "tile", "tt.buffers: tile shape [rows, cols].")                \
  X(kFieldPageBytes, "page_bytes", "tt.buffers / tt.cbs: bytes of one page.")  \
  X(kFieldShape, "shape", "tt.buffers: logical shape.")                        \
  X(kFieldPaddedShape, "padded_shape",                                         \
    "tt.buffers: shape rounded up to whole tiles.")                            \
  X(kFieldTiles, "tiles", "tt.buffers: tiles per dimension.")                  \
  X(kFieldMatrix, "matrix",                                                    \
    "tt.buffers: the shape a tensor is stored as, where not its own: the "     \
    "(rows, cols) matrix of a 1-D tensor ((1, n) for a row vector, (n, 1) "    \
    "for a column vector), a batched tensor's axes in their stored order.")    \
  X(kFieldAxes, "axes",                                                        \
    "tt.buffers: a batched tensor's axes in their stored order, where its "    \
    "rows are not its second-last axis: the other leading axes, then the "     \
    "rows' axis, then the last axis.")                                         \
  X(kFieldNumTiles, "num_tiles", "tt.buffers: total tiles (pages).")           \
  X(kFieldBanks, "dram_banks", "tt.buffers: interleaving bank count.")         \
  X(kFieldPadded, "padded_axes",                                               \
    "tt.buffers: 1 for each axis whose extent is not a multiple of 32.")       \
  X(kFieldIndex, "index", "tt.cbs: circular buffer index (c_<index>).")        \
  X(kFieldName, "name", "tt.cbs: name used in the generated kernels.")         \
  X(kFieldBuffer, "buffer", "tt.cbs: TileLang buffer the CB stands for.")      \
  X(kFieldNumPages, "num_pages", "tt.cbs: pages (tiles) the CB holds.")        \
  X(kFieldBlockTiles, "block_tiles", "tt.cbs: tiles moved per push/pop.")      \
  X(kFieldDataFormat, "data_format", "tt.cbs: TT-Metalium DataFormat.")        \
  X(kFieldRole, "role", "tt.cbs: input or output.")                            \
  X(kFieldTensor, "tensor", "tt.cbs: global buffer read into / written from.") \
  X(kFieldOp, "op", "tt.compute: what is computed (kOpMatmul).")               \
  X(kFieldOperandA, "a", "tt.compute: tensor of the left operand.")            \
  X(kFieldOperandB, "b", "tt.compute: tensor of the right operand.")           \
  X(kFieldOperandC, "c", "tt.compute: tensor of the result.")                  \
  X(kFieldTransposeA, "transpose_a", "tt.compute: a is used transposed.")      \
  X(kFieldTransposeB, "transpose_b", "tt.compute: b is used transposed.")      \
  X(kFieldAccumulator, "accumulator",                                          \
    "tt.compute: dtype of the T.alloc_fragment accumulator.")                  \
  X(kFieldFp32DestAccEn, "fp32_dest_acc_en",                                   \
    "tt.compute: DST holds fp32 (ComputeConfig::fp32_dest_acc_en).")           \
  X(kFieldDstFullSyncEn, "dst_full_sync_en",                                   \
    "tt.compute: math and pack share all of DST "                              \
    "(ComputeConfig::dst_full_sync_en).")                                      \
  X(kFieldDstTiles, "dst_tiles",                                               \
    "tt.compute: 32x32 tiles DST holds in this mode.")                         \
  X(kFieldMathFidelity, "math_fidelity",                                       \
    "tt.compute: ComputeConfig::math_fidelity.")                               \
  X(kFieldSubblock, "subblock",                                                \
    "tt.compute: [rows, cols] tiles of the output block held in DST at once.") \
  X(kFieldPartials, "partials",                                                \
    "tt.compute: partial sums leave DST between K steps (a partials CB).")     \
  X(kFieldBatch, "batch",                                                      \
    "tt.compute: matrices in c (its leading axis; 1 for a 2-D c).")            \
  X(kFieldEpilogue, "epilogue",                                                \
    "tt.compute: element-wise ops applied to the accumulator in DST after "    \
    "the last K step, in order: [{op, value}] or [{op, operand, broadcast}].") \
  X(kFieldValue, "value", "tt.compute epilogue: the op's constant (fp32).")    \
  X(kFieldOperand, "operand",                                                  \
    "tt.compute epilogue: the tensor the op takes its second operand from "    \
    "(instead of value).")                                                     \
  X(kFieldBroadcast, "broadcast",                                              \
    "tt.compute epilogue: how the operand covers the output block (row, col, " \
    "none).")                                                                  \
  X(kFieldCB, "cb",                                                            \
    "tt.compute epilogue: the index of the CB the reader streams the operand " \
    "into.")                                                                   \
  X(kFieldReduce, "reduce",                                                    \
    "tt.compute (op reduce): sum or max, along each row or column of a.")      \
  X(kFieldReduceDim, "reduce_dim",                                             \
    "tt.compute (op reduce): row (one value per row) or col (per column).")    \
  X(kFieldStages, "stages",                                                    \
    "tt.compute (op stages): [{op, in, out, cb_in, cb_out, ...}], in order.")  \
  X(kFieldIn, "in",                                                            \
    "tt.compute stage: the tensor or earlier stage value it starts from.")     \
  X(kFieldOut, "out", "tt.compute stage: its value (c for the last stage).")   \
  X(kFieldCBIn, "cb_in", "tt.compute stage: the CB `in` is read from.")        \
  X(kFieldCBOut, "cb_out", "tt.compute stage: the CB `out` is packed into.")   \
  X(kFieldCBB, "cb_b",                                                         \
    "tt.compute stage (op matmul): the CB its right operand b is read from.")  \
  X(kFieldAccumulate, "accumulate",                                            \
    "tt.compute stage (op matmul): out = out + in @ b, the version before "    \
    "read.")                                                                   \
  X(kFieldCBAcc, "cb_acc",                                                     \
    "tt.compute stage (op matmul, accumulate): the CB the value before is "    \
    "read from (cb_out for a carried value, a mask's CB).")                    \
  X(kFieldOtherwise, "otherwise",                                              \
    "tt.compute stage (op mask): the value where the condition fails.")        \
  X(kFieldRowOffset, "row_offset",                                             \
    "tt.compute stage (op mask): added to the output's row index.")            \
  X(kFieldColStep, "col_step",                                                 \
    "tt.compute stage (op mask): the column index's step per iteration.")      \
  X(kFieldColStart, "col_start",                                               \
    "tt.compute stage (op mask): the column index at k = 0, c = 0.")           \
  X(kFieldLoop, "loop",                                                        \
    "tt.compute stage: the loop of stages it runs in, {id, extent, slices}; "  \
    "absent outside one.")                                                     \
  X(kFieldLoopId, "id",                                                        \
    "tt.compute stage loop: its number, the same for the stages of one loop.") \
  X(kFieldExtent, "extent", "tt.compute stage loop: its iterations.")          \
  X(kFieldSlices, "slices",                                                    \
    "tt.compute stage loop: [{tensor, axis, size, step, start}]: iteration k " \
    "reads elements [(step * k + start) * size, + size) of the tensor along "  \
    "axis, all of it along the other axes.")                                   \
  X(kFieldAxis, "axis", "tt.compute stage loop slice: the tensor's axis.")     \
  X(kFieldSize, "size", "tt.compute stage loop slice: elements per step.")     \
  X(kFieldStep, "step", "tt.compute stage loop slice: blocks per iteration.")  \
  X(kFieldStart, "start", "tt.compute stage loop slice: block at k = 0.")      \
  X(kFieldBound, "bound",                                                      \
    "tt.compute stage loop: {block_rows, add, div}: the output block whose "   \
    "first row is r0 runs min(extent, ceil((r0 + add) / div)) iterations.")    \
  X(kFieldBlockRows, "block_rows",                                             \
    "tt.compute stage loop bound: the output block's rows.")                   \
  X(kFieldAdd, "add", "tt.compute stage loop bound: added to r0.")             \
  X(kFieldDiv, "div", "tt.compute stage loop bound: the divisor.")             \
  X(kFieldFixedBlocks, "fixed_blocks",                                         \
    "tt.compute stage loop: the CBs of tensor blocks read in every "           \
    "iteration, pushed once before the loop.")

/*! \brief Names used inside the TIR body (annotations, AttrStmt keys). */
#define TILELANG_TT_IR_NAMES(X)                                                \
  X(kPersistentLoop, "tt.persistent",                                          \
    "For annotation: the per-core loop over assigned blocks.")                 \
  X(kKGroupLoop, "tt.k_grouped",                                               \
    "For annotation: the K loop moves this many of the kernel's K steps a "    \
    "push (GroupKStepsTT).")                                                   \
  X(kRoleAttr, "tt.role",                                                      \
    "AttrStmt key: the RISC-V kernel the body belongs to.")                    \
  X(kRoleReader, "reader", "tt.role value: DRAM -> CB data movement.")         \
  X(kRoleCompute, "compute", "tt.role value: the math kernel.")                \
  X(kRoleWriter, "writer", "tt.role value: CB -> DRAM data movement.")         \
  X(kArgStartId, "start_id", "Runtime arg: first block id of the core.")       \
  X(kArgCount, "count", "Runtime arg: number of blocks of the core.")          \
  X(kArgGridX, "grid_x", "Runtime arg: blocks along x.")                       \
  X(kArgGridY, "grid_y", "Runtime arg: blocks along y.")                       \
  X(kArgCoreBlockCols, "core_block_cols",                                      \
    "Runtime arg (mcast2d): block columns of the core's rectangle.")

/*! \brief Options of the `tenstorrent` TVM target kind. */
#define TILELANG_TT_TARGET_OPTIONS(X)                                          \
  X(kArch, "arch", "Device architecture: wormhole_b0 (default) or blackhole.") \
  X(kCoreGridX, "core_grid_x", "Columns of the compute core grid.")            \
  X(kCoreGridY, "core_grid_y", "Rows of the compute core grid.")               \
  X(kDramBanks, "dram_banks", "Number of interleaved DRAM banks.")             \
  X(kL1Bytes, "l1_bytes", "L1 SRAM bytes per compute core.")                   \
  X(kDramBankBytes, "dram_bank_bytes", "Bytes of each DRAM bank.")             \
  X(kTileRows, "tile_rows", "Rows of one hardware tile.")                      \
  X(kTileCols, "tile_cols", "Columns of one hardware tile.")                   \
  X(kMathFidelity, "math_fidelity",                                            \
    "Matrix engine fidelity: HiFi4 (default), HiFi3, HiFi2 or LoFi.")

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

/*! \brief Field names of the map-valued attributes. */
namespace field {
TILELANG_TT_FIELDS(TILELANG_TT_DECLARE_CONSTANT)
} // namespace field

/*! \brief Names used inside the TIR body. */
namespace ir {
TILELANG_TT_IR_NAMES(TILELANG_TT_DECLARE_CONSTANT)
} // namespace ir

/*! \brief Target option names of the `tenstorrent` target kind. */
namespace target_option {
TILELANG_TT_TARGET_OPTIONS(TILELANG_TT_DECLARE_CONSTANT)
} // namespace target_option

#undef TILELANG_TT_DECLARE_CONSTANT

/*! \brief Name of the TVM target kind this package registers. */
constexpr const char *kTargetKindName = "tenstorrent";

} // namespace tilelang_tt

#endif // TILELANG_TT_ATTR_H_
