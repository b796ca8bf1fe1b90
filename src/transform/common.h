/*!
 * \file common.h
 * \brief Helpers shared by the TT passes: reading the bound target and the
 *        map-valued attributes, decoding TileLang tile ops, reporting errors.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_COMMON_H_
#define TILELANG_TT_SRC_TRANSFORM_COMMON_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/ffi/string.h>
#include <tvm/ir/expr.h>
#include <tvm/tirx/buffer.h>
#include <tvm/tirx/expr.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt.h>

#include <optional>
#include <string>
#include <vector>

#include "tilelang_tt/target.h"

namespace tilelang_tt {
namespace detail {

using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;

/*! \brief The global symbol of a PrimFunc, for error messages. */
std::string FuncName(const tvm::tirx::PrimFunc &f);

/*!
 * \brief The target bound to `f` (by tirx.BindTarget) as TTTargetInfo.
 * \param pass Name of the calling pass, for the error message.
 */
TTTargetInfo RequireTTTarget(const tvm::tirx::PrimFunc &f, const char *pass);

/*!
 * \brief A map-valued function attribute written by an earlier pass.
 * \param producer Pass that writes it, named in the error when it is missing.
 */
Map<String, Any> RequireMapAttr(const tvm::tirx::PrimFunc &f, const char *key,
                                const char *pass, const char *producer);

/*! \brief An integer field of a map-valued attribute. */
int64_t IntField(const Map<String, Any> &map, const char *key);

/*! \brief A string field of a map-valued attribute. */
bool BoolField(const Map<String, Any> &map, const char *key);
std::string StrField(const Map<String, Any> &map, const char *key);

/*! \brief An array-of-integers field of a map-valued attribute. */
std::vector<int64_t> IntArrayField(const Map<String, Any> &map,
                                   const char *key);

/*! \brief Array<Integer> from int64 values (attribute values). */
Array<tvm::Integer> ToIntegerArray(const std::vector<int64_t> &values);

/*! \brief Constant shape of a buffer, or a ValueError naming it. */
std::vector<int64_t> StaticShape(const tvm::tirx::Buffer &buffer,
                                 const std::string &func_name);

/*! \brief "(a, b)" */
std::string ShapeString(const std::vector<int64_t> &shape);

/*! \brief The last two axes of a shape: the matrix of a batched one. */
std::vector<int64_t> MatrixShape(const std::vector<int64_t> &shape);

/*! \brief The element type of a buffer as TVM spells it ("bfloat16"). */
std::string DtypeString(const tvm::tirx::Buffer &buffer);

/*! \brief The launch grid of a TileLang kernel (T.Kernel's blockIdx loops). */
struct LaunchGrid {
  /*! \brief The blockIdx.x / blockIdx.y / blockIdx.z thread-binding loops
   *         (y and z may be missing: extent 1). */
  tvm::tirx::For x_loop;
  tvm::tirx::For y_loop;
  tvm::tirx::For z_loop;
  int64_t grid_x = 0;
  int64_t grid_y = 0;
  int64_t grid_z = 1;
};

/*!
 * \brief Find the blockIdx loops of `f`.
 *
 * Errors (ValueError naming the function): no T.Kernel launch, more than one
 * launch, a non-constant extent.
 */
LaunchGrid FindLaunchGrid(const tvm::tirx::PrimFunc &f);

/*! \brief A decoded `tl.region(buffer[min...], access_mask, extent...)`. */
struct RegionOperand {
  tvm::tirx::Buffer buffer;
  Array<tvm::PrimExpr> mins;
  std::vector<int64_t> extents;
};

/*!
 * \brief Decode a tile-op operand that is a `tl.region` call.
 * \param what Describes the operand in the error message.
 */
RegionOperand DecodeRegion(const tvm::PrimExpr &arg, const std::string &what);

/*! \brief `call` is the TileLang tile op `tl.tileop.<name>`. */
bool IsTileOp(const tvm::tirx::CallNode *call, const char *name);

/*! \brief Short text of an expression/statement for error messages. */
std::string Brief(const tvm::ffi::ObjectRef &node);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_COMMON_H_
