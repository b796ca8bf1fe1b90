/*!
 * \file stages.cc
 * \brief tt.compute's `stages` to and from the attribute (stages.h).
 */
#include "stages.h"

#include <algorithm>

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
    if (s.op == value::kOpEltwise ||
        (s.op == value::kOpReduce && !s.epilogue.empty())) {
      m.Set(field::kFieldEpilogue, EpilogueAttr(s.epilogue));
    }
    if (s.op == value::kOpFill) {
      m.Set(field::kFieldValue, s.value);
    }
    if (s.loop.defined()) {
      tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> loop;
      loop.Set(field::kFieldLoopId, s.loop.id);
      loop.Set(field::kFieldExtent, s.loop.extent);
      tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>> slices;
      for (const LoopSlice &slice : s.loop.slices) {
        tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> x;
        x.Set(field::kFieldTensor, String(slice.tensor));
        x.Set(field::kFieldAxis, slice.axis);
        x.Set(field::kFieldSize, slice.size);
        x.Set(field::kFieldStep, slice.step);
        x.Set(field::kFieldStart, slice.start);
        slices.push_back(x);
      }
      loop.Set(field::kFieldSlices, slices);
      m.Set(field::kFieldLoop, loop);
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
    if (s.op == value::kOpFill) {
      s.value = item.at(field::kFieldValue).cast<double>();
    }
    if (auto loop = item.find(field::kFieldLoop); loop != item.end()) {
      const auto m = (*loop).second.cast<tvm::ffi::Map<String, Any>>();
      s.loop.id = IntField(m, field::kFieldLoopId);
      s.loop.extent = IntField(m, field::kFieldExtent);
      for (const auto &x :
           m.at(field::kFieldSlices)
               .cast<tvm::ffi::Array<tvm::ffi::Map<String, Any>>>()) {
        LoopSlice slice;
        slice.tensor = StrField(x, field::kFieldTensor);
        slice.axis = IntField(x, field::kFieldAxis);
        slice.size = IntField(x, field::kFieldSize);
        slice.step = IntField(x, field::kFieldStep);
        slice.start = IntField(x, field::kFieldStart);
        s.loop.slices.push_back(slice);
      }
    }
    stages.push_back(s);
  }
  return stages;
}

std::vector<int64_t> StageReads(const ComputeStage &stage) {
  std::vector<int64_t> reads;
  if (stage.cb_in >= 0) {
    reads.push_back(stage.cb_in);
  }
  for (const EpilogueOp &op : stage.epilogue) {
    if (op.cb >= 0 &&
        std::find(reads.begin(), reads.end(), op.cb) == reads.end()) {
      reads.push_back(op.cb);
    }
  }
  return reads;
}

StageCBUse WaitsAndPops(const std::vector<ComputeStage> &stages, size_t index) {
  auto reads = [&](size_t s, int64_t cb) {
    const std::vector<int64_t> r = StageReads(stages[s]);
    return std::find(r.begin(), r.end(), cb) != r.end();
  };
  StageCBUse use;
  for (int64_t cb : StageReads(stages[index])) {
    // Waits unless a stage since the version's writer read it first.
    bool first = true;
    for (size_t s = index; s-- > 0;) {
      if (stages[s].cb_out == cb) {
        break; // (a stage updating it in place read the version before)
      }
      if (reads(s, cb)) {
        first = false;
        break;
      }
    }
    // Pops unless a stage before the next writer reads it too.
    bool last = true;
    if (stages[index].cb_out != cb) {
      for (size_t s = index + 1; s < stages.size(); ++s) {
        if (reads(s, cb)) {
          last = false;
          break;
        }
        if (stages[s].cb_out == cb) {
          break;
        }
      }
    }
    // A version a stage made before the loop this stage runs in is read by
    // every iteration: its last reader pops it after the loop.
    bool outside = false;
    if (last && stages[index].loop.defined() && stages[index].cb_out != cb) {
      for (size_t s = index; s-- > 0;) {
        if (stages[s].cb_out == cb) {
          outside = stages[s].loop.id != stages[index].loop.id;
          break;
        }
      }
    }
    if (first) {
      use.waits.push_back(cb);
    }
    if (last) {
      (outside ? use.pops_after_loop : use.pops).push_back(cb);
    }
  }
  return use;
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
