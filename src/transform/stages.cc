/*!
 * \file stages.cc
 * \brief tt.compute's `stages` to and from the attribute (stages.h).
 */
#include "stages.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

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
    if (s.op == value::kOpMatmul) {
      m.Set(field::kFieldOperandB, String(s.b));
      m.Set(field::kFieldCBB, s.cb_b);
      m.Set(field::kFieldTransposeB, s.transpose_b);
      m.Set(field::kFieldAccumulate, s.accumulate);
      if (s.accumulate) {
        m.Set(field::kFieldCBAcc, s.cb_acc);
      }
    }
    if (s.op == value::kOpFill || s.op == value::kOpMask) {
      m.Set(field::kFieldValue, s.value);
      tvm::ffi::Array<int64_t> shape(s.shape.begin(), s.shape.end());
      m.Set(field::kFieldShape, shape);
    }
    if (s.op == value::kOpMask) {
      m.Set(field::kFieldOtherwise, s.otherwise);
      m.Set(field::kFieldRowOffset, s.row_offset);
      m.Set(field::kFieldColStep, s.col_step);
      m.Set(field::kFieldColStart, s.col_start);
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
      if (s.loop.bounded()) {
        tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> bound;
        bound.Set(field::kFieldBlockRows, s.loop.bound_rows);
        bound.Set(field::kFieldAdd, s.loop.bound_add);
        bound.Set(field::kFieldDiv, s.loop.bound_div);
        loop.Set(field::kFieldBound, bound);
      }
      if (!s.loop.fixed.empty()) {
        loop.Set(
            field::kFieldFixedBlocks,
            tvm::ffi::Array<int64_t>(s.loop.fixed.begin(), s.loop.fixed.end()));
      }
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
    if (s.op == value::kOpMatmul) {
      s.b = StrField(item, field::kFieldOperandB);
      s.cb_b = IntField(item, field::kFieldCBB);
      s.transpose_b = BoolField(item, field::kFieldTransposeB);
      s.accumulate = BoolField(item, field::kFieldAccumulate);
      if (s.accumulate) {
        s.cb_acc = IntField(item, field::kFieldCBAcc);
      }
    }
    if (s.op == value::kOpFill || s.op == value::kOpMask) {
      s.value = item.at(field::kFieldValue).cast<double>();
      s.shape = IntArrayField(item, field::kFieldShape);
    }
    if (s.op == value::kOpMask) {
      s.otherwise = item.at(field::kFieldOtherwise).cast<double>();
      s.row_offset = IntField(item, field::kFieldRowOffset);
      s.col_step = IntField(item, field::kFieldColStep);
      s.col_start = IntField(item, field::kFieldColStart);
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
      if (auto bound = m.find(field::kFieldBound); bound != m.end()) {
        const auto b = (*bound).second.cast<tvm::ffi::Map<String, Any>>();
        s.loop.bound_rows = IntField(b, field::kFieldBlockRows);
        s.loop.bound_add = IntField(b, field::kFieldAdd);
        s.loop.bound_div = IntField(b, field::kFieldDiv);
      }
      if (m.count(field::kFieldFixedBlocks)) {
        s.loop.fixed = IntArrayField(m, field::kFieldFixedBlocks);
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
  if (stage.cb_b >= 0 &&
      std::find(reads.begin(), reads.end(), stage.cb_b) == reads.end()) {
    reads.push_back(stage.cb_b);
  }
  if (stage.accumulate &&
      std::find(reads.begin(), reads.end(), stage.cb_acc) == reads.end()) {
    reads.push_back(stage.cb_acc);
  }
  for (const EpilogueOp &op : stage.epilogue) {
    if (op.cb >= 0 &&
        std::find(reads.begin(), reads.end(), op.cb) == reads.end()) {
      reads.push_back(op.cb);
    }
  }
  return reads;
}

namespace {

/*! \brief One step of a staged program's run on one output block, its
 *         loops unrolled (WaitsAndPops): a stage in an iteration, or the
 *         reader's push of a tensor's block (`stage` npos, `cb` the CB). */
struct RunStep {
  size_t stage = std::string::npos;
  int64_t cb = -1;
  int iteration = 0, iterations = 1;
};

/*! \brief The run of `stages` on one output block, each loop unrolled to
 *         three iterations (first, one in the middle, last; fewer if it has
 *         fewer), which every longer run repeats. A tensor's block (a CB no
 *         stage writes) is pushed by the reader at the start of each
 *         iteration of the loop its readers are in, or once, at the start,
 *         when they are in none or it is fixed in theirs (StageLoop). */
std::vector<RunStep> UnrolledRun(const std::vector<ComputeStage> &stages) {
  std::map<int64_t, int64_t> tensor_loop; // tensor CB -> its readers' loop
  std::set<int64_t> written;
  for (const ComputeStage &s : stages) {
    written.insert(s.cb_out);
  }
  for (const ComputeStage &s : stages) {
    for (int64_t cb : StageReads(s)) {
      if (written.count(cb)) {
        continue;
      }
      const bool fixed =
          std::count(s.loop.fixed.begin(), s.loop.fixed.end(), cb) > 0;
      const int64_t loop = s.loop.defined() && !fixed ? s.loop.id : -1;
      auto [it, fresh] = tensor_loop.emplace(cb, loop);
      if (!fresh && it->second != loop) {
        TVM_FFI_THROW(InternalError)
            << "tt.compute's stages read the tensor block in CB " << cb
            << " in two loops (or in a loop and outside it); the reader "
               "pushes a block for one.";
      }
    }
  }
  std::vector<RunStep> run;
  auto pushes = [&](int64_t loop, int iteration, int iterations) {
    for (const auto &[cb, l] : tensor_loop) {
      if (l == loop) {
        run.push_back({std::string::npos, cb, iteration, iterations});
      }
    }
  };
  pushes(-1, 0, 1);
  for (size_t s = 0; s < stages.size();) {
    size_t end = s + 1;
    const bool looped = stages[s].loop.defined();
    while (looped && end < stages.size() &&
           stages[end].loop.id == stages[s].loop.id) {
      ++end;
    }
    const int iterations =
        looped ? static_cast<int>(std::max<int64_t>(
                     1, std::min<int64_t>(stages[s].loop.extent, 3)))
               : 1;
    for (int k = 0; k < iterations; ++k) {
      if (looped) {
        pushes(stages[s].loop.id, k, iterations);
      }
      for (size_t t = s; t < end; ++t) {
        run.push_back({t, stages[t].cb_out, k, iterations});
      }
    }
    s = end;
  }
  return run;
}

} // namespace

StageCBUse WaitsAndPops(const std::vector<ComputeStage> &stages, size_t index) {
  const std::vector<RunStep> run = UnrolledRun(stages);
  auto reads = [&](const RunStep &step, int64_t cb) {
    if (step.stage == std::string::npos) {
      return false;
    }
    const std::vector<int64_t> r = StageReads(stages[step.stage]);
    return std::find(r.begin(), r.end(), cb) != r.end();
  };
  auto writes = [](const RunStep &step, int64_t cb) { return step.cb == cb; };
  StageCBUse use;
  const int64_t output = stages.empty() ? -1 : stages.back().cb_out;
  for (int64_t cb : StageReads(stages[index])) {
    // Each run of the stage reads the version of `cb` pushed last before
    // it: the first of that version's readers waits, the last pops.
    bool waits = false;
    std::vector<bool> pops;
    for (size_t e = 0; e < run.size(); ++e) {
      if (run[e].stage != index) {
        continue;
      }
      bool first = true;
      for (size_t p = e; p-- > 0 && !writes(run[p], cb);) {
        first = first && !reads(run[p], cb);
      }
      // (A stage that writes the CB it reads, updating a value in place,
      // reads the version before its own: it is that version's last reader.)
      // (A later stage that updates it in place reads this version too.)
      bool last = true;
      if (stages[index].cb_out != cb) {
        for (size_t n = e + 1; n < run.size() && last; ++n) {
          last = !reads(run[n], cb);
          if (writes(run[n], cb)) {
            break;
          }
        }
      }
      waits = waits || first;
      pops.push_back(last);
    }
    if (waits) {
      // (A wait again for a version at the CB's front returns at once.)
      use.waits.push_back(cb);
    }
    const bool all =
        std::all_of(pops.begin(), pops.end(), [](bool p) { return p; });
    const bool none =
        std::none_of(pops.begin(), pops.end(), [](bool p) { return p; });
    if (all && !pops.empty()) {
      use.pops.push_back(cb);
    } else if (!none && pops.back() &&
               std::count(pops.begin(), pops.end(), true) == 1) {
      // A version made before the loop, read in every iteration: popped
      // once, after the loop.
      use.pops_after_loop.push_back(cb);
    } else if (!none) {
      use.fault = "it would be the last to read it in some iterations of "
                  "its loop and not in others";
      use.fault_cb = cb;
      return use;
    }
  }
  // A version this stage pushes that nothing reads: the last iteration's
  // value of a loop's in-place update (a running maximum no stage after
  // the loop reads), popped after the loop.
  const int64_t own = stages[index].cb_out;
  for (size_t e = 0; e < run.size(); ++e) {
    if (run[e].stage != index || own == output) {
      continue;
    }
    bool read = false;
    for (size_t n = e + 1; n < run.size() && !read; ++n) {
      read = reads(run[n], own);
      if (writes(run[n], own) && !read) {
        break;
      }
    }
    if (!read) {
      const bool last_of_loop = stages[index].loop.defined() &&
                                run[e].iteration + 1 == run[e].iterations;
      if (!last_of_loop) {
        use.fault = "no stage reads it before the next value replaces it";
        use.fault_cb = own;
        return use;
      }
      // (Nothing waited for it: the wait returns at once, the tiles there.)
      use.waits_after_loop.push_back(own);
      use.pops_after_loop.push_back(own);
    }
  }
  return use;
}

StageReadsOf ReadsOf(const std::vector<ComputeStage> &stages, int64_t cb) {
  StageReadsOf reads;
  for (const ComputeStage &s : stages) {
    // (A reduction's input and a matmul's operands go through the source
    // registers.)
    const bool sources = s.op == value::kOpReduce || s.op == value::kOpMatmul;
    if (s.cb_in == cb) {
      (sources ? reads.reduced : reads.moved) = true;
    }
    reads.reduced = reads.reduced || (s.cb_b >= 0 && s.cb_b == cb);
    // (A matmul that accumulates copies its value's tiles into DST first.)
    reads.moved = reads.moved || (s.accumulate && s.cb_acc == cb);
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
