// tt_sim/matrix_unit.hpp -- the numerics of matmul_tiles and pack_tile.
//
// Models what the Tensix matrix unit (FPU) and packer compute, per
// src/sim/README.md (each rule there names its source):
//   - matmul_tiles(in0, in1) unpacks the in0 tile into SrcB and the in1 tile
//     into SrcA and issues MVMULs: Dst[8x16] += SrcB[8x16] @ SrcA[16x16],
//     i.e. one K-face of 16 products per element at a time. bf16 and fp16
//     are exact in the source registers, fp32 becomes TF32 (its low 13
//     mantissa bits dropped); an exponent-0 datum (zero or denormal) is a
//     zero, and fp16's exponent 31 is a finite binade (FloatBitPatterns.md).
//   - With math fidelity of P phases each product is formed in P passes from
//     slices of the operands' mantissas, each pass a separate MVMUL: SrcA
//     contributes its implicit bit + top 4 mantissa bits, then the next 3
//     (bf16) or 5 (fp16, TF32: the last bit is never used); SrcB its
//     implicit bit + top 6, then the rest (1 bit of bf16, 4 of fp16 / TF32). So
//     every DST element receives, for each phase and each of the two K-faces in
//     that order, the fp32 sum of 16 partial products.
//   - Each of those additions is written to DST in its mode's precision:
//     fp32 with fp32_dest_acc_en; otherwise rounded to TF32 and then to
//     bf16 (bf16 sources), or to fp16 (fp16 sources: 2^-14 to 131008, a
//     smaller magnitude flushed, a larger one saturated), to nearest with
//     ties away from zero. Denormal results are flushed.
//   - pack_tile converts fp32 DST to bf16 by rounding to nearest with ties
//     away from zero (denormals flushed, NaN becomes infinity), and to fp16
//     through that same bf16 value (the release packs fp32 DST into a
//     Float16 CB from a Float16_b intermediate); 16-bit DST already holds
//     the CB's format and is copied.
// With fp32 DST and HiFi4 the four passes of one K-face are added to DST as
// one sum (their slices add up to the product of the operands as the
// multiplier sees them); the difference is in the last bits of fp32
// (README: "approximations").
#pragma once

#include <cstdint>

#include "tt_sim/data_format.hpp"
#include "tt_sim/dst_register_file.hpp"

namespace tt_sim {

/// dst (one DST tile, 4-face layout) += a @ b for the tiles a (in0, 4-face
/// layout, in format `fa`) and b (in1, `fb`), as matmul_tiles computes it
/// in `mode`. Formats: Float16_b, Float16, or Float32 (read as TF32).
void MatmulTile(const void *a, Format fa, const void *b, Format fb, float *dst,
                const DstMode &mode);

/// dst (one DST tile) += the sums along the rows of `data`, as
/// reduce_tile<SUM, REDUCE_ROW> computes them: MVMULs with the data tile in
/// SrcB and the scaler tile, each face transposed, in SrcA, so DST column c
/// of row r gets sum_k data[r][k] * scaler[c][k] (column 0: the row sum with
/// a scaler of ones in the first row of its faces), with matmul_tiles'
/// fidelity phases, K-face order and DST rounding. Only DST faces 0 and 2
/// (columns 0..15) are written.
void ReduceRowSumTile(const void *data, Format fd, const void *scaler,
                      Format fs, float *dst, const DstMode &mode);

/// The maximum of each row (REDUCE_ROW: into column 0 of dst) or of each
/// column (`columns`, REDUCE_COL: into row 0) of the tile `data` (format
/// `fd`: Float16_b, or Float32 read as TF32) and of what that DST datum held
/// (minus infinity where the tile is `undefined`), as reduce_tile<MAX, ...>
/// computes it: GMPOOL's comparison of sign, exponent and the source's 7
/// (bf16) or 10 (TF32) mantissa bits (an exponent-0 datum is +0; a NaN
/// pattern beats infinity), a scaler of 1.0. The other datums become 0 (the
/// packer's edge mask writes only that column / row).
void ReduceMaxTile(const void *data, Format fd, float *dst, bool undefined,
                   bool columns, const DstMode &mode);

/// Row 0 of dst += the sums down the columns of the tile `data` (format
/// `fd`: Float16_b, or Float32 read as TF32 without its last bit), as
/// reduce_tile<SUM, REDUCE_COL> computes them with GAPOOL: the scaler's
/// first row (of the data face's own scaler face) in SrcB times the data in
/// SrcA, face after face (0 then 2, 1 then 3), each face in all its fidelity
/// phases before the next, every phase its own write to DST. Rows 1..3 of
/// the first face rows become 0.
void ReduceColSumTile(const void *data, Format fd, const uint16_t *scaler,
                      float *dst, const DstMode &mode);

/// The bf16 bits pack_tile writes for the DST value `v` in `mode`.
uint16_t PackToBf16(float v, const DstMode &mode);

/// The fp16 bits pack_tile writes for the DST value `v` in `mode`.
uint16_t PackToFp16(float v, const DstMode &mode);

/// The value DST holds after the FPU writes the fp32 result `v` in `mode`.
float WriteDst(float v, const DstMode &mode);

} // namespace tt_sim
