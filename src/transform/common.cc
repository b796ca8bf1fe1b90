/*!
 * \file common.cc
 * \brief Helpers shared by the TT passes.
 */

#include "common.h"

#include <tvm/ffi/error.h>
#include <tvm/ir/op.h>
#include <tvm/target/target.h>
#include <tvm/tirx/stmt_functor.h>

#include <algorithm>
#include <sstream>

#include "tilelang_tt/attr.h"

namespace tilelang_tt {
namespace detail {

using tvm::PrimExpr;
using tvm::tirx::Buffer;
using tvm::tirx::CallNode;
using tvm::tirx::For;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;

std::string FuncName(const PrimFunc &f) {
  auto name = f->GetAttr<String>(tvm::attr::kGlobalSymbol);
  return name ? std::string(name.value()) : std::string("<anonymous>");
}

TTTargetInfo RequireTTTarget(const PrimFunc &f, const char *pass) {
  auto target = f->GetAttr<tvm::Target>(tvm::attr::kTarget);
  if (!target) {
    TVM_FFI_THROW(ValueError)
        << pass << ": PrimFunc '" << FuncName(f)
        << "' has no target; run tirx.BindTarget with a tenstorrent target "
           "first.";
  }
  return TTTargetInfo::FromTarget(target.value());
}

Map<String, Any> RequireMapAttr(const PrimFunc &f, const char *key,
                                const char *pass, const char *producer) {
  auto value = f->GetAttr<Map<String, Any>>(key);
  if (!value) {
    TVM_FFI_THROW(ValueError)
        << pass << ": PrimFunc '" << FuncName(f) << "' has no '" << key
        << "' attribute; run " << producer << " first.";
  }
  return value.value();
}

int64_t IntField(const Map<String, Any> &map, const char *key) {
  return map.at(key).cast<int64_t>();
}

bool BoolField(const Map<String, Any> &map, const char *key) {
  return map.at(key).cast<bool>();
}

std::string StrField(const Map<String, Any> &map, const char *key) {
  return map.at(key).cast<String>();
}

std::vector<int64_t> IntArrayField(const Map<String, Any> &map,
                                   const char *key) {
  std::vector<int64_t> out;
  for (const tvm::Integer &v : map.at(key).cast<Array<tvm::Integer>>()) {
    out.push_back(v->value);
  }
  return out;
}

Array<tvm::Integer> ToIntegerArray(const std::vector<int64_t> &values) {
  Array<tvm::Integer> out;
  for (int64_t v : values) {
    out.push_back(tvm::Integer(v));
  }
  return out;
}

std::vector<int64_t> StaticShape(const Buffer &buffer,
                                 const std::string &func_name) {
  std::vector<int64_t> shape;
  for (const PrimExpr &dim : buffer->shape) {
    const auto *imm = dim.as<tvm::IntImmNode>();
    if (imm == nullptr) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_name << "': buffer '" << buffer->name
          << "' has a dynamic shape " << buffer->shape
          << "; the Tenstorrent backend supports static shapes only.";
    }
    shape.push_back(imm->value);
  }
  return shape;
}

std::string ShapeString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    os << (i ? ", " : "") << shape[i];
  }
  os << (shape.size() == 1 ? ",)" : ")");
  return os.str();
}

std::vector<int64_t> MatrixShape(const std::vector<int64_t> &shape) {
  return std::vector<int64_t>(shape.end() - std::min<size_t>(2, shape.size()),
                              shape.end());
}

std::string DtypeString(const Buffer &buffer) {
  return tvm::ffi::DLDataTypeToString(buffer->dtype);
}

namespace {

/*! \brief Collects the thread-binding loops over blockIdx.{x,y,z}. */
class LaunchLoopCollector : public tvm::tirx::StmtVisitor {
public:
  std::vector<For> x, y, z;

private:
  void VisitStmt_(const ForNode *op) final {
    if (op->kind == tvm::tirx::ForKind::kThreadBinding && op->thread_binding) {
      const std::string tag = op->thread_binding.value()->thread_tag;
      For loop = tvm::ffi::GetRef<For>(op);
      if (tag == "blockIdx.x") {
        x.push_back(loop);
      } else if (tag == "blockIdx.y") {
        y.push_back(loop);
      } else if (tag == "blockIdx.z") {
        z.push_back(loop);
      }
    }
    StmtVisitor::VisitStmt_(op);
  }
};

int64_t ConstExtent(const For &loop, const std::string &func_name) {
  const auto *imm = loop->extent.as<tvm::IntImmNode>();
  if (imm == nullptr) {
    TVM_FFI_THROW(ValueError)
        << "PrimFunc '" << func_name << "': the launch grid extent "
        << loop->extent << " of " << loop->loop_var->name_hint
        << " is dynamic; the Tenstorrent backend supports static grids only.";
  }
  return imm->value;
}

} // namespace

LaunchGrid FindLaunchGrid(const PrimFunc &f) {
  const std::string name = FuncName(f);
  LaunchLoopCollector collector;
  collector(f->body);
  if (collector.x.empty()) {
    TVM_FFI_THROW(ValueError)
        << "PrimFunc '" << name
        << "' has no T.Kernel launch (no blockIdx.x loop); the Tenstorrent "
           "backend lowers kernels written with T.Kernel(grid_x, grid_y).";
  }
  if (collector.x.size() > 1 || collector.y.size() > 1 ||
      collector.z.size() > 1) {
    TVM_FFI_THROW(ValueError)
        << "PrimFunc '" << name
        << "' launches more than one T.Kernel; one launch per PrimFunc is "
           "supported.";
  }
  LaunchGrid grid;
  grid.x_loop = collector.x.front();
  grid.grid_x = ConstExtent(grid.x_loop, name);
  if (!collector.y.empty()) {
    grid.y_loop = collector.y.front();
    grid.grid_y = ConstExtent(grid.y_loop, name);
  } else {
    grid.grid_y = 1;
  }
  if (!collector.z.empty()) {
    grid.z_loop = collector.z.front();
    grid.grid_z = ConstExtent(grid.z_loop, name);
  }
  return grid;
}

RegionOperand DecodeRegion(const PrimExpr &arg, const std::string &what) {
  static const tvm::Op &region_op = tvm::Op::Get("tl.region");
  const auto *call = arg.as<CallNode>();
  if (call == nullptr || !call->op.same_as(region_op) ||
      call->args.size() < 3) {
    TVM_FFI_THROW(ValueError)
        << what << ": expected a buffer region, got " << Brief(arg) << ".";
  }
  const auto *load = call->args[0].as<tvm::tirx::BufferLoadNode>();
  if (load == nullptr || load->indices.size() + 2 != call->args.size()) {
    TVM_FFI_THROW(ValueError)
        << what << ": malformed tl.region " << Brief(arg) << ".";
  }
  RegionOperand out;
  out.buffer = load->buffer;
  out.mins = load->indices;
  for (size_t i = 2; i < call->args.size(); ++i) {
    const auto *imm = call->args[i].as<tvm::IntImmNode>();
    if (imm == nullptr) {
      TVM_FFI_THROW(ValueError)
          << what << ": region of buffer '" << load->buffer->name
          << "' has a dynamic extent " << call->args[i]
          << "; only static tile shapes are supported.";
    }
    out.extents.push_back(imm->value);
  }
  return out;
}

bool IsTileOp(const CallNode *call, const char *name) {
  const auto *op = call->op.as<tvm::OpNode>();
  return op != nullptr && op->name == std::string("tl.tileop.") + name;
}

std::string Brief(const tvm::ffi::ObjectRef &node) {
  std::ostringstream os;
  os << node;
  std::string text = os.str();
  constexpr size_t kMax = 160;
  if (text.size() > kMax) {
    text = text.substr(0, kMax) + "...";
  }
  return text;
}

} // namespace detail
} // namespace tilelang_tt
