/*!
 * \file stages.cc
 * \brief tt.compute's `stages` to and from the attribute (stages.h).
 */
#include "stages.h"

#include "common.h"
#include "tilelang_tt/attr.h"

namespace tilelang_tt {
namespace detail {

tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>
StagesAttr(const std::vector<ComputeStage> &stages) {
  tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>> out;
  for (const ComputeStage &s : stages) {
    tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> m;
    m.Set(field::kFieldOp, String(s.op));
    m.Set(field::kFieldIn, String(s.in));
    m.Set(field::kFieldOut, String(s.out));
    m.Set(field::kFieldCBIn, s.cb_in);
    m.Set(field::kFieldCBOut, s.cb_out);
    if (s.op == value::kOpReduce) {
      m.Set(field::kFieldReduce, String(s.reduce));
      m.Set(field::kFieldReduceDim, String(s.reduce_dim));
    }
    // A reduction's ops on its result (clear=False's combine, a minimum's
    // negation), if any; an update's always.
    if (s.op != value::kOpReduce || !s.epilogue.empty()) {
      m.Set(field::kFieldEpilogue, EpilogueAttr(s.epilogue));
    }
    out.push_back(m);
  }
  return out;
}

std::vector<ComputeStage>
StagesFromAttr(const tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> &compute) {
  std::vector<ComputeStage> stages;
  auto it = compute.find(field::kFieldStages);
  if (it == compute.end()) {
    return stages;
  }
  for (const auto &item :
       (*it).second.cast<tvm::ffi::Array<tvm::ffi::Map<String, Any>>>()) {
    ComputeStage s;
    s.op = StrField(item, field::kFieldOp);
    s.in = StrField(item, field::kFieldIn);
    s.out = StrField(item, field::kFieldOut);
    s.cb_in = IntField(item, field::kFieldCBIn);
    s.cb_out = IntField(item, field::kFieldCBOut);
    if (s.op == value::kOpReduce) {
      s.reduce = StrField(item, field::kFieldReduce);
      s.reduce_dim = StrField(item, field::kFieldReduceDim);
    }
    s.epilogue = EpilogueFromAttr(item);
    stages.push_back(s);
  }
  return stages;
}

StageReadsOf ReadsOf(const std::vector<ComputeStage> &stages, int64_t cb) {
  StageReadsOf reads;
  for (const ComputeStage &s : stages) {
    if (s.cb_in == cb) {
      (s.op == value::kOpReduce ? reads.reduced : reads.moved) = true;
    }
    for (const EpilogueOp &op : s.epilogue) {
      reads.moved = reads.moved || op.cb == cb;
    }
  }
  return reads;
}

bool UnpacksToDest(const std::vector<ComputeStage> &stages, int64_t cb,
                   const std::string &data_format) {
  const StageReadsOf reads = ReadsOf(stages, cb);
  return data_format == value::kFormatFloat32 && reads.moved && !reads.reduced;
}

} // namespace detail
} // namespace tilelang_tt
