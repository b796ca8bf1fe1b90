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
