// Simulated "api/compute/reduce.h": reduce_tile<type, REDUCE_ROW> reduces each
// row of a CB tile into column 0 of DST[idst] (REDUCE_COL: each column into
// row 0), accumulating into what that DST tile holds (several tiles of one
// row / column of tiles into one DST tile); reduce_init sets the unpackers,
// the FPU and the packer's edge mask up for it (until reduce_uninit, every
// pack writes that column / row and zeros), with the matrix unit's numerics
// (tt_sim/matrix_unit.hpp). SUM and MAX along rows and columns are simulated;
// AVG, MIN and REDUCE_SCALAR are faults.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

// The release's ckernel::PoolType and ckernel::ReduceDim (tt-llk
// llk_defs.h), values included.
enum class PoolType : uint8_t { SUM = 0, AVG = 1, MAX = 2, MIN = 3 };
enum class ReduceDim : uint8_t {
  REDUCE_ROW = 0,
  REDUCE_COL = 1,
  REDUCE_SCALAR = 2
};

template <PoolType reduce_type, ReduceDim reduce_dim,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void reduce_init(uint32_t icb, uint32_t icb_scaler, uint32_t ocb) {
  tt_sim::kapi::ReduceInit(static_cast<uint32_t>(reduce_type),
                           static_cast<uint32_t>(reduce_dim), icb, icb_scaler,
                           ocb, is_fp32_dest_acc_en);
}

template <PoolType reduce_type, ReduceDim reduce_dim,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void reduce_tile(uint32_t icb, uint32_t icb_scaler, uint32_t itile,
                        uint32_t itile_scaler, uint32_t idst) {
  tt_sim::kapi::ReduceTile(static_cast<uint32_t>(reduce_type),
                           static_cast<uint32_t>(reduce_dim), icb, icb_scaler,
                           itile, itile_scaler, idst, is_fp32_dest_acc_en);
}

inline void reduce_uninit(uint32_t icb = 0) { tt_sim::kapi::ReduceUninit(icb); }
