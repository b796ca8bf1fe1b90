/*!
 * \file program_info.h
 * \brief The plan of one lowered TT kernel, read once from the attributes of
 *        the TT-annotated PrimFunc, and shared by every emitter.
 */
#ifndef TILELANG_TT_SRC_CODEGEN_PROGRAM_INFO_H_
#define TILELANG_TT_SRC_CODEGEN_PROGRAM_INFO_H_

#include <tvm/tirx/function.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../transform/epilogue.h"
#include "../transform/stages.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/data_format.h"
#include "tilelang_tt/target.h"

namespace tilelang_tt {
namespace codegen {

/*! \brief The TT-Metalium release the emitted code is written against. */
constexpr const char *kTTMetaliumVersion = "v0.81.1";
/*! \brief PyPI wheel that ships that release's headers (issue #9 checks). */
constexpr const char *kTTMetaliumWheel = "ttnn==0.81.1";
/*! \brief Version of tt.plan.json's layout. */
constexpr int kPlanSchemaVersion = 16;

/*! \brief A global tensor (tt.buffers entry). */
struct TensorInfo {
  std::string name;
  /*! \brief The tensor's data var in the TIR body. */
  const tvm::tirx::VarNode *data = nullptr;
  std::vector<int64_t> shape, padded_shape, tiles;
  /*! \brief The matrix (or batch of matrices) the tensor is stored as: its
   *         shape, or (1, n) / (n, 1) for a 1-D row / column vector. */
  std::vector<int64_t> matrix;
  /*! \brief Matrices of the stored order that are consecutive rows apart
   *         in the tensor's own layout: 1, or for a batched tensor whose
   *         rows are not its second-last axis, the product of the axes after
   *         the rows' (the heads of a (batch, seq, heads, dim) tensor stored
   *         as (batch, heads) matrices of (seq, dim)). */
  int64_t inner = 1;
  /*! \brief The stored order of a batched tensor's axes when not its own
   *         (tt.buffers `axes`), else empty. */
  std::vector<int64_t> axes;
  int64_t page_bytes = 0, num_tiles = 0;
  /*! \brief "bfloat16", "float16" or "float32". */
  std::string dtype;
  /*! \brief Its tile format (data_format.h). */
  const TileFormatSpec &Format() const { return SpecOf(*TileFormatOf(dtype)); }
  /*! \brief The host's element type ("bfloat16", "uint16_t", "float") and
   *         the tensor file's name ("A.bf16", "A.f16", "A.f32"). */
  std::string HostType() const { return Format().host_type; }
  std::string FileName() const { return name + Format().file_suffix; }
  /*! \brief "input" (read by the reader) or "output" (written by the writer).
   */
  std::string role;
};

/*! \brief A circular buffer (tt.cbs entry). */
struct CBInfo {
  int64_t index = 0;
  std::string name, role, buffer, tensor, data_format;
  int64_t page_bytes = 0, block_tiles = 0, num_pages = 0;
};

/*! \brief One active core's share of the blocks. */
struct CoreWork {
  int64_t x = 0, y = 0, start_id = 0, count = 0;
};

/*! \brief One runtime argument of a kernel. */
struct RuntimeArg {
  std::string name;
  std::string comment;
  /*! \brief Position in tt.runtime_args, -1 for a tensor address, or
   *         kMcastArg for an mcast2d reader's multicast argument. */
  int64_t schema_index = -1;
};
constexpr int64_t kMcastArg = -2;

/*! \brief What the program computes and how (tt.compute). */
struct ComputeInfo {
  std::string op, a, b, c, accumulator, math_fidelity;
  bool transpose_a = false, transpose_b = false;
  bool fp32_dest_acc_en = false, dst_full_sync_en = false;
  int64_t dst_tiles = 0;
  /*! \brief DST sub-block (tiles) and whether partial sums go through the
   *         partials CB between K steps (target.h DstPlan). */
  int64_t sub_h = 0, sub_w = 0;
  bool partials = false;
  /*! \brief Matrices in c (1 unless c is batched). */
  int64_t batch = 1;
  /*! \brief Element-wise ops on the accumulator before it is packed. */
  std::vector<detail::EpilogueOp> epilogue;
  /*! \brief op reduce: kReduceSum or kReduceMax, along kReduceDimRow or
   *         kReduceDimCol. */
  std::string reduce, reduce_dim;
  /*! \brief op stages: the stages in order (stages.h). */
  std::vector<detail::ComputeStage> stages;
  /*! \brief The reduction along kReduceDimRow / kReduceDimCol the program
   *         makes (op reduce, or a reduce stage); empty if none. */
  std::string ReduceDim() const {
    for (const detail::ComputeStage &s : stages) {
      if (s.op == value::kOpReduce) {
        return s.reduce_dim;
      }
    }
    return reduce_dim;
  }
};

/*! \brief Everything the emitters need. */
struct ProgramInfo {
  std::string kernel_name;
  TTTargetInfo target;
  std::string policy, order;
  int64_t grid_x = 0, grid_y = 0, num_blocks = 0;
  /*! \brief mcast2d: the core grid the output is tiled over and each
   *         core's rectangle of blocks (tt.schedule). */
  int64_t cores_x = 0, cores_y = 0, core_block_rows = 0, core_block_cols = 0;
  bool Mcast() const { return policy == value::kPolicyMcast2D; }
  std::vector<TensorInfo> tensors; // parameter order
  std::vector<CBInfo> cbs;         // index order
  std::vector<CoreWork> cores;     // core order
  std::vector<std::vector<int64_t>> core_ranges;
  /*! \brief tt.runtime_args: the per-core schema shared by all kernels. */
  std::vector<std::string> schema;
  /*! \brief Kernel role -> positions in `schema` that kernel reads. Set by
   *         the build from the role projection (SchemaArgsRead) before any
   *         artifact is emitted; a kernel receives only those. */
  std::map<std::string, std::set<int64_t>> schema_read;
  ComputeInfo compute;

  const TensorInfo &Tensor(const tvm::tirx::VarNode *data) const;
  const CBInfo &CB(int64_t index) const;
  /*! \brief `cb` holds a float16 tensor's tiles as float32: the reader
   *         widens each tile it reads, the writer narrows each it writes
   *         (data_format.h WidensFloat16). */
  bool Widened(const CBInfo &cb) const;
  /*! \brief The partials CB, or nullptr. */
  const CBInfo *PartialsCB() const;
  std::vector<const TensorInfo *>
  TensorsWithRole(const std::string &role) const;
  /*! \brief Runtime args of the reader / writer / compute kernel: DRAM
   *         addresses of the tensors it moves, then the schema entries it
   *         reads (schema_read), in schema order. */
  std::vector<RuntimeArg> KernelArgs(const std::string &role) const;
  /*! \brief Some kernel reads schema entry `name`. */
  bool AnyKernelReads(const std::string &name) const;
  int64_t L1Bytes() const;
};

/*!
 * \brief Read the plan from a PrimFunc that went through the TT pipeline.
 * \throws ValueError naming the missing attribute.
 */
ProgramInfo ReadProgramInfo(const tvm::tirx::PrimFunc &f);

/*! \brief "4 x 2" (or "2 x 4 x 2"): a shape in comments. */
std::string DimsString(const std::vector<int64_t> &dims);

/*! \brief `name` if it is a safe C++ identifier here, else `name_`. */
std::string SafeIdent(const std::string &name);

} // namespace codegen
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_CODEGEN_PROGRAM_INFO_H_
