"""Python mirror of include/tilelang_tt/attr.h.

Every attribute key, attribute value and target option name is defined once in
that C++ header; these constants mirror it so Python code never spells the
strings itself. ``tests/python/tt/test_attr_mirror.py`` checks that the two
stay equal (through ``tl.tt.AttrRegistry``).
"""

from __future__ import annotations

TARGET_KIND = "tenstorrent"


class FuncAttr:
    """PrimFunc attribute keys (``func.attrs[...]``)."""

    kSchedulePolicy = "tt.schedule_policy"
    kKGroup = "tt.k_group"
    kScheduleOrder = "tt.schedule_order"
    kLayout = "tt.layout"
    kTileShape = "tt.tile_shape"
    kDefaultsApplied = "tt.defaults_applied"
    kSchedule = "tt.schedule"
    kBuffers = "tt.buffers"
    kCoreRanges = "tt.core_ranges"
    kCoreAssignments = "tt.core_assignments"
    kRuntimeArgs = "tt.runtime_args"
    kCBs = "tt.cbs"
    kCompute = "tt.compute"


class Value:
    """Values the attributes may take."""

    kPolicyContiguous = "contiguous"
    kPolicyMcast2D = "mcast2d"
    kPolicyAuto = "auto"
    kOrderRowMajor = "row_major"
    kOrderColumnMajor = "column_major"
    kLayoutDramInterleaved = "dram_interleaved"
    kFormatFloat16b = "Float16_b"
    kFormatFloat16 = "Float16"
    kFormatFloat32 = "Float32"
    kCBRoleInput = "input"
    kCBRoleOutput = "output"
    kCBRolePartials = "partials"
    kCBRoleTransposed = "transposed"
    kCBRoleScaler = "scaler"
    kOpMatmul = "matmul"
    kOpEltwise = "eltwise"
    kOpReduce = "reduce"
    kReduceSum = "sum"
    kReduceMax = "max"
    kReduceDimRow = "row"
    kReduceDimCol = "col"
    kEpilogueRelu = "relu"
    kEpilogueAdd = "add"
    kEpilogueMul = "mul"
    kEpilogueMax = "max"
    kEpilogueMin = "min"
    kEpilogueSub = "sub"
    kEpilogueExp = "exp"
    kEpilogueSigmoid = "sigmoid"
    kEpilogueExp2 = "exp2"
    kEpilogueTanh = "tanh"
    kEpilogueSilu = "silu"
    kEpilogueGelu = "gelu"
    kBroadcastRow = "row"
    kBroadcastCol = "col"
    kBroadcastNone = "none"
    kFidelityHiFi4 = "HiFi4"
    kFidelityHiFi3 = "HiFi3"
    kFidelityHiFi2 = "HiFi2"
    kFidelityLoFi = "LoFi"


class Field:
    """Field names inside the map-valued attributes (tt.schedule, tt.buffers, tt.cbs, tt.compute)."""

    kFieldPolicy = "policy"
    kFieldOrder = "order"
    kFieldGridX = "grid_x"
    kFieldGridY = "grid_y"
    kFieldNumBlocks = "num_blocks"
    kFieldNumCores = "num_cores"
    kFieldActiveCores = "active_cores"
    kFieldRanges = "ranges"
    kFieldCoresX = "cores_x"
    kFieldCoresY = "cores_y"
    kFieldCoreBlockRows = "core_block_rows"
    kFieldCoreBlockCols = "core_block_cols"
    kFieldDtype = "dtype"
    kFieldLayout = "layout"
    kFieldTile = "tile"
    kFieldPageBytes = "page_bytes"
    kFieldShape = "shape"
    kFieldPaddedShape = "padded_shape"
    kFieldTiles = "tiles"
    kFieldMatrix = "matrix"
    kFieldNumTiles = "num_tiles"
    kFieldBanks = "dram_banks"
    kFieldPadded = "padded_axes"
    kFieldIndex = "index"
    kFieldName = "name"
    kFieldBuffer = "buffer"
    kFieldNumPages = "num_pages"
    kFieldBlockTiles = "block_tiles"
    kFieldDataFormat = "data_format"
    kFieldRole = "role"
    kFieldTensor = "tensor"
    kFieldOp = "op"
    kFieldOperandA = "a"
    kFieldOperandB = "b"
    kFieldOperandC = "c"
    kFieldTransposeA = "transpose_a"
    kFieldTransposeB = "transpose_b"
    kFieldAccumulator = "accumulator"
    kFieldFp32DestAccEn = "fp32_dest_acc_en"
    kFieldDstFullSyncEn = "dst_full_sync_en"
    kFieldDstTiles = "dst_tiles"
    kFieldMathFidelity = "math_fidelity"
    kFieldSubblock = "subblock"
    kFieldPartials = "partials"
    kFieldBatch = "batch"
    kFieldEpilogue = "epilogue"
    kFieldValue = "value"
    kFieldOperand = "operand"
    kFieldBroadcast = "broadcast"
    kFieldCB = "cb"
    kFieldReduce = "reduce"
    kFieldReduceDim = "reduce_dim"


class IRName:
    """Names used inside the TIR body: annotations, AttrStmt keys, runtime args."""

    kPersistentLoop = "tt.persistent"
    kKGroupLoop = "tt.k_grouped"
    kRoleAttr = "tt.role"
    kRoleReader = "reader"
    kRoleCompute = "compute"
    kRoleWriter = "writer"
    kArgStartId = "start_id"
    kArgCount = "count"
    kArgGridX = "grid_x"
    kArgGridY = "grid_y"
    kArgCoreBlockCols = "core_block_cols"


class TargetOption:
    """Options of the ``tenstorrent`` target kind."""

    kArch = "arch"
    kCoreGridX = "core_grid_x"
    kCoreGridY = "core_grid_y"
    kDramBanks = "dram_banks"
    kL1Bytes = "l1_bytes"
    kDramBankBytes = "dram_bank_bytes"
    kTileRows = "tile_rows"
    kTileCols = "tile_cols"
    kMathFidelity = "math_fidelity"


def table(cls: type) -> dict[str, str]:
    """The ``{CppName: string}`` table of one of the classes above."""
    return {name: value for name, value in vars(cls).items() if name.startswith("k")}
