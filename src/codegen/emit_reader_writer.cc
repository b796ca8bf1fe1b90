/*!
 * \file emit_reader_writer.cc
 * \brief The data-movement kernels: the reader (DRAM -> input CBs, RISCV_1)
 *        and the writer (output CB -> DRAM, RISCV_0).
 */

#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>

#include <cstring>

#include "emitters.h"
#include "kernel_emitter.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"

namespace tilelang_tt {
namespace codegen {

using tvm::PrimExpr;
using tvm::tirx::CallNode;

namespace {

/*! \brief Shared by reader and writer: accessors and tile constants. */
class DataMovementEmitter : public RoleKernelEmitter {
public:
  DataMovementEmitter(const ProgramInfo &info, const std::string &role,
                      const std::string &tensor_role)
      : RoleKernelEmitter(info, role),
        tensors_(info.TensorsWithRole(tensor_role)) {}

protected:
  std::vector<const CBInfo *> MyCBs(const std::string &cb_role) const {
    std::vector<const CBInfo *> out;
    for (const CBInfo &cb : info_.cbs) {
      // The reader also fills the reduce scaler's CB.
      if (cb.role == cb_role ||
          (cb_role == value::kCBRoleInput && (cb.role == value::kCBRoleScaler ||
                                              cb.role == value::kCBRoleMask))) {
        out.push_back(&cb);
      }
    }
    return out;
  }

  void EmitCBIds(const std::vector<const CBInfo *> &cbs) {
    for (const CBInfo *cb : cbs) {
      Line("constexpr uint32_t " + cb->name + " = tt::CBIndex::c_" +
           std::to_string(cb->index) + ";");
    }
  }

  /*! \brief The TensorAccessorArgs chain (compile-time args in the order
   *         the host appends them) and one accessor per tensor. */
  void EmitAccessors() {
    // A kernel's tensors share one dtype (MemorySpaceLowerTT: a T.gemm's
    // operands and epilogue tensors are bfloat16, an element-wise kernel's
    // inputs share one; the writer has one output).
    for (const TensorInfo *t : tensors_) {
      if (t->page_bytes != tensors_.front()->page_bytes) {
        TVM_FFI_THROW(ValueError)
            << "TT codegen: the " << role_ << " moves tensors of different "
            << "tile sizes ('" << tensors_.front()->name << "', '" << t->name
            << "').";
      }
    }
    Line("// One " +
         (tensors_.front()->dtype == "bfloat16" ? std::string("bf16")
                                                : tensors_.front()->dtype) +
         " 32x32 tile: the page size of every tensor" +
         (AnyWidened() ? "." : " and CB."));
    Line("constexpr uint32_t tile_bytes = " +
         std::to_string(tensors_.front()->page_bytes) + ";");
    if (AnyWidened()) {
      Line("// Its CB holds the tile as fp32 (one Float32 tile a page): " +
           std::string(role_ == ir::kRoleReader
                           ? "read into the first half of a page, widened in "
                             "place."
                           : "narrowed in place into the first half of its "
                             "page, then written."));
      Line("constexpr uint32_t cb_tile_bytes = " +
           std::to_string(info_.target.TileBytes(TileFormat::kFloat32)) + ";");
    }
    std::string prev;
    for (const TensorInfo *t : tensors_) {
      const std::string n = SafeIdent(t->name);
      const bool batched = t->tiles.size() >= 3;
      const bool vector = t->shape.size() == 1;
      Line("// " + t->name + " is " + DimsString(t->shape) + " elements" +
           (vector ? std::string(t->matrix[0] == 1
                                     ? ", a row vector in row 0 of its tiles,"
                                     : ", a column vector in column 0 of its "
                                       "tiles,")
                   : std::string()) +
           (t->axes.empty() ? std::string()
                            : ", stored as " + DimsString(t->matrix)) +
           " = " + DimsString(t->tiles) +
           (batched
                ? std::string(t->tiles.size() == 3
                                  ? " (batch x rows x cols)"
                                  : " (leading axes x rows x cols)") +
                      " tiles, interleaved over the DRAM banks; page id = "
                      "(batch * " +
                      n + "_tile_rows + row) * " + n + "_tiles_per_row + col."
                : " tiles, interleaved over the DRAM banks; page id = "
                  "row * " +
                      n + "_tiles_per_row + col."));
      if (batched) {
        Line("constexpr uint32_t " + n + "_tile_rows = " +
             std::to_string(t->tiles[t->tiles.size() - 2]) + ";");
      }
      Line("constexpr uint32_t " + n +
           "_tiles_per_row = " + std::to_string(t->tiles.back()) + ";");
      const std::string offset =
          prev.empty() ? "0" : prev + "_args.next_compile_time_args_offset()";
      Line("constexpr auto " + n + "_args = TensorAccessorArgs<" + offset +
           ">();");
      Line("const auto " + n + "_accessor = TensorAccessor(" + n + "_args, " +
           n + "_addr, tile_bytes);");
      prev = n;
    }
  }

  /*! \brief `<row> * T_tiles_per_row + <col>` for a tile intrinsic. */
  std::string PageId(const CallNode *call) {
    const TensorInfo &t = info_.Tensor(call->args[0].as<tvm::tirx::VarNode>());
    const std::string n = SafeIdent(t.name);
    std::string row = Expr(call->args[1], kPrecMul);
    if (t.tiles.size() >= 3) {
      row = "(" + Expr(call->args[5], kPrecMul) + " * " + n + "_tile_rows + " +
            Expr(call->args[1], kPrecAdd) + ")";
    } else if (tvm::tirx::is_zero(call->args[1])) {
      return Expr(call->args[2], kPrecAdd); // a row vector: one tile row
    }
    return row + " * " + n + "_tiles_per_row + " +
           Expr(call->args[2], kPrecMul);
  }

  std::string SlotAddr(const std::string &base, const PrimExpr &slot,
                       const char *stride = "tile_bytes") {
    if (const auto *imm = slot.as<tvm::IntImmNode>(); imm && imm->value == 0) {
      return base;
    }
    return base + " + " + Expr(slot, kPrecMul) + " * " + stride;
  }

  /*! \brief The page stride of `cb`'s slots: a widened CB's page is a
   *         Float32 tile, the tensor's page a float16 one. */
  const char *Stride(const PrimExpr &cb) const {
    return Widened(cb) ? "cb_tile_bytes" : "tile_bytes";
  }
  bool Widened(const PrimExpr &cb) const {
    const auto *imm = cb.as<tvm::IntImmNode>();
    return imm && info_.Widened(info_.CB(imm->value));
  }
  /*! \brief `fn(base + t * cb_tile_bytes)` for each of the `tiles` tiles
   *         of a widened CB's reservation. */
  void EachTile(const PrimExpr &tiles, const std::string &fn,
                const std::string &base) {
    if (const auto *one = tiles.as<tvm::IntImmNode>(); one && one->value == 1) {
      Line(fn + "(" + base + ");");
      return;
    }
    Line("for (uint32_t t = 0; t < " + Expr(tiles) + "; ++t) {");
    Line("  " + fn + "(" + base + " + t * cb_tile_bytes);");
    Line("}");
  }

  bool AnyWidened() const {
    for (const CBInfo &cb : info_.cbs) {
      if (info_.Widened(cb) &&
          (cb.role == (role_ == ir::kRoleReader ? value::kCBRoleInput
                                                : value::kCBRoleOutput))) {
        return true;
      }
    }
    return false;
  }

  /*! \brief The tensor named by the first tile intrinsic in `body`. */
  std::pair<std::string, std::string> TensorAndCB(const tvm::tirx::Stmt &body,
                                                  const tvm::Op &tile_op) {
    std::pair<std::string, std::string> found;
    tvm::tirx::PostOrderVisit(body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *call = n.as<CallNode>();
      if (call && call->op.same_as(tile_op) && found.first.empty()) {
        found = {info_.Tensor(call->args[0].as<tvm::tirx::VarNode>()).name,
                 CBName(call->args[3])};
      }
    });
    return found;
  }

  std::vector<const TensorInfo *> tensors_;
};

class ReaderEmitter : public DataMovementEmitter {
public:
  explicit ReaderEmitter(const ProgramInfo &info)
      : DataMovementEmitter(info, ir::kRoleReader, value::kCBRoleInput) {}

private:
  void EmitPreamble() final {
    const ComputeInfo &c = info_.compute;
    std::vector<std::string> purpose;
    if (c.op == value::kOpEltwise) {
      purpose = {"For each output block of this core, streams the block of "
                 "each input into its CB,",
                 "one block per push (double-buffered)."};
    } else if (c.op == value::kOpReduce || c.op == value::kOpStages) {
      purpose = {"First writes the reduce scaler tile into cb_scaler (once); "
                 "then, for each output",
                 "block of this core, streams the block's " +
                     std::string(c.ReduceDim() == value::kReduceDimRow
                                     ? "rows of " + c.a + " (all columns)"
                                     : "columns of " + c.a + " (all rows)") +
                     " into cb_in0, one block per push."};
    } else {
      purpose = {"For each output block of this core, streams the A and B "
                 "blocks of every K step",
                 "into cb_in0 / cb_in1, one block per push (double-buffered)."};
      if (info_.Mcast()) {
        purpose.push_back(
            "mcast2d schedule: each K step's A block is read from DRAM by one "
            "core of the core row");
        purpose.push_back("(in turn) and multicast to the others; B's "
                          "likewise down the core column.");
      }
      if (detail::HasOperands(c.epilogue)) {
        purpose.push_back("After the K steps, the block of each tensor the "
                          "epilogue adds, into its own CB.");
      }
    }
    EmitDocBlock("Reader kernel (RISCV_1, NoC 1): DRAM -> input circular "
                 "buffers.",
                 purpose, MyCBs(value::kCBRoleInput));
    Line("#include <cstdint>");
    Blank();
    Line("#include \"api/dataflow/dataflow_api.h\"");
    Blank();
    if (NeedsScaler()) {
      Line("// The scaler tile reduce_tile multiplies (SUM) or scales (MAX) "
           "by: 1.0 (bf16) in");
      Line("// the first row of each 16 x 16 face, 0 elsewhere "
           "(api/compute/reduce.h).");
      Line("inline void fill_reduce_scaler(uint32_t l1_addr) {");
      Line("  constexpr uint32_t kOneOne = 0x3f803f80;  // two bf16 1.0");
      Line("  volatile tt_l1_ptr uint32_t* ptr = "
           "reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1_addr);");
      Line("  for (uint32_t i = 0; i < 512; ++i) {");
      Line("    ptr[i] = 0;");
      Line("  }");
      Line("  for (uint32_t face = 0; face < 4; ++face) {");
      Line("    for (uint32_t i = 0; i < 8; ++i) {");
      Line("      ptr[face * 128 + i] = kOneOne;");
      Line("    }");
      Line("  }");
      Line("}");
      Blank();
    }
    if (const detail::ComputeStage *mask = MaskStage()) {
      EmitMaskHelper(*mask);
    }
    if (AnyWidened()) {
      EmitWidenHelper();
    }
    if (NeedsZeroFill()) {
      Line("// Fill one tile of L1 with zeros: a tile past the tensor's last "
           "tile contributes nothing.");
      Line("inline void fill_tile_zeros(uint32_t l1_addr, uint32_t bytes) {");
      Line("  volatile tt_l1_ptr uint32_t* ptr = "
           "reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1_addr);");
      Line("  for (uint32_t i = 0; i < bytes / sizeof(uint32_t); ++i) {");
      Line("    ptr[i] = 0;");
      Line("  }");
      Line("}");
      Blank();
    }
  }

  /*! \brief `widen_fp16_tile`: a float16 tile read into the first half of
   *         a Float32 page becomes the page's fp32 tile (IEEE: exact). */
  void EmitWidenHelper() {
    Line("// A float16 tensor's tile moves through a Float32 CB: the program "
         "reduces, and beside a");
    Line("// Float16 CB the unpacker would read its Float32 values as FP16. "
         "fp16 -> fp32 is exact.");
    Line("inline uint32_t fp16_to_fp32_bits(uint32_t h) {");
    Line("  const uint32_t sign = (h & 0x8000u) << 16;");
    Line("  const uint32_t exp = (h >> 10) & 0x1fu;");
    Line("  uint32_t man = h & 0x3ffu;");
    Line("  if (exp == 0x1fu) {");
    Line("    return sign | 0x7f800000u | (man << 13);  // infinity, NaN");
    Line("  }");
    Line("  if (exp != 0) {");
    Line("    return sign | ((exp + 112) << 23) | (man << 13);");
    Line("  }");
    Line("  if (man == 0) {");
    Line("    return sign;  // a zero");
    Line("  }");
    Line("  uint32_t e = 113;  // a subnormal: normalise its mantissa");
    Line("  while ((man & 0x400u) == 0) {");
    Line("    man <<= 1;");
    Line("    --e;");
    Line("  }");
    Line("  return sign | (e << 23) | ((man & 0x3ffu) << 13);");
    Line("}");
    Blank();
    Line("// The 1024 fp16 values in the first half of the page at l1_addr "
         "become fp32 in place,");
    Line("// from the last down: value i's 4 bytes overwrite only fp16 "
         "values already widened.");
    Line("inline void widen_fp16_tile(uint32_t l1_addr) {");
    Line("  volatile tt_l1_ptr uint16_t* half = "
         "reinterpret_cast<volatile tt_l1_ptr uint16_t*>(l1_addr);");
    Line("  volatile tt_l1_ptr uint32_t* word = "
         "reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1_addr);");
    Line("  for (int32_t i = 1023; i >= 0; --i) {");
    Line("    word[i] = fp16_to_fp32_bits(half[i]);");
    Line("  }");
    Line("}");
    Blank();
  }

  /*! \brief The program's mask stage (one kind per kernel), or nullptr. */
  const detail::ComputeStage *MaskStage() const {
    for (const detail::ComputeStage &s : info_.compute.stages) {
      if (s.op == value::kOpMask) {
        return &s;
      }
    }
    return nullptr;
  }

  /*! \brief `fill_mask_tile`: one Float32 tile of the mask stage's block,
   *         element by element in the tile's face layout. */
  void EmitMaskHelper(const detail::ComputeStage &mask) {
    auto bits = [](double v) {
      const float f = static_cast<float>(v);
      uint32_t b;
      std::memcpy(&b, &f, sizeof(b));
      return FloatBitsLiteral(b) + ";  // " + detail::FloatText(f);
    };
    Line("// One Float32 tile of the mask (the kernel's T.if_then_else): "
         "element (i, j) of the");
    Line("// tile whose first element is at row `row`, column `col` keeps "
         "the first value where");
    Line("// row + i >= col + j, else the second. A tile is four 16 x 16 "
         "faces, each row-major.");
    // (The mask's CB's page: one Float32 tile.)
    Line("constexpr uint32_t mask_tile_bytes = " +
         std::to_string(info_.CB(mask.cb_out).page_bytes) + ";");
    Line("inline void fill_mask_tile(uint32_t l1_addr, int32_t row, int32_t "
         "col) {");
    Line("  constexpr uint32_t kKeep = " + bits(mask.value));
    Line("  constexpr uint32_t kMasked = " + bits(mask.otherwise));
    Line("  volatile tt_l1_ptr uint32_t* ptr = "
         "reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1_addr);");
    Line("  for (int32_t i = 0; i < 32; ++i) {");
    Line("    for (int32_t j = 0; j < 32; ++j) {");
    Line("      ptr[(i / 16) * 512 + (j / 16) * 256 + (i % 16) * 16 + j % 16] "
         "=");
    Line("          row + i >= col + j ? kKeep : kMasked;");
    Line("    }");
    Line("  }");
    Line("}");
    Blank();
  }

  bool NeedsScaler() {
    for (const CallNode *call : RoleCalls()) {
      if (call->op.same_as(builtin::fill_scaler())) {
        return true;
      }
    }
    return false;
  }

  bool NeedsZeroFill() {
    for (const CallNode *call : RoleCalls()) {
      if (call->op.same_as(builtin::zero_tile())) {
        return true;
      }
    }
    return false;
  }

  void EmitPrologue() final {
    Blank();
    EmitCBIds(MyCBs(value::kCBRoleInput));
    Blank();
    EmitAccessors();
    if (info_.Mcast()) {
      EmitMcastPrologue();
    }
  }

  /*! \brief "in0" / "in1" when `cb` is A's / B's CB of an mcast2d GEMM. */
  std::string McastOperand(const PrimExpr &cb) const {
    if (!info_.Mcast()) {
      return "";
    }
    const int64_t index = cb.as<tvm::IntImmNode>()->value;
    const CBInfo &c = info_.CB(index);
    if (c.role != value::kCBRoleInput) {
      return "";
    }
    return c.tensor == info_.compute.a   ? "in0"
           : c.tensor == info_.compute.b ? "in1"
                                         : "";
  }

  void EmitMcastPrologue() {
    Blank();
    Line("// The multicast handshake (mcast2d schedule). The cores of a core "
         "row share A's");
    Line("// blocks, those of a core column B's; for each K step one of them, "
         "in turn, reads the");
    Line("// block from DRAM and multicasts it to the others. A receiver "
         "reserves its CB slot,");
    Line("// sets its receiver semaphore to kInvalid and increments the "
         "sender's semaphore; once");
    Line("// all have, the sender multicasts the block into the same slot of "
         "each, then its");
    Line("// kValid word into their receiver semaphores.");
    Line("constexpr uint32_t kInvalid = 0;");
    Line("constexpr uint32_t kValid = 1;");
    // The senders' NoC coordinates follow the named args (McastReaderArgs).
    const size_t tables = info_.KernelArgs(role_).size();
    Line("// Runtime args from here on: the NoC x of each core of this row, "
         "then the NoC y of");
    Line("// each core of this column.");
    Line("constexpr uint32_t in0_noc_x_arg = " + std::to_string(tables) + ";");
    Line("constexpr uint32_t in1_noc_y_arg = " +
         std::to_string(tables + info_.cores_x) + ";");
    for (const char *p : {"in0", "in1"}) {
      const std::string n = p;
      for (const char *sem : {"sender", "receiver"}) {
        const std::string s = n + "_" + sem + "_sem";
        Line("uint32_t " + s + "_addr = get_semaphore(" + s + ");");
        Line("volatile tt_l1_ptr uint32_t* " + s +
             "_ptr = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(" + s +
             "_addr);");
      }
      Line("// The word this core multicasts when it sends.");
      Line("noc_semaphore_set(" + n + "_receiver_sem_ptr, kValid);");
      Line("uint32_t " + n + "_step = 0;");
    }
  }

  void EmitMcastSend(const std::string &p, const std::string &cb) {
    Line("if (" + p + "_cores > 1) {");
    ++indent_;
    Line("// Once every other core has reserved its slot, multicast the block "
         "into it and flag it.");
    Line("noc_semaphore_wait(" + p + "_sender_sem_ptr, " + p + "_cores - 1);");
    Line("noc_semaphore_set(" + p + "_sender_sem_ptr, 0);");
    const std::string rect =
        p + "_start_x, " + p + "_start_y, " + p + "_end_x, " + p + "_end_y, ";
    Line("noc_async_write_multicast(" + cb + "_write_addr, " +
         "get_noc_multicast_addr(" + rect + cb + "_write_addr), " +
         mcast_tiles_ + " * tile_bytes, " + p + "_cores - 1);");
    Line("noc_semaphore_set_multicast(" + p + "_receiver_sem_addr, " +
         "get_noc_multicast_addr(" + rect + p + "_receiver_sem_addr), " + p +
         "_cores - 1);");
    Line("noc_async_write_barrier();");
    --indent_;
    Line("}");
  }

  void EmitMcastReceive(const std::string &p) {
    // in0's senders share this core's row (its NoC y), in1's its column.
    const std::string sender_noc =
        p == "in0" ? "get_arg_val<uint32_t>(in0_noc_x_arg + in0_sender), "
                     "in0_start_y"
                   : "in1_start_x, get_arg_val<uint32_t>(in1_noc_y_arg + "
                     "in1_sender)";
    Line("// Tell the sender this slot is free; wait until the block has "
         "landed in it.");
    Line("noc_semaphore_set(" + p + "_receiver_sem_ptr, kInvalid);");
    Line("noc_semaphore_inc(get_noc_addr(" + sender_noc + ", " + p +
         "_sender_sem_addr), 1);");
    Line("noc_semaphore_wait(" + p + "_receiver_sem_ptr, kValid);");
  }

  std::string GroupComment(const tvm::tirx::Stmt &body) final {
    auto [tensor, cb] = TensorAndCB(body, builtin::read_tile());
    if (tensor.empty()) {
      bool scaler = false;
      tvm::tirx::PostOrderVisit(body, [&](const tvm::ffi::ObjectRef &n) {
        const auto *call = n.as<CallNode>();
        scaler = scaler || (call && call->op.same_as(builtin::fill_scaler()));
      });
      bool mask = false;
      tvm::tirx::PostOrderVisit(body, [&](const tvm::ffi::ObjectRef &n) {
        const auto *call = n.as<CallNode>();
        mask = mask || (call && call->op.same_as(builtin::fill_mask_tile()));
      });
      return scaler ? "The scaler tile, once for all blocks: reserve, write, "
                      "push (compute never pops it before the end)."
             : mask ? "Write this step's block of the mask into its CB: "
                      "reserve, write each tile, push."
                    : "";
    }
    if (info_.compute.op == value::kOpReduce ||
        info_.compute.op == value::kOpStages) {
      return "Read the output block's " +
             std::string(info_.compute.ReduceDim() == value::kReduceDimRow
                             ? "rows"
                             : "columns") +
             " of " + tensor + " into " + cb +
             ": reserve, read each tile, wait, push.";
    }
    if (info_.compute.op == value::kOpEltwise) {
      return "Read the output block's tiles of " + tensor + " into " + cb +
             ": reserve, read each tile, wait, push.";
    }
    for (const detail::EpilogueOp &e : info_.compute.epilogue) {
      if (e.operand == tensor) {
        const std::string uses = e.op == value::kEpilogueMul   ? "multiplies by"
                                 : e.op == value::kEpilogueSub ? "subtracts"
                                                               : "adds";
        return "Read the output block's tiles of " + tensor +
               " (the epilogue " + uses + " them) into " + cb +
               ": reserve, read each tile, wait, push.";
      }
    }
    if (info_.Mcast() &&
        (tensor == info_.compute.a || tensor == info_.compute.b)) {
      return "This step's block of " + tensor + " into " + cb +
             ": this step's sender reads each tile and multicasts the "
             "block, the others wait for it; push.";
    }
    return "Read this step's block of " + tensor + " into " + cb +
           ": reserve, read each tile, wait, push.";
  }

  void EmitIntrinsic(const CallNode *call) final {
    const auto &a = call->args;
    if (call->op.same_as(builtin::cb_reserve_back())) {
      const std::string cb = CBName(a[0]);
      Line("cb_reserve_back(" + cb + ", " + Expr(a[1]) + ");");
      Line("uint32_t " + cb + "_write_addr = get_write_ptr(" + cb + ");");
      const std::string p = McastOperand(a[0]);
      if (!p.empty()) {
        // This step's sender reads; the push closes the branch.
        Line("uint32_t " + p + "_sender = " + p + "_step % " + p + "_cores;");
        Line("if (" + p + "_sender == " + p + "_index) {");
        ++indent_;
        mcast_operand_ = p;
        mcast_cb_ = cb;
        mcast_tiles_ = Expr(a[1]);
      }
    } else if (call->op.same_as(builtin::read_tile())) {
      const std::string cb = CBName(a[3]);
      const TensorInfo &t = info_.Tensor(a[0].as<tvm::tirx::VarNode>());
      Line("noc_async_read_page(" + PageId(call) + ", " + SafeIdent(t.name) +
           "_accessor, " + SlotAddr(cb + "_write_addr", a[4], Stride(a[3])) +
           ");");
    } else if (call->op.same_as(builtin::fill_scaler())) {
      Line("fill_reduce_scaler(" +
           SlotAddr(CBName(a[0]) + "_write_addr", a[1]) + ");");
    } else if (call->op.same_as(builtin::fill_mask_tile())) {
      const std::string base = CBName(a[0]) + "_write_addr";
      const auto *slot = a[1].as<tvm::IntImmNode>();
      Line("fill_mask_tile(" +
           (slot && slot->value == 0
                ? base
                : base + " + " + Expr(a[1], kPrecMul) + " * mask_tile_bytes") +
           ", " + Expr(a[2]) + ", " + Expr(a[3]) + ");");
    } else if (call->op.same_as(builtin::zero_tile())) {
      Line("fill_tile_zeros(" +
           SlotAddr(CBName(a[0]) + "_write_addr", a[1], Stride(a[0])) +
           ", tile_bytes);");
    } else if (call->op.same_as(builtin::noc_async_read_barrier())) {
      Line("noc_async_read_barrier();");
    } else if (call->op.same_as(builtin::cb_push_back())) {
      if (!mcast_operand_.empty() && CBName(a[0]) == mcast_cb_) {
        EmitMcastSend(mcast_operand_, mcast_cb_);
        --indent_;
        Line("} else {");
        ++indent_;
        EmitMcastReceive(mcast_operand_);
        --indent_;
        Line("}");
        Line("cb_push_back(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
        Line("++" + mcast_operand_ + "_step;");
        mcast_operand_.clear();
        return;
      }
      if (Widened(a[0])) {
        EachTile(a[1], "widen_fp16_tile", CBName(a[0]) + "_write_addr");
      }
      Line("cb_push_back(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
    } else {
      TVM_FFI_THROW(ValueError)
          << "TT codegen: " << call->op << " cannot run on the reader.";
    }
  }

  /*! \brief The mcast2d operand whose sender branch is open, its CB and the
   *         tiles of its block. */
  std::string mcast_operand_, mcast_cb_, mcast_tiles_;
};

class WriterEmitter : public DataMovementEmitter {
public:
  explicit WriterEmitter(const ProgramInfo &info)
      : DataMovementEmitter(info, ir::kRoleWriter, value::kCBRoleOutput) {}

private:
  void EmitPreamble() final {
    EmitDocBlock("Writer kernel (RISCV_0, NoC 0): output circular buffer -> "
                 "DRAM.",
                 {"For each output block of this core, drains cb_out0 into "
                  "the output tensor's tiles."},
                 MyCBs(value::kCBRoleOutput));
    Line("#include <cstdint>");
    Blank();
    Line("#include \"api/dataflow/dataflow_api.h\"");
    Blank();
    if (AnyWidened()) {
      EmitNarrowHelper();
    }
  }

  /*! \brief `narrow_to_fp16_tile`: a Float32 page's fp32 tile becomes the
   *         fp16 tile in its first half, each value rounded to nearest even. */
  void EmitNarrowHelper() {
    Line("// The output's CB holds fp32 tiles (the program reduces, and "
         "beside a Float16 CB the");
    Line("// unpacker would read its Float32 values as FP16); the tensor is "
         "float16: each value is");
    Line("// rounded to the nearest fp16, ties to even (IEEE, as torch "
         "rounds), past its range to inf.");
    Line("inline uint32_t fp32_to_fp16_bits(uint32_t f) {");
    Line("  const uint32_t sign = (f >> 16) & 0x8000u;");
    Line("  const uint32_t exp = (f >> 23) & 0xffu;");
    Line("  const uint32_t man = f & 0x7fffffu;");
    Line("  if (exp == 0xffu) {");
    Line("    return sign | 0x7c00u | (man != 0 ? 0x200u : 0u);  // infinity, "
         "NaN");
    Line("  }");
    Line("  const int32_t e = static_cast<int32_t>(exp) - 112;  // fp16's "
         "biased exponent");
    Line("  if (e >= 31) {");
    Line("    return sign | 0x7c00u;");
    Line("  }");
    Line("  uint32_t m = e > 0 ? man : (exp != 0 ? man | 0x800000u : man);");
    Line("  const uint32_t shift = e > 0 ? 13u : static_cast<uint32_t>(14 - "
         "e);");
    Line("  if (shift > 24) {");
    Line("    return sign;  // below half the least subnormal");
    Line("  }");
    Line("  uint32_t h = (e > 0 ? static_cast<uint32_t>(e) << 10 : 0u) | (m "
         ">> shift);");
    Line("  const uint32_t rest = m & ((1u << shift) - 1), half = 1u << "
         "(shift - 1);");
    Line("  if (rest > half || (rest == half && (h & 1u) != 0)) {");
    Line("    ++h;  // a carry may reach the exponent (or infinity)");
    Line("  }");
    Line("  return sign | h;");
    Line("}");
    Blank();
    Line("// The 1024 fp32 values of the page at l1_addr become fp16 in its "
         "first half, in place,");
    Line("// from the first up: value i's 2 bytes overwrite only fp32 values "
         "already narrowed.");
    Line("inline void narrow_to_fp16_tile(uint32_t l1_addr) {");
    Line("  volatile tt_l1_ptr uint32_t* word = "
         "reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1_addr);");
    Line("  volatile tt_l1_ptr uint16_t* half = "
         "reinterpret_cast<volatile tt_l1_ptr uint16_t*>(l1_addr);");
    Line("  for (uint32_t i = 0; i < 1024; ++i) {");
    Line("    half[i] = static_cast<uint16_t>(fp32_to_fp16_bits(word[i]));");
    Line("  }");
    Line("}");
    Blank();
  }

  void EmitPrologue() final {
    Blank();
    EmitCBIds(MyCBs(value::kCBRoleOutput));
    Blank();
    EmitAccessors();
  }

  std::string GroupComment(const tvm::tirx::Stmt &body) final {
    auto [tensor, cb] = TensorAndCB(body, builtin::write_tile());
    if (tensor.empty()) {
      return "";
    }
    return "Write the block in " + cb + " to " + tensor +
           ": wait, write each tile, wait, pop.";
  }

  void EmitIntrinsic(const CallNode *call) final {
    const auto &a = call->args;
    if (call->op.same_as(builtin::cb_wait_front())) {
      const std::string cb = CBName(a[0]);
      Line("cb_wait_front(" + cb + ", " + Expr(a[1]) + ");");
      Line("uint32_t " + cb + "_read_addr = get_read_ptr(" + cb + ");");
      if (Widened(a[0])) {
        EachTile(a[1], "narrow_to_fp16_tile", cb + "_read_addr");
      }
    } else if (call->op.same_as(builtin::write_tile())) {
      const std::string cb = CBName(a[3]);
      const TensorInfo &t = info_.Tensor(a[0].as<tvm::tirx::VarNode>());
      Line("noc_async_write_page(" + PageId(call) + ", " + SafeIdent(t.name) +
           "_accessor, " + SlotAddr(cb + "_read_addr", a[4], Stride(a[3])) +
           ");");
    } else if (call->op.same_as(builtin::noc_async_write_barrier())) {
      Line("noc_async_write_barrier();");
    } else if (call->op.same_as(builtin::cb_pop_front())) {
      Line("cb_pop_front(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
    } else {
      TVM_FFI_THROW(ValueError)
          << "TT codegen: " << call->op << " cannot run on the writer.";
    }
  }
};

} // namespace

std::string EmitReader(const ProgramInfo &info, const tvm::tirx::PrimFunc &f) {
  return ReaderEmitter(info).Emit(f);
}

std::string EmitWriter(const ProgramInfo &info, const tvm::tirx::PrimFunc &f) {
  return WriterEmitter(info).Emit(f);
}

} // namespace codegen
} // namespace tilelang_tt
