// tt_sim/matrix_unit.hpp -- the numerics of matmul_tiles and pack_tile.
//
// Models what the Tensix matrix unit (FPU) and packer compute, per
// src/sim/README.md (each rule there names its source):
//   - matmul_tiles(in0, in1) unpacks the in0 tile into SrcB and the in1 tile
//     into SrcA (bf16 is exact there; denormals are flushed) and issues
//     MVMULs: Dst[8x16] += SrcB[8x16] @ SrcA[16x16], i.e. one K-face of 16
//     products per element at a time. With math fidelity of P phases each
//     product is formed in P passes from slices of the operands' mantissas
//     (SrcA: implicit bit + top 4 bits, then the low 3; SrcB: implicit bit +
//     top 6, then the low 1), and each pass is a separate MVMUL. So every DST
//     element receives, for each phase and each of the two K-faces in that
//     order, the fp32 sum of 16 partial products.
//   - Each of those additions is written to DST in its mode's precision:
//     fp32 with fp32_dest_acc_en; otherwise rounded to TF32 and then to bf16,
//     both to nearest with ties away from zero. Denormal results are flushed.
//   - pack_tile converts fp32 DST to bf16 by rounding to nearest with ties
//     away from zero (denormals flushed, NaN becomes infinity); 16-bit DST
//     already holds bf16 values and is copied.
// With fp32 DST and HiFi4 the four passes of one K-face are added to DST as
// one sum (their slices add up to the exact product); the difference is in
// the last bits of fp32 (README: "approximations").
#pragma once

#include <cstdint>

#include "tt_sim/dst_register_file.hpp"

namespace tt_sim {

/// dst (one DST tile, 4-face layout) += a @ b for the bf16 tiles a (in0,
/// 4-face layout) and b (in1), as matmul_tiles computes it in `mode`.
void MatmulTile(const uint16_t *a, const uint16_t *b, float *dst,
                const DstMode &mode);

/// The bf16 bits pack_tile writes for the DST value `v` in `mode`.
uint16_t PackToBf16(float v, const DstMode &mode);

/// The value DST holds after the FPU writes the fp32 result `v` in `mode`.
float WriteDst(float v, const DstMode &mode);

} // namespace tt_sim
