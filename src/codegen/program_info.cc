/*!
 * \file program_info.cc
 * \brief Read the plan of a lowered TT kernel from its attributes.
 */

#include "program_info.h"

#include <tvm/ffi/error.h>
#include <tvm/target/target.h>

#include <set>

#include "../transform/common.h"
#include "tilelang_tt/attr.h"

namespace tilelang_tt {
namespace codegen {

using tvm::Integer;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;

namespace {

constexpr const char *kWho = "TT codegen";

const char *ArgComment(const std::string &name) {
  static const std::map<std::string, const char *> comments = {
      {ir::kArgStartId, "first output block of this core"},
      {ir::kArgCount, "number of output blocks of this core"},
      {ir::kArgGridX, "output blocks along x (columns)"},
      {ir::kArgGridY, "output blocks along y (rows)"},
      {ir::kArgCoreBlockCols, "block columns of this core's rectangle"}};
  auto it = comments.find(name);
  return it == comments.end() ? "" : it->second;
}

/*!
 * \brief mcast2d: the reader's multicast arguments, after the schema's. For
 *        each operand CB (in0 = A, shared by a core row; in1 = B, shared by
 *        a core column): the line's core count and this core's place in it
 *        (the line's cores take turns reading a K step's block and
 *        multicasting it), the line's NoC rectangle in the reader's NoC
 *        direction, and the two semaphore ids of the handshake. After them
 *        the host appends the NoC x of each core of the row, then the NoC y
 *        of each core of the column (the senders' addresses).
 */
std::vector<RuntimeArg> McastReaderArgs() {
  std::vector<RuntimeArg> args;
  for (const char *cb : {"in0", "in1"}) {
    const std::string p = cb;
    args.push_back({p + "_cores",
                    p == "in0" ? "cores of this row; they take turns sending A"
                               : "cores of this column; they take turns "
                                 "sending B",
                    kMcastArg});
    args.push_back({p + "_index", "this core's place among them", kMcastArg});
    args.push_back({p + "_start_x", "their NoC rectangle: start x", kMcastArg});
    args.push_back({p + "_start_y", "start y", kMcastArg});
    args.push_back({p + "_end_x", "end x", kMcastArg});
    args.push_back({p + "_end_y", "end y", kMcastArg});
    args.push_back(
        {p + "_sender_sem", "semaphore: receivers ready", kMcastArg});
    args.push_back({p + "_receiver_sem", "semaphore: block landed", kMcastArg});
  }
  return args;
}

} // namespace

const TensorInfo &ProgramInfo::Tensor(const tvm::tirx::VarNode *data) const {
  for (const TensorInfo &t : tensors) {
    if (t.data == data) {
      return t;
    }
  }
  TVM_FFI_THROW(ValueError) << kWho << ": kernel '" << kernel_name
                            << "' accesses a tensor that tt.buffers does not "
                               "describe.";
  TVM_FFI_UNREACHABLE();
}

const CBInfo &ProgramInfo::CB(int64_t index) const {
  for (const CBInfo &cb : cbs) {
    if (cb.index == index) {
      return cb;
    }
  }
  TVM_FFI_THROW(ValueError)
      << kWho << ": kernel '" << kernel_name << "' uses CB c_" << index
      << ", which tt.cbs does not declare.";
  TVM_FFI_UNREACHABLE();
}

bool ProgramInfo::Widened(const CBInfo &cb) const {
  if (!WidensFloat16(compute.op) ||
      cb.data_format != SpecOf(TileFormat::kFloat32).data_format) {
    return false;
  }
  for (const TensorInfo &t : tensors) {
    if (t.name == cb.tensor) {
      return t.dtype == SpecOf(TileFormat::kFloat16).dtype;
    }
  }
  return false;
}

std::vector<const TensorInfo *>
ProgramInfo::TensorsWithRole(const std::string &role) const {
  std::vector<const TensorInfo *> out;
  for (const TensorInfo &t : tensors) {
    if (t.role == role) {
      out.push_back(&t);
    }
  }
  return out;
}

std::vector<RuntimeArg> ProgramInfo::KernelArgs(const std::string &role) const {
  std::vector<RuntimeArg> args;
  const std::string moved = role == ir::kRoleReader   ? value::kCBRoleInput
                            : role == ir::kRoleWriter ? value::kCBRoleOutput
                                                      : "";
  for (const TensorInfo *t : TensorsWithRole(moved)) {
    args.push_back(
        {SafeIdent(t->name) + "_addr", "DRAM address of " + t->name});
  }
  auto read = schema_read.find(role);
  for (size_t i = 0; i < schema.size(); ++i) {
    if (read == schema_read.end() || read->second.count(i)) {
      args.push_back(
          {schema[i], ArgComment(schema[i]), static_cast<int64_t>(i)});
    }
  }
  if (role == ir::kRoleReader && Mcast()) {
    for (const RuntimeArg &a : McastReaderArgs()) {
      args.push_back(a);
    }
  }
  return args;
}

bool ProgramInfo::AnyKernelReads(const std::string &name) const {
  for (const std::string &role :
       {ir::kRoleReader, ir::kRoleCompute, ir::kRoleWriter}) {
    for (const RuntimeArg &arg : KernelArgs(role)) {
      if (arg.name == name && arg.schema_index >= 0) {
        return true;
      }
    }
  }
  return false;
}

int64_t ProgramInfo::L1Bytes() const {
  int64_t total = 0;
  for (const CBInfo &cb : cbs) {
    total += cb.num_pages * cb.page_bytes;
  }
  return total;
}

ProgramInfo ReadProgramInfo(const tvm::tirx::PrimFunc &f) {
  ProgramInfo info;
  info.kernel_name = detail::FuncName(f);
  info.target = detail::RequireTTTarget(f, kWho);
  auto require = [&](const char *key) {
    if (!f->attrs.defined() || !f->attrs->dict.count(key)) {
      TVM_FFI_THROW(ValueError)
          << kWho << ": PrimFunc '" << info.kernel_name << "' lacks '" << key
          << "'; run the TT pass pipeline (tilelang_tt.pipeline) first.";
    }
    return f->attrs->dict.at(key);
  };
  // Schedule.
  auto schedule = require(attr::kSchedule).cast<Map<String, Any>>();
  info.policy = detail::StrField(schedule, field::kFieldPolicy);
  info.order = detail::StrField(schedule, field::kFieldOrder);
  info.grid_x = detail::IntField(schedule, field::kFieldGridX);
  info.grid_y = detail::IntField(schedule, field::kFieldGridY);
  info.num_blocks = detail::IntField(schedule, field::kFieldNumBlocks);
  if (info.Mcast()) {
    info.cores_x = detail::IntField(schedule, field::kFieldCoresX);
    info.cores_y = detail::IntField(schedule, field::kFieldCoresY);
    info.core_block_rows =
        detail::IntField(schedule, field::kFieldCoreBlockRows);
    info.core_block_cols =
        detail::IntField(schedule, field::kFieldCoreBlockCols);
  }
  for (const String &name : require(attr::kRuntimeArgs).cast<Array<String>>()) {
    info.schema.push_back(name);
  }
  for (const auto &a :
       require(attr::kCoreAssignments).cast<Array<Array<Integer>>>()) {
    info.cores.push_back({a[0]->value, a[1]->value, a[2]->value, a[3]->value});
  }
  for (const auto &r :
       require(attr::kCoreRanges).cast<Array<Array<Integer>>>()) {
    info.core_ranges.push_back(
        {r[0]->value, r[1]->value, r[2]->value, r[3]->value});
  }
  // CBs.
  std::set<std::string> inputs, outputs;
  for (const auto &cb : require(attr::kCBs).cast<Array<Map<String, Any>>>()) {
    CBInfo c;
    c.index = detail::IntField(cb, field::kFieldIndex);
    c.name = detail::StrField(cb, field::kFieldName);
    c.role = detail::StrField(cb, field::kFieldRole);
    c.buffer = detail::StrField(cb, field::kFieldBuffer);
    c.tensor = detail::StrField(cb, field::kFieldTensor);
    c.data_format = detail::StrField(cb, field::kFieldDataFormat);
    c.page_bytes = detail::IntField(cb, field::kFieldPageBytes);
    c.block_tiles = detail::IntField(cb, field::kFieldBlockTiles);
    c.num_pages = detail::IntField(cb, field::kFieldNumPages);
    // Intermediate CBs (partials, transposed) name the tensor they derive
    // from; only the reader's and the writer's CBs make a tensor an input or
    // an output.
    if (c.role == value::kCBRoleInput) {
      inputs.insert(c.tensor);
    } else if (c.role == value::kCBRoleOutput) {
      outputs.insert(c.tensor);
    }
    info.cbs.push_back(c);
  }
  // Tensors, in parameter order.
  auto buffers = require(attr::kBuffers).cast<Map<String, Any>>();
  for (const auto &param : f->params) {
    auto it = f->buffer_map.find(param);
    if (it == f->buffer_map.end()) {
      continue;
    }
    const tvm::tirx::Buffer &buf = (*it).second;
    auto desc = buffers.at(buf->name).cast<Map<String, Any>>();
    TensorInfo t;
    t.name = buf->name;
    t.data = buf->data.get();
    t.shape = detail::IntArrayField(desc, field::kFieldShape);
    t.padded_shape = detail::IntArrayField(desc, field::kFieldPaddedShape);
    t.matrix = desc.count(field::kFieldMatrix)
                   ? detail::IntArrayField(desc, field::kFieldMatrix)
                   : t.shape;
    if (desc.count(field::kFieldAxes)) {
      t.axes = detail::IntArrayField(desc, field::kFieldAxes);
      for (size_t axis = t.axes[t.axes.size() - 2] + 1;
           axis + 1 < t.shape.size(); ++axis) {
        t.inner *= t.shape[axis];
      }
    }
    t.tiles = detail::IntArrayField(desc, field::kFieldTiles);
    t.page_bytes = detail::IntField(desc, field::kFieldPageBytes);
    t.dtype = detail::StrField(desc, field::kFieldDtype);
    t.num_tiles = detail::IntField(desc, field::kFieldNumTiles);
    t.role = outputs.count(t.name)  ? value::kCBRoleOutput
             : inputs.count(t.name) ? value::kCBRoleInput
                                    : "unused";
    info.tensors.push_back(t);
  }
  // What the program computes (tt.compute).
  auto compute = require(attr::kCompute).cast<Map<String, Any>>();
  ComputeInfo &c = info.compute;
  c.op = detail::StrField(compute, field::kFieldOp);
  c.a = detail::StrField(compute, field::kFieldOperandA);
  c.b = detail::StrField(compute, field::kFieldOperandB);
  c.c = detail::StrField(compute, field::kFieldOperandC);
  c.transpose_a = detail::BoolField(compute, field::kFieldTransposeA);
  c.transpose_b = detail::BoolField(compute, field::kFieldTransposeB);
  c.accumulator = detail::StrField(compute, field::kFieldAccumulator);
  c.fp32_dest_acc_en = detail::BoolField(compute, field::kFieldFp32DestAccEn);
  c.dst_full_sync_en = detail::BoolField(compute, field::kFieldDstFullSyncEn);
  c.dst_tiles = detail::IntField(compute, field::kFieldDstTiles);
  c.math_fidelity = detail::StrField(compute, field::kFieldMathFidelity);
  const std::vector<int64_t> sub =
      detail::IntArrayField(compute, field::kFieldSubblock);
  c.sub_h = sub.at(0);
  c.sub_w = sub.at(1);
  c.partials = detail::BoolField(compute, field::kFieldPartials);
  c.batch = detail::IntField(compute, field::kFieldBatch);
  c.epilogue = detail::EpilogueFromAttr(compute);
  if (compute.count(field::kFieldReduce)) {
    c.reduce = detail::StrField(compute, field::kFieldReduce);
    c.reduce_dim = detail::StrField(compute, field::kFieldReduceDim);
  }
  c.stages = detail::StagesFromAttr(compute);
  return info;
}

const CBInfo *ProgramInfo::PartialsCB() const {
  for (const CBInfo &cb : cbs) {
    if (cb.role == value::kCBRolePartials) {
      return &cb;
    }
  }
  return nullptr;
}

std::string DimsString(const std::vector<int64_t> &dims) {
  std::string out;
  for (int64_t d : dims) {
    out += (out.empty() ? "" : " x ") + std::to_string(d);
  }
  return out;
}

std::string SafeIdent(const std::string &name) {
  // C++ keywords, and the identifiers the emitted code declares itself.
  static const std::set<std::string> reserved = {
      "alignas",     "alignof",    "and",
      "asm",         "auto",       "bool",
      "break",       "case",       "catch",
      "char",        "class",      "const",
      "constexpr",   "continue",   "default",
      "delete",      "do",         "double",
      "else",        "enum",       "explicit",
      "extern",      "false",      "float",
      "for",         "friend",     "goto",
      "if",          "inline",     "int",
      "long",        "mutable",    "namespace",
      "new",         "noexcept",   "not",
      "nullptr",     "operator",   "or",
      "private",     "protected",  "public",
      "register",    "return",     "short",
      "signed",      "sizeof",     "static",
      "struct",      "switch",     "template",
      "this",        "throw",      "true",
      "try",         "typedef",    "typename",
      "union",       "unsigned",   "using",
      "virtual",     "void",       "volatile",
      "while",       "xor",        "main",
      "kernel_main", "tile_bytes", "fill_tile_zeros",
      "uint32_t",    "int32_t",    "get_arg_val",
      "std",         "tt"};
  if (reserved.count(name) || name.rfind("cb_", 0) == 0) {
    return name + "_";
  }
  return name;
}

} // namespace codegen
} // namespace tilelang_tt
