/*!
 * \file emit_program.cc
 * \brief The TT-Metalium host program (main.cpp) and the plan
 *        (tt.plan.json) of a lowered TT kernel.
 */

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "emitters.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/target.h"

namespace tilelang_tt {
namespace codegen {

namespace {

/*! \brief Line-oriented writer with indentation. */
class Writer {
public:
  void Line(const std::string &text = "") {
    if (text.empty()) {
      out_ << "\n";
    } else {
      out_ << std::string(2 * indent_, ' ') << text << "\n";
    }
  }
  void Indent() { ++indent_; }
  void Dedent() { --indent_; }
  std::string str() const { return out_.str(); }

private:
  std::ostringstream out_;
  int indent_ = 0;
};

std::string U(int64_t v) { return std::to_string(v); }

std::string Quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

/*! \brief An fp32 constant as JSON: a number, or (JSON has none for them)
 *         the string "inf" / "-inf" / "nan" (Python's float() reads it). */
std::string JsonFloat(float v) {
  if (std::isinf(v)) {
    return v > 0 ? "\"inf\"" : "\"-inf\"";
  }
  if (std::isnan(v)) {
    return "\"nan\"";
  }
  return detail::FloatText(v);
}

/*! \brief tt.compute's epilogue as the plan's JSON list items. */
std::string EpilogueJson(const std::vector<detail::EpilogueOp> &ops) {
  std::string s;
  for (size_t i = 0; i < ops.size(); ++i) {
    s += std::string(i ? ", " : "") + "{\"op\": " + Quote(ops[i].op) +
         (ops[i].operand.empty()
              ? ", \"value\": " + JsonFloat(ops[i].value)
              : ", \"operand\": " + Quote(ops[i].operand) +
                    ", \"broadcast\": " + Quote(ops[i].broadcast)) +
         "}";
  }
  return s;
}

std::string IntList(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += (i ? ", " : "") + U(v[i]);
  }
  return s + "]";
}

/*! \brief tt.compute's stages as the plan's JSON list items. */
/*! \brief A stage's `loop` member (stages.h StageLoop), if it has one. */
std::string LoopJson(const detail::StageLoop &loop) {
  if (!loop.defined()) {
    return "";
  }
  std::string slices;
  for (size_t i = 0; i < loop.slices.size(); ++i) {
    const detail::LoopSlice &x = loop.slices[i];
    slices += std::string(i ? ", " : "") + "{\"tensor\": " + Quote(x.tensor) +
              ", \"axis\": " + U(x.axis) + ", \"size\": " + U(x.size) +
              ", \"step\": " + U(x.step) + ", \"start\": " + U(x.start) + "}";
  }
  const std::string bound =
      loop.bounded() ? ", \"bound\": {\"block_rows\": " + U(loop.bound_rows) +
                           ", \"add\": " + U(loop.bound_add) +
                           ", \"div\": " + U(loop.bound_div) + "}"
                     : std::string();
  return ", \"loop\": {\"id\": " + U(loop.id) +
         ", \"extent\": " + U(loop.extent) + ", \"slices\": [" + slices + "]" +
         bound + "}";
}

std::string StagesJson(const std::vector<detail::ComputeStage> &stages) {
  std::string s;
  for (size_t i = 0; i < stages.size(); ++i) {
    const detail::ComputeStage &st = stages[i];
    s +=
        std::string(i ? ", " : "") + "{\"op\": " + Quote(st.op) +
        ", \"in\": " + Quote(st.in) + ", \"out\": " + Quote(st.out) +
        ", \"cb_in\": " + U(st.cb_in) + ", \"cb_out\": " + U(st.cb_out) +
        (st.op == value::kOpReduce
             ? ", \"reduce\": " + Quote(st.reduce) +
                   ", \"reduce_dim\": " + Quote(st.reduce_dim)
             : std::string()) +
        // (A reduction's ops on its result, if any; an update's always.)
        (st.op == value::kOpEltwise ||
                 (st.op == value::kOpReduce && !st.epilogue.empty())
             ? ", \"epilogue\": [" + EpilogueJson(st.epilogue) + "]"
             : std::string()) +
        (st.op == value::kOpMatmul
             ? ", \"b\": " + Quote(st.b) + ", \"cb_b\": " + U(st.cb_b) +
                   ", \"transpose_b\": " + (st.transpose_b ? "true" : "false") +
                   ", \"accumulate\": " + (st.accumulate ? "true" : "false") +
                   (st.accumulate ? ", \"cb_acc\": " + U(st.cb_acc)
                                  : std::string())
             : std::string()) +
        (st.op == value::kOpFill || st.op == value::kOpMask
             ? ", \"value\": " + JsonFloat(static_cast<float>(st.value)) +
                   ", \"shape\": " + IntList(st.shape)
             : std::string()) +
        (st.op == value::kOpMask
             ? ", \"otherwise\": " +
                   JsonFloat(static_cast<float>(st.otherwise)) +
                   ", \"row_offset\": " + std::to_string(st.row_offset) +
                   ", \"col_step\": " + std::to_string(st.col_step) +
                   ", \"col_start\": " + std::to_string(st.col_start)
             : std::string()) +
        LoopJson(st.loop) + "}";
  }
  return s;
}

std::string StrList(const std::vector<std::string> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += (i ? ", " : "") + Quote(v[i]);
  }
  return s + "]";
}

std::vector<std::string> ArgNames(const ProgramInfo &info,
                                  const std::string &role) {
  std::vector<std::string> names;
  for (const RuntimeArg &a : info.KernelArgs(role)) {
    names.push_back(a.name);
  }
  return names;
}

/*! \brief C++ expression of runtime argument `arg` for core work `w`. */
std::string ArgValue(const RuntimeArg &arg) {
  const std::string &name = arg.name;
  // mcast2d's multicast args: in0_* / in1_* (McastReaderArgs), from the
  // per-core coordinates the host loop computes. (Known by their kind, not
  // their name: a tensor may be called in0.)
  if (arg.schema_index == kMcastArg) {
    const std::string p = name.substr(0, 3), field = name.substr(4);
    if (field == "cores")
      return p == "in0" ? "kCoresX" : "kCoresY";
    if (field == "index")
      return p == "in0" ? "work.x" : "work.y";
    if (field == "sender_sem" || field == "receiver_sem")
      return name;
    // start_x, end_y, ...: a CoreCoord's x or y.
    const std::string coord = field.substr(0, field.size() - 2);
    return "static_cast<uint32_t>(" + p + "_" + coord + "." +
           field.substr(field.size() - 1) + ")";
  }
  if (name == ir::kArgCoreBlockCols)
    return "kCoreBlockCols";
  if (name == ir::kArgStartId)
    return "work.start_id";
  if (name == ir::kArgCount)
    return "work.count";
  if (name == ir::kArgGridX)
    return "kGridX";
  if (name == ir::kArgGridY)
    return "kGridY";
  // <tensor>_addr
  return "static_cast<uint32_t>(" + name.substr(0, name.size() - 5) +
         "_buffer->address())";
}

void EmitSetRuntimeArgs(Writer &w, const ProgramInfo &info,
                        const std::string &role, const std::string &kernel) {
  std::vector<RuntimeArg> args = info.KernelArgs(role);
  // mcast2d's reader also gets its row's and column's NoC coordinates,
  // appended in a loop.
  const bool tables = role == ir::kRoleReader && info.Mcast();
  w.Line(tables ? "std::vector<uint32_t> " + kernel + "_args{"
                : "SetRuntimeArgs(program, " + kernel + ", core,");
  w.Indent();
  if (!tables) {
    w.Line("{");
    w.Indent();
  }
  for (size_t i = 0; i < args.size(); ++i) {
    w.Line(ArgValue(args[i]) + (i + 1 < args.size() ? "," : "") + "  // " +
           std::to_string(i) + ": " + args[i].name);
  }
  w.Dedent();
  if (!tables) {
    w.Line("});");
    w.Dedent();
    return;
  }
  w.Line("};");
  w.Line("// " + std::to_string(args.size()) +
         "...: the NoC x of each core of this row, then the NoC y of each "
         "core of this");
  w.Line("// column (the senders the reader's receivers answer).");
  w.Line("for (uint32_t x = 0; x < kCoresX; ++x) {");
  w.Line("  " + kernel +
         "_args.push_back(static_cast<uint32_t>(mesh_device->worker_core_from_"
         "logical_core(CoreCoord(x, work.y)).x));");
  w.Line("}");
  w.Line("for (uint32_t y = 0; y < kCoresY; ++y) {");
  w.Line("  " + kernel +
         "_args.push_back(static_cast<uint32_t>(mesh_device->worker_core_from_"
         "logical_core(CoreCoord(work.x, y)).y));");
  w.Line("}");
  w.Line("SetRuntimeArgs(program, " + kernel + ", core, " + kernel + "_args);");
}

/*! \brief The Float32 CBs compute copies into DST: the partials, an
 *         element-wise kernel's inputs, and a staged program's inputs and
 *         values that no reduction reads (UnpackToDestFp32; a reduction
 *         reads through the source registers, stages.h ReadsOf). */
std::vector<const CBInfo *> UnpackToDestCBs(const ProgramInfo &info) {
  std::vector<const CBInfo *> out;
  const bool staged = info.compute.op == value::kOpStages;
  for (const CBInfo &cb : info.cbs) {
    const bool staged_read =
        staged &&
        detail::UnpacksToDest(info.compute.stages, cb.index, cb.data_format);
    if (cb.data_format == value::kFormatFloat32 &&
        (cb.role == value::kCBRolePartials || staged_read ||
         (cb.role == value::kCBRoleInput &&
          info.compute.op == value::kOpEltwise))) {
      out.push_back(&cb);
    }
  }
  return out;
}

} // namespace

std::string EmitHostProgram(const ProgramInfo &info) {
  Writer w;
  const auto inputs = info.TensorsWithRole(value::kCBRoleInput);
  const auto outputs = info.TensorsWithRole(value::kCBRoleOutput);
  const int64_t bf16_tile = info.target.TileBytes(TileFormat::kBfloat16);
  const std::string tile_bytes = U(bf16_tile);
  const bool any_fp16 = std::any_of(
      info.tensors.begin(), info.tensors.end(), [](const TensorInfo &t) {
        return t.role != "unused" && t.dtype == "float16";
      });
  const CBInfo *partials = info.PartialsCB();
  w.Line("// Generated by tilelang-tt from the TileLang kernel '" +
         info.kernel_name + "' for TT-Metalium " + kTTMetaliumVersion +
         "; do not edit.");
  w.Line("//");
  w.Line("// Host program: runs the reader, compute and writer kernels of '" +
         info.kernel_name + "' on " + U(info.cores.size()) + " core(s) of a");
  w.Line("// " + info.target.arch + " unit mesh (" + U(info.grid_x) + " x " +
         U(info.grid_y) + " output blocks, " +
         (info.Mcast()
              ? std::string("mcast2d: tiled over a ") + U(info.cores_x) +
                    " x " + U(info.cores_y) + " core grid"
              : std::string("contiguous split")) +
         "; see tt.plan.json).");
  w.Line("//");
  w.Line("// Usage: main <artifact dir> [<data dir>]");
  for (const TensorInfo *t : inputs) {
    w.Line("//   reads  <data dir>/" + t->FileName() + " (" +
           DimsString(t->shape) + ")");
  }
  for (const TensorInfo *t : outputs) {
    w.Line("//   writes <data dir>/" + t->FileName() + " (" +
           DimsString(t->shape) + ")");
  }
  w.Line("// Tensor files hold raw little-endian values, row-major: bfloat16 "
         "(.bf16) or float32 (.f32). The kernels are");
  w.Line("// read from <artifact dir>; <data dir> defaults to it.");
  if (any_fp16) {
    w.Line("// float16 tensors (.f16) travel as their IEEE bit patterns "
           "(uint16_t), tilized unchanged.");
  }
  w.Line();
  for (const char *h :
       {"cstdint", "cstdio", "cstring", "exception", "filesystem", "fstream",
        "memory", "stdexcept", "string", "vector"}) {
    w.Line(std::string("#include <") + h + ">");
  }
  w.Line();
  if (!UnpackToDestCBs(info).empty()) {
    w.Line("#include <tt-metalium/circular_buffer_constants.h>");
  }
  for (const char *h :
       {"tt-metalium/bfloat16.hpp", "tt-metalium/distributed.hpp",
        "tt-metalium/host_api.hpp", "tt-metalium/tensor_accessor_args.hpp",
        "tt-metalium/tilize_utils.hpp"}) {
    w.Line(std::string("#include <") + h + ">");
  }
  w.Line();
  w.Line("using namespace tt;");
  w.Line("using namespace tt::tt_metal;");
  w.Line();
  w.Line("namespace {");
  w.Line();
  w.Line(any_fp16
             ? "// One 32x32 tile of 16-bit values (bf16 or fp16): the page "
               "size of their DRAM buffers and CBs."
             : "// One bf16 32x32 tile: the page size of every DRAM "
               "buffer and CB.");
  w.Line("constexpr uint32_t kTileBytes = " + tile_bytes + ";");
  w.Line();
  w.Line("// A tensor's logical shape and its shape padded to whole tiles in "
         "DRAM: batch matrices of rows x cols (batch 1 for a 2-D tensor, a 1-D "
         "vector one row or one column), each padded on its own. In the "
         "tensor's file, consecutive matrices are `inner` rows apart where "
         "its rows are not its second-last axis ((batch, seq, heads, dim) as "
         "(batch, heads) matrices of (seq, dim): inner = heads).");
  w.Line("struct TensorShape {");
  w.Line("  uint32_t batch, rows, cols, padded_rows, padded_cols;");
  w.Line("  uint32_t inner = 1;");
  w.Line("};");
  for (const TensorInfo &t : info.tensors) {
    const size_t r = t.matrix.size() - 2;
    int64_t batch = 1;
    for (size_t axis = 0; axis < r; ++axis) {
      batch *= t.matrix[axis];
    }
    w.Line("constexpr TensorShape k" + SafeIdent(t.name) + "Shape{" + U(batch) +
           ", " + U(t.matrix[r]) + ", " + U(t.matrix[r + 1]) + ", " +
           U(t.padded_shape[r]) + ", " + U(t.padded_shape[r + 1]) +
           (t.inner > 1 ? ", " + U(t.inner) : std::string()) + "};");
  }
  w.Line();
  w.Line("// Where row r of matrix b starts in the tensor's file (in values).");
  w.Line("size_t FileRow(const TensorShape& s, uint32_t b, uint32_t r) {");
  w.Line("  return ((size_t(b / s.inner) * s.rows + r) * s.inner + b % "
         "s.inner) * s.cols;");
  w.Line("}");
  w.Line();
  w.Line("// The schedule: each active core's logical coordinate, first output "
         "block and block count.");
  w.Line("struct CoreWork {");
  w.Line("  uint32_t x, y, start_id, count;");
  w.Line("};");
  w.Line("constexpr CoreWork kCoreWork[] = {");
  w.Indent();
  for (const CoreWork &c : info.cores) {
    w.Line("{" + U(c.x) + ", " + U(c.y) + ", " + U(c.start_id) + ", " +
           U(c.count) + "},");
  }
  w.Dedent();
  w.Line("};");
  w.Line();
  if (info.AnyKernelReads(ir::kArgGridX) ||
      info.AnyKernelReads(ir::kArgGridY)) {
    w.Line("// Runtime arguments every core shares.");
    if (info.AnyKernelReads(ir::kArgGridX)) {
      w.Line("constexpr uint32_t kGridX = " + U(info.grid_x) +
             ";  // output blocks along x");
    }
    if (info.AnyKernelReads(ir::kArgGridY)) {
      w.Line("constexpr uint32_t kGridY = " + U(info.grid_y) +
             ";  // output blocks along y");
    }
    w.Line();
  }
  if (info.Mcast()) {
    w.Line("// The mcast2d schedule: the output's blocks tiled over " +
           U(info.cores_x) + " x " + U(info.cores_y) + " cores, each core");
    w.Line("// a rectangle of " + U(info.core_block_rows) + " x " +
           U(info.core_block_cols) +
           " blocks (row after row from its start_id).");
    w.Line("constexpr uint32_t kCoresX = " + U(info.cores_x) + ";");
    w.Line("constexpr uint32_t kCoresY = " + U(info.cores_y) + ";");
    w.Line("constexpr uint32_t kCoreBlockCols = " + U(info.core_block_cols) +
           ";");
    w.Line();
  }
  // The smallest compute grid the active cores fit in.
  int64_t need_x = 0, need_y = 0;
  for (const auto &r : info.core_ranges) {
    need_x = std::max(need_x, r[2] + 1);
    need_y = std::max(need_y, r[3] + 1);
  }
  w.Line("// The compute grid the schedule needs (the active cores' bounding "
         "box).");
  w.Line("constexpr uint32_t kNeedGridX = " + U(need_x) + ";");
  w.Line("constexpr uint32_t kNeedGridY = " + U(need_y) + ";");
  w.Line();
  w.Line(std::string("// Read batch x rows x cols values of type T (") +
         (any_fp16 ? "bfloat16, float, or uint16_t for float16's bits"
                   : "bfloat16 or float") +
         ") and pad each matrix with zeros to the tile grid.");
  w.Line("template <typename T>");
  w.Line("std::vector<T> ReadTensor(const std::string& path, const "
         "TensorShape& s) {");
  w.Indent();
  w.Line("std::ifstream in(path, std::ios::binary);");
  w.Line("std::vector<T> raw(size_t(s.batch) * s.rows * s.cols);");
  w.Line("in.read(reinterpret_cast<char*>(raw.data()), raw.size() * "
         "sizeof(T));");
  w.Line("if (!in) {");
  w.Line("  throw std::runtime_error(path + \": cannot read \" + "
         "std::to_string(raw.size() * sizeof(T)) + \" bytes\");");
  w.Line("}");
  w.Line("std::vector<T> padded(size_t(s.batch) * s.padded_rows * "
         "s.padded_cols, T(0.0f));");
  w.Line("for (uint32_t b = 0; b < s.batch; ++b) {");
  w.Line("  for (uint32_t r = 0; r < s.rows; ++r) {");
  w.Line("    std::memcpy(&padded[(size_t(b) * s.padded_rows + r) * "
         "s.padded_cols], &raw[FileRow(s, b, r)], s.cols * sizeof(T));");
  w.Line("  }");
  w.Line("}");
  w.Line("return padded;");
  w.Dedent();
  w.Line("}");
  w.Line();
  w.Line("// Write the logical batch x rows x cols part of a padded row-major "
         "tensor.");
  w.Line("template <typename T>");
  w.Line("void WriteTensor(const std::string& path, const "
         "std::vector<T>& padded, const TensorShape& s) {");
  w.Indent();
  w.Line("std::vector<T> raw(size_t(s.batch) * s.rows * s.cols);");
  w.Line("for (uint32_t b = 0; b < s.batch; ++b) {");
  w.Line("  for (uint32_t r = 0; r < s.rows; ++r) {");
  w.Line("    std::memcpy(&raw[FileRow(s, b, r)], &padded[(size_t(b) * "
         "s.padded_rows + r) * s.padded_cols], s.cols * sizeof(T));");
  w.Line("  }");
  w.Line("}");
  w.Line("std::ofstream out(path, std::ios::binary);");
  w.Line("out.write(reinterpret_cast<const char*>(raw.data()), raw.size() * "
         "sizeof(T));");
  w.Line("if (!out) {");
  w.Line("  throw std::runtime_error(path + \": cannot write\");");
  w.Line("}");
  w.Dedent();
  w.Line("}");
  w.Line();
  w.Line("}  // namespace");
  w.Line();
  w.Line("int main(int argc, char** argv) {");
  w.Indent();
  w.Line("static_assert(sizeof(bfloat16) == sizeof(uint16_t), \"bfloat16 "
         "must be 2 bytes\");");
  w.Line("if (argc < 2) {");
  w.Line("  std::fprintf(stderr, \"usage: %s <artifact dir> [<data dir>]\\n\", "
         "argv[0]);");
  w.Line("  return 2;");
  w.Line("}");
  w.Line("// Absolute, so CreateKernel finds the kernels wherever the program "
         "runs.");
  w.Line("const std::string artifact_dir = "
         "std::filesystem::absolute(argv[1]).string();");
  w.Line("const std::string data_dir = argc > 2 ? argv[2] : artifact_dir;");
  w.Line("try {");
  w.Indent();
  w.Line("// Inputs: zero-padded to whole tiles, then tilized (32x32 tiles of "
         "four 16x16 faces; the matrices of a batch one after another).");
  for (const TensorInfo *t : inputs) {
    const std::string n = SafeIdent(t->name);
    w.Line("std::vector<" + t->HostType() + "> " + n +
           "_host = tilize_nfaces(ReadTensor<" + t->HostType() +
           ">(data_dir + \"/" + t->FileName() + "\", k" + n + "Shape), k" + n +
           "Shape.batch * k" + n + "Shape.padded_rows, k" + n +
           "Shape.padded_cols);");
  }
  w.Line();
  w.Line("// A 1x1 mesh: one device; its compute grid must hold the "
         "schedule.");
  w.Line("std::shared_ptr<distributed::MeshDevice> mesh_device = "
         "distributed::MeshDevice::create_unit_mesh(0);");
  w.Line(
      "const CoreCoord grid = mesh_device->compute_with_storage_grid_size();");
  w.Line("if (grid.x < kNeedGridX || grid.y < kNeedGridY) {");
  w.Line("  mesh_device->close();");
  w.Line("  throw std::runtime_error(\"this program was planned for a \" + "
         "std::to_string(kNeedGridX) + \" x \" + std::to_string(kNeedGridY) + "
         "\" compute grid (" +
         info.target.arch +
         "); the device has \" + std::to_string(grid.x) + \" x \" + "
         "std::to_string(grid.y) + \"; lower it with core_grid_x / "
         "core_grid_y that fit\");");
  w.Line("}");
  for (const TensorInfo *t : outputs) {
    w.Line("std::vector<" + t->HostType() + "> " + SafeIdent(t->name) +
           "_host;");
  }
  w.Line("{");
  w.Indent();
  w.Line("// The command queue, a workload and one program; they and the "
         "buffers live in");
  w.Line("// this scope, so they are released before the device is closed.");
  w.Line("distributed::MeshCommandQueue& cq = "
         "mesh_device->mesh_command_queue();");
  w.Line("distributed::MeshWorkload workload;");
  w.Line("distributed::MeshCoordinateRange "
         "device_range(mesh_device->shape());");
  w.Line("Program program = CreateProgram();");
  w.Line();
  w.Line("// The active cores, as rectangles of the " +
         U(info.target.core_grid_x) + " x " + U(info.target.core_grid_y) +
         " compute grid.");
  std::string ranges;
  for (const auto &r : info.core_ranges) {
    ranges += std::string(ranges.empty() ? "" : ", ") + "CoreRange(CoreCoord(" +
              U(r[0]) + ", " + U(r[1]) + "), CoreCoord(" + U(r[2]) + ", " +
              U(r[3]) + "))";
  }
  w.Line("CoreRangeSet cores(std::vector<CoreRange>{" + ranges + "});");
  w.Line();
  w.Line("// DRAM buffers, interleaved over the banks one tile (page) at a "
         "time.");
  w.Line("distributed::DeviceLocalBufferConfig dram_config{.page_size = "
         "kTileBytes, .buffer_type = BufferType::DRAM};");
  bool any_fp32 = false;
  for (const TensorInfo &t : info.tensors) {
    any_fp32 = any_fp32 || (t.role != "unused" && t.page_bytes != bf16_tile);
  }
  if (any_fp32) {
    w.Line("// float32 tensors: pages of one float32 tile.");
    w.Line("distributed::DeviceLocalBufferConfig dram_config_fp32{.page_size "
           "= " +
           U(info.target.TileBytes(TileFormat::kFloat32)) +
           ", .buffer_type = BufferType::DRAM};");
  }
  for (const TensorInfo &t : info.tensors) {
    if (t.role == "unused") {
      continue;
    }
    const std::string n = SafeIdent(t.name);
    const bool fp32 = t.page_bytes != bf16_tile;
    w.Line("auto " + n + "_buffer = distributed::MeshBuffer::create(");
    w.Line("    distributed::ReplicatedBufferConfig{.size = " +
           (fp32 ? U(t.page_bytes) : std::string("kTileBytes")) + " * " +
           U(t.num_tiles) + "}, " +
           (fp32 ? "dram_config_fp32" : "dram_config") +
           ", mesh_device.get());  // " + DimsString(t.tiles) + " tiles");
  }
  w.Line();
  w.Line("// Circular buffers: " + U(kCBDepth) +
         " blocks each, so data movement overlaps compute (double "
         "buffering).");
  if (partials != nullptr) {
    w.Line("// " + partials->name + " holds one block of partial sums in " +
           partials->data_format + " between K steps (compute's own).");
  }
  for (const CBInfo &cb : info.cbs) {
    const std::string idx = "CBIndex::c_" + U(cb.index);
    const std::string page = cb.page_bytes == bf16_tile
                                 ? std::string("kTileBytes")
                                 : U(cb.page_bytes);
    w.Line("CreateCircularBuffer(program, cores,  // " + cb.name + ": " +
           (cb.role == value::kCBRoleScaler
                ? std::string("the reduce scaler tile, written once")
            : cb.role == value::kCBRoleMask
                ? "the mask " + cb.buffer + " (written by the reader), " +
                      U(cb.block_tiles) + " tile(s) per step"
            : cb.role == value::kCBRoleIntermediate
                ? cb.buffer + " between compute's stages, " +
                      U(cb.block_tiles) + " tile(s) per block"
                : cb.tensor + ", " + U(cb.block_tiles) + " tile(s) per block"));
    w.Line("    CircularBufferConfig(" + U(cb.num_pages) + " * " + page +
           ", {{" + idx + ", DataFormat::" + cb.data_format +
           "}}).set_page_size(" + idx + ", " + page + "));");
  }
  if (info.Mcast()) {
    w.Line();
    w.Line("// The multicast handshake's semaphores (mcast2d schedule), on "
           "every core: a sender");
    w.Line("// counts its receivers' \"slot reserved\" increments in "
           "*_sender_sem; "
           "its multicast sets");
    w.Line("// each receiver's *_receiver_sem once the block has landed.");
    for (const char *p : {"in0", "in1"}) {
      for (const char *sem : {"sender", "receiver"}) {
        w.Line("const uint32_t " + std::string(p) + "_" + sem +
               "_sem = CreateSemaphore(program, cores, 0);");
      }
    }
  }
  w.Line();
  w.Line("// Kernels: the reader on RISCV_1 (NoC 1), the writer on RISCV_0 "
         "(NoC 0), compute on the TRISCs.");
  w.Line("// The tensor accessors' compile-time args are appended in the order "
         "the kernels chain them.");
  struct DM {
    const char *role, *var, *file, *riscv;
    std::vector<const TensorInfo *> tensors;
  };
  const std::vector<DM> dms = {
      {ir::kRoleReader, "reader", "reader.cpp", "RISCV_1", inputs},
      {ir::kRoleWriter, "writer", "writer.cpp", "RISCV_0", outputs}};
  for (const DM &dm : dms) {
    const std::string args = std::string(dm.var) + "_compile_args";
    w.Line("std::vector<uint32_t> " + args + ";");
    for (const TensorInfo *t : dm.tensors) {
      w.Line("TensorAccessorArgs(*" + SafeIdent(t->name) +
             "_buffer).append_to(" + args + ");");
    }
    w.Line("KernelHandle " + std::string(dm.var) +
           " = CreateKernel(program, "
           "artifact_dir + \"/" +
           dm.file + "\", cores,");
    w.Line("    DataMovementConfig{.processor = DataMovementProcessor::" +
           std::string(dm.riscv) + ", .noc = NOC::" + dm.riscv +
           "_default, .compile_args = " + args + "});");
  }
  const ComputeInfo &c = info.compute;
  if (c.op == value::kOpReduce) {
    w.Line("// Compute: " + c.c + " = the " + c.reduce + " of each " +
           (c.reduce_dim == value::kReduceDimRow ? "row" : "column") + " of " +
           c.a + " with a " + c.accumulator + " result, so DST holds " +
           (c.fp32_dest_acc_en ? "fp32" : "16-bit") + " values (" +
           U(c.dst_tiles) + " tiles in half-sync mode).");
  } else if (c.op == value::kOpStages) {
    std::string stages;
    for (const detail::ComputeStage &st : c.stages) {
      stages += (stages.empty() ? "" : ", then ") +
                (st.op == value::kOpReduce   ? "the " + st.reduce + " " + st.out
                 : st.op == value::kOpMatmul ? "the product " + st.out
                                             : "the update " + st.out);
    }
    w.Line("// Compute: " + c.c + " from " + c.a + " in stages (" + stages +
           "), so DST holds " + (c.fp32_dest_acc_en ? "fp32" : "16-bit") +
           " values (" + U(c.dst_tiles) + " tiles in half-sync mode).");
  } else if (c.op == value::kOpEltwise) {
    w.Line("// Compute: " + c.c + " from " + c.a +
           " element by element on the SFPU, so DST holds " +
           (c.fp32_dest_acc_en ? "fp32" : "fp16") + " values (" +
           U(c.dst_tiles) + " tiles in half-sync mode).");
  } else {
    w.Line("// Compute: " + c.c + " = " + c.a + " @ " + c.b + " with a " +
           c.accumulator + " accumulator, so DST holds " +
           (c.fp32_dest_acc_en ? "fp32" : "16-bit") + " values (" +
           U(c.dst_tiles) + " tiles in " +
           (c.dst_full_sync_en ? "full" : "half") + "-sync mode).");
  }
  // Float32 tiles compute copies into DST (partials, an element-wise
  // kernel's float32 inputs) go straight there: through SrcA they would keep
  // TF32 only.
  std::vector<const CBInfo *> to_dest = UnpackToDestCBs(info);
  const bool unpack_to_dest = !to_dest.empty();
  if (unpack_to_dest) {
    w.Line(partials != nullptr && to_dest.size() == 1
               ? "// Float32 partials are reloaded straight into fp32 DST: "
                 "through SrcA they would keep TF32 only."
               : "// Float32 tiles are copied straight into fp32 DST: "
                 "through SrcA they would keep TF32 only.");
    w.Line("std::vector<UnpackToDestMode> unpack_to_dest_mode("
           "NUM_CIRCULAR_BUFFERS, UnpackToDestMode::Default);");
    for (const CBInfo *cb : to_dest) {
      w.Line("unpack_to_dest_mode[CBIndex::c_" + U(cb->index) +
             "] = UnpackToDestMode::UnpackToDestFp32;");
    }
  }
  w.Line("KernelHandle compute = CreateKernel(program, artifact_dir + "
         "\"/compute.cpp\", cores,");
  w.Line(
      "    ComputeConfig{.math_fidelity = MathFidelity::" + c.math_fidelity +
      ", .fp32_dest_acc_en = " + (c.fp32_dest_acc_en ? "true" : "false") +
      ", .dst_full_sync_en = " + (c.dst_full_sync_en ? "true" : "false") +
      (unpack_to_dest ? ", .unpack_to_dest_mode = unpack_to_dest_mode" : "") +
      "});");
  w.Line();
  w.Line("// Runtime arguments of each core, in each kernel's read order.");
  w.Line("for (const CoreWork& work : kCoreWork) {");
  w.Indent();
  w.Line("const CoreCoord core(work.x, work.y);");
  if (info.Mcast()) {
    w.Line("// The multicasts: A's blocks to this core's row, B's to its "
           "column. The reader");
    w.Line("// multicasts on NoC 1, whose rectangles run from the larger NoC "
           "coordinates to the");
    w.Line("// smaller. Kernels address cores by NoC coordinate.");
    w.Line("const CoreCoord in0_start = "
           "mesh_device->worker_core_from_logical_core(CoreCoord(kCoresX - 1, "
           "work.y));");
    w.Line("const CoreCoord in0_end = "
           "mesh_device->worker_core_from_logical_core(CoreCoord(0, "
           "work.y));");
    w.Line("const CoreCoord in1_start = "
           "mesh_device->worker_core_from_logical_core(CoreCoord(work.x, "
           "kCoresY - 1));");
    w.Line("const CoreCoord in1_end = "
           "mesh_device->worker_core_from_logical_core(CoreCoord(work.x, "
           "0));");
  }
  EmitSetRuntimeArgs(w, info, ir::kRoleReader, "reader");
  EmitSetRuntimeArgs(w, info, ir::kRoleCompute, "compute");
  EmitSetRuntimeArgs(w, info, ir::kRoleWriter, "writer");
  w.Dedent();
  w.Line("}");
  w.Line();
  w.Line("// Upload the inputs, run the program, read the output back "
         "(blocking).");
  for (const TensorInfo *t : inputs) {
    const std::string n = SafeIdent(t->name);
    w.Line("distributed::EnqueueWriteMeshBuffer(cq, " + n + "_buffer, " + n +
           "_host, false);");
  }
  w.Line("workload.add_program(device_range, std::move(program));");
  w.Line("distributed::EnqueueMeshWorkload(cq, workload, false);");
  for (const TensorInfo *t : outputs) {
    const std::string n = SafeIdent(t->name);
    w.Line("distributed::EnqueueReadMeshBuffer(cq, " + n + "_host, " + n +
           "_buffer, true);");
  }
  w.Dedent();
  w.Line("}");
  w.Line("mesh_device->close();");
  w.Line();
  for (const TensorInfo *t : outputs) {
    const std::string n = SafeIdent(t->name);
    w.Line("// Back to row-major, cropped to the logical shape.");
    w.Line("WriteTensor(data_dir + \"/" + t->FileName() +
           "\", untilize_nfaces(" + n + "_host, k" + n + "Shape.batch * k" + n +
           "Shape.padded_rows, k" + n + "Shape.padded_cols), k" + n +
           "Shape);");
  }
  w.Dedent();
  w.Line("} catch (const std::exception& e) {");
  w.Line("  std::fprintf(stderr, \"%s: %s\\n\", argv[0], e.what());");
  w.Line("  return 1;");
  w.Line("}");
  w.Line("return 0;");
  w.Dedent();
  w.Line("}");
  return w.str();
}

std::string EmitPlanJson(const ProgramInfo &info) {
  Writer w;
  w.Line("{");
  w.Indent();
  w.Line("\"schema_version\": " + U(kPlanSchemaVersion) + ",");
  w.Line("\"tt_metalium_version\": " + Quote(kTTMetaliumVersion) + ",");
  w.Line("\"tt_metalium_wheel\": " + Quote(kTTMetaliumWheel) + ",");
  w.Line("\"kernel_name\": " + Quote(info.kernel_name) + ",");
  w.Line("\"arch\": " + Quote(info.target.arch) + ",");
  w.Line("\"core_grid\": {\"x\": " + U(info.target.core_grid_x) +
         ", \"y\": " + U(info.target.core_grid_y) + "},");
  w.Line("\"dram_banks\": " + U(info.target.dram_banks) + ",");
  w.Line("\"l1_bytes_per_core\": " + U(info.target.l1_bytes) + ",");
  w.Line("\"l1_unreserved_base\": " + U(info.target.l1_unreserved_base) + ",");
  // The cost model's facts of the arch (target.h ArchSpec), read by
  // tilelang_tt.estimate.
  w.Line("\"device\": " + DeviceFactsJson(ArchSpecOf(info.target.arch)) + ",");
  w.Line(
      "\"schedule\": {\"policy\": " + Quote(info.policy) +
      ", \"order\": " + Quote(info.order) + ", \"grid_x\": " + U(info.grid_x) +
      ", \"grid_y\": " + U(info.grid_y) + ", \"num_blocks\": " +
      U(info.num_blocks) + ", \"active_cores\": " + U(info.cores.size()) +
      (info.Mcast() ? ", \"cores_x\": " + U(info.cores_x) +
                          ", \"cores_y\": " + U(info.cores_y) +
                          ", \"core_block_rows\": " + U(info.core_block_rows) +
                          ", \"core_block_cols\": " + U(info.core_block_cols)
                    : std::string()) +
      "},");
  std::string ranges;
  for (const auto &r : info.core_ranges) {
    ranges += std::string(ranges.empty() ? "" : ", ") + IntList(r);
  }
  w.Line("\"core_ranges\": [" + ranges + "],");
  w.Line("\"cores\": [");
  w.Indent();
  for (size_t i = 0; i < info.cores.size(); ++i) {
    const CoreWork &c = info.cores[i];
    w.Line("{\"x\": " + U(c.x) + ", \"y\": " + U(c.y) +
           ", \"start_id\": " + U(c.start_id) + ", \"count\": " + U(c.count) +
           "}" + (i + 1 < info.cores.size() ? "," : ""));
  }
  w.Dedent();
  w.Line("],");
  w.Line("\"runtime_args\": {");
  w.Indent();
  w.Line("\"schema\": " + StrList(info.schema) + ",");
  w.Line("\"shared_values\": {\"grid_x\": " + U(info.grid_x) +
         ", \"grid_y\": " + U(info.grid_y) +
         (info.Mcast() ? ", \"core_block_cols\": " + U(info.core_block_cols)
                       : std::string()) +
         "}");
  w.Dedent();
  w.Line("},");
  w.Line("\"cbs\": [");
  w.Indent();
  for (size_t i = 0; i < info.cbs.size(); ++i) {
    const CBInfo &cb = info.cbs[i];
    w.Line("{\"index\": " + U(cb.index) + ", \"name\": " + Quote(cb.name) +
           ", \"role\": " + Quote(cb.role) + ", \"tensor\": " +
           Quote(cb.tensor) + ", \"data_format\": " + Quote(cb.data_format) +
           ", \"page_bytes\": " + U(cb.page_bytes) + ", \"pages\": " +
           U(cb.num_pages) + ", \"block_tiles\": " + U(cb.block_tiles) + "}" +
           (i + 1 < info.cbs.size() ? "," : ""));
  }
  w.Dedent();
  w.Line("],");
  w.Line("\"l1_bytes_used_per_core\": " + U(info.L1Bytes()) + ",");
  const ComputeInfo &c = info.compute;
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  // An element-wise kernel's c = epilogue(a) has no b and no transposes.
  // A reduction's c[i] = reduce(a[i, :]) names its reduction instead.
  const std::string operands =
      c.op == value::kOpEltwise
          ? ", \"a\": " + Quote(c.a) + ", \"c\": " + Quote(c.c)
      : c.op == value::kOpStages
          ? ", \"a\": " + Quote(c.a) + ", \"c\": " + Quote(c.c) +
                ", \"stages\": [" + StagesJson(c.stages) + "]"
      : c.op == value::kOpReduce
          ? ", \"a\": " + Quote(c.a) + ", \"c\": " + Quote(c.c) +
                ", \"reduce\": " + Quote(c.reduce) +
                ", \"reduce_dim\": " + Quote(c.reduce_dim)
          : ", \"a\": " + Quote(c.a) + ", \"b\": " + Quote(c.b) +
                ", \"c\": " + Quote(c.c) +
                ", \"transpose_a\": " + flag(c.transpose_a) +
                ", \"transpose_b\": " + flag(c.transpose_b);
  w.Line("\"compute\": {\"op\": " + Quote(c.op) + operands +
         ", \"accumulator\": " + Quote(c.accumulator) +
         ", \"fp32_dest_acc_en\": " + flag(c.fp32_dest_acc_en) +
         ", \"dst_full_sync_en\": " + flag(c.dst_full_sync_en) +
         ", \"dst_tiles\": " + U(c.dst_tiles) +
         ", \"math_fidelity\": " + Quote(c.math_fidelity) +
         ", \"subblock\": [" + U(c.sub_h) + ", " + U(c.sub_w) +
         "], \"partials\": " + flag(c.partials) + ", \"batch\": " + U(c.batch) +
         ", \"epilogue\": [" + EpilogueJson(c.epilogue) + "]},");
  w.Line("\"buffers\": {");
  w.Indent();
  for (size_t i = 0; i < info.tensors.size(); ++i) {
    const TensorInfo &t = info.tensors[i];
    w.Line(Quote(t.name) + ": {\"role\": " + Quote(t.role) +
           ", \"dtype\": " + Quote(t.dtype) +
           ", \"layout\": " + Quote(value::kLayoutDramInterleaved) +
           ", \"shape\": " + IntList(t.shape) +
           (t.matrix != t.shape ? ", \"matrix\": " + IntList(t.matrix) : "") +
           (t.axes.empty() ? "" : ", \"axes\": " + IntList(t.axes)) +
           ", \"padded_shape\": " + IntList(t.padded_shape) + ", \"tiles\": " +
           IntList(t.tiles) + ", \"num_tiles\": " + U(t.num_tiles) +
           ", \"page_bytes\": " + U(t.page_bytes) + ", \"dram_banks\": " +
           U(info.target.dram_banks) + ", \"file\": " + Quote(t.FileName()) +
           "}" + (i + 1 < info.tensors.size() ? "," : ""));
  }
  w.Dedent();
  w.Line("},");
  w.Line("\"kernels\": [");
  w.Indent();
  auto tensor_names = [&](const std::string &role) {
    std::vector<std::string> names;
    for (const TensorInfo *t : info.TensorsWithRole(role)) {
      names.push_back(t->name);
    }
    return names;
  };
  w.Line("{\"name\": \"reader\", \"file\": \"reader.cpp\", \"processor\": "
         "\"RISCV_1\", \"noc\": \"RISCV_1_default\", "
         "\"compile_args\": {\"tensor_accessors\": " +
         StrList(tensor_names(value::kCBRoleInput)) + "}, \"runtime_args\": " +
         StrList(ArgNames(info, ir::kRoleReader)) + "},");
  w.Line("{\"name\": \"compute\", \"file\": \"compute.cpp\", \"processor\": "
         "\"TRISC\", \"math_fidelity\": " +
         Quote(c.math_fidelity) +
         ", \"fp32_dest_acc_en\": " + flag(c.fp32_dest_acc_en) +
         ", \"dst_full_sync_en\": " + flag(c.dst_full_sync_en) +
         ", \"compile_args\": {\"tensor_accessors\": []}, \"runtime_args\": " +
         StrList(ArgNames(info, ir::kRoleCompute)) + "},");
  w.Line("{\"name\": \"writer\", \"file\": \"writer.cpp\", \"processor\": "
         "\"RISCV_0\", \"noc\": \"RISCV_0_default\", "
         "\"compile_args\": {\"tensor_accessors\": " +
         StrList(tensor_names(value::kCBRoleOutput)) + "}, \"runtime_args\": " +
         StrList(ArgNames(info, ir::kRoleWriter)) + "}");
  w.Dedent();
  w.Line("]");
  w.Dedent();
  w.Line("}");
  return w.str();
}

} // namespace codegen
} // namespace tilelang_tt
