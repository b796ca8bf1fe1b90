// Running a workload: CBs into each core's L1, kernels compiled by g++ into
// cached shared objects, and each core's kernels as fibers of one
// CoreScheduler, the cores spread over a few OS threads.

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

#include "tt-metalium/distributed.hpp"
#include "tt_sim/noc.hpp"
#include "tt_sim/runtime.hpp"

#ifndef TT_SIM_DEFAULT_INCLUDE
#define TT_SIM_DEFAULT_INCLUDE ""
#endif

namespace tt_sim {
namespace {

/// Changes whenever the simulator library is rebuilt, so cached kernels
/// compiled against older simulator headers are not reused.
constexpr const char *kBuildId = __DATE__ " " __TIME__;

std::string ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Fault("cannot read kernel source " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t Fnv1a(const std::string &text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Env(const char *name, const std::string &fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string CacheDir() {
  // The kernels section of tilelang-tt's build cache
  // (python/tilelang_tt/cache.py), which sets TT_SIM_CACHE to it; the same
  // place when a host program runs alone.
  std::string dir =
      Env("TT_SIM_CACHE", Env("TILELANG_TT_CACHE_DIR",
                              Env("HOME", "/tmp") + "/.cache/tilelang-tt") +
                              "/kernels");
  std::string partial;
  std::stringstream ss(dir);
  for (std::string part; std::getline(ss, part, '/');) {
    partial += part + "/";
    mkdir(partial.c_str(), 0755);
  }
  return dir;
}

struct KernelSource {
  const std::string &path;
  const std::string &kind;
  const std::vector<uint32_t> &compile_args;
  /// -D flags the JIT build would define for this kernel (e.g. the DST mode).
  const std::string &defines;
};

/// Kernels this process compiled (not found in the cache): reported in the
/// statistics, so a caller can tell a second run builds nothing.
uint32_t kernels_compiled = 0;

/// Compile one kernel source into a shared object (or reuse the cached one).
std::string CompileKernel(const KernelSource &k) {
  const std::string include = Env("TT_SIM_INCLUDE", TT_SIM_DEFAULT_INCLUDE);
  std::string args;
  for (uint32_t a : k.compile_args)
    args += std::to_string(a) + "u,";
  const std::string source = ReadFile(k.path);
  // TT_SIM_CXXFLAGS adds flags, e.g. sanitizers (scripts/sanitize.sh).
  const std::string flags = "-std=c++17 -O2 -fPIC -shared -w " + k.defines +
                            " " + Env("TT_SIM_CXXFLAGS", "");
  const uint64_t key = Fnv1a(source + "\n" + args + "\n" + k.kind + "\n" +
                             flags + "\n" + include + "\n" + kBuildId);
  char name[64];
  std::snprintf(name, sizeof(name), "%s-%016llx.so", k.kind.c_str(),
                static_cast<unsigned long long>(key));
  const std::string so = CacheDir() + "/" + name;
  if (access(so.c_str(), R_OK) == 0) {
    // Mark it used: the cache evicts the least recently used entries first.
    utime(so.c_str(), nullptr);
    return so;
  }
  const std::string tmp = so + ".tmp" + std::to_string(getpid());
  const std::string cmd = "g++ " + flags + " -I'" + include +
                          "' '-DKERNEL_COMPILE_TIME_ARGS=" + args + "' '" +
                          k.path + "' -o '" + tmp + "' 2>&1";
  FILE *pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr)
    throw Fault("cannot run g++ for " + k.path);
  std::string output;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe))
    output.append(buf, n);
  const int status = pclose(pipe);
  if (status != 0) {
    throw Fault("compiling the " + k.kind + " kernel " + k.path +
                " failed (exit " + std::to_string(status) + "):\n" + output +
                "\nrepro: " + cmd);
  }
  if (std::rename(tmp.c_str(), so.c_str()) != 0)
    throw Fault("cannot move " + tmp + " into the kernel cache");
  ++kernels_compiled;
  return so;
}

KernelMain LoadKernel(const std::string &so) {
  void *handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    throw Fault(std::string("cannot load kernel: ") + dlerror());
  void *fn = dlsym(handle, "_Z11kernel_mainv");
  if (fn == nullptr)
    throw Fault("kernel " + so + " defines no void kernel_main()");
  return reinterpret_cast<KernelMain>(fn);
}

void WriteStats(Device &dev, const std::map<std::pair<uint32_t, uint32_t>,
                                            std::vector<uint32_t>> &used_cbs) {
  const std::string path = Env("TT_SIM_STATS", "");
  if (path.empty())
    return;
  std::ofstream out(path);
  out << "{\n  \"kernels_compiled\": " << kernels_compiled
      << ",\n  \"cores\": [\n";
  bool first = true;
  for (auto &[xy, core] : dev.cores()) {
    out << (first ? "" : ",\n") << "    {\"x\": " << core->x
        << ", \"y\": " << core->y
        << ", \"tiles_read\": " << core->stats.tiles_read
        << ", \"tiles_written\": " << core->stats.tiles_written
        << ", \"noc_bytes\": " << core->stats.noc_bytes
        << ", \"matmul_tiles\": " << core->stats.matmul_tiles
        << ", \"l1_bytes_sent\": " << core->stats.l1_bytes_sent
        << ", \"l1_bytes_received\": " << core->stats.l1_bytes_received
        << ", \"unpacked_bytes\": " << core->stats.unpacked_bytes
        << ", \"packed_bytes\": " << core->stats.packed_bytes
        << ", \"sfpu_cycles\": " << core->stats.sfpu_cycles
        << ", \"cb_peak_pages\": {";
    bool first_cb = true;
    auto it = used_cbs.find(xy);
    if (it != used_cbs.end()) {
      for (uint32_t id : it->second) {
        out << (first_cb ? "" : ", ") << "\"c_" << id
            << "\": " << core->cbs[id].peak_pages();
        first_cb = false;
      }
    }
    out << "}}";
    first = false;
  }
  out << "\n  ]\n}\n";
}

/// One kernel to run on one core.
struct Launch {
  KernelMain fn;
  Core *core;
  const std::vector<uint32_t> *args;
  std::string name;
};

/// The kernels of one core -- or of every core, when the program's cores
/// synchronize with each other through semaphores -- and how their run ended
/// ("" when it did not fail). `where` names them in deadlock reports.
struct CoreRun {
  explicit CoreRun(std::string w) : where(std::move(w)) {}
  std::string where;
  std::vector<const Launch *> launches;
  std::string failure;
};

/// Worker threads: TT_SIM_THREADS, else one per hardware thread; never more
/// than there are cores to run.
size_t WorkerCount(size_t cores) {
  size_t n = std::thread::hardware_concurrency();
  const std::string env = Env("TT_SIM_THREADS", "");
  if (!env.empty())
    n = std::strtoul(env.c_str(), nullptr, 10);
  return std::max<size_t>(1, std::min(n, cores));
}

/// Run every kernel of one core to the end (or to the core's failure).
void RunCore(Device &dev, CoreRun &run) {
  CoreScheduler scheduler(run.where);
  std::deque<KernelContext> contexts; // stable addresses for the fibers
  for (const Launch *l : run.launches) {
    KernelContext &ctx = contexts.emplace_back();
    ctx.device = &dev;
    ctx.core = l->core;
    ctx.scheduler = &scheduler;
    ctx.runtime_args = l->args;
    ctx.name = l->name;
    const std::string who = l->core->Where() + " " + l->name + ": ";
    scheduler.Spawn(
        [&scheduler, fn = l->fn, who] {
          try {
            fn();
            kapi::CheckNoTransfersInFlight();
          } catch (const std::exception &e) {
            scheduler.Fail(who + e.what()); // a no-op if already recorded
          } catch (...) {
            scheduler.Fail(who + "threw an exception that is not a "
                                 "std::exception");
          }
        },
        &ctx);
  }
  scheduler.Run();
  run.failure = scheduler.failure();
}

/// Run the cores on WorkerCount() threads; each thread takes the next core
/// not yet started. A core's failure stops that core only, so every run
/// records the same failures whatever the threads do.
void RunCores(Device &dev, std::vector<CoreRun> &runs) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < runs.size();)
      RunCore(dev, runs[i]);
  };
  const size_t workers = WorkerCount(runs.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t)
    threads.emplace_back(worker);
  worker(); // the calling thread is a worker too
  for (auto &t : threads)
    t.join();
}

} // namespace

KernelMain CompileAndLoadKernel(const std::string &path,
                                const std::string &kind,
                                const std::vector<uint32_t> &compile_args,
                                const std::string &defines) {
  return LoadKernel(CompileKernel({path, kind, compile_args, defines}));
}

void RunProgram(Device &dev, tt::tt_metal::Program &program) {
  // Step 1: circular buffers, laid out upwards from the unreserved base of
  // each core's L1 (below it: firmware and kernel config). Nothing of an
  // earlier program's CBs or DST survives into this one.
  for (auto &[xy, core] : dev.cores()) {
    core->cbs = {};
    core->dst = DstRegisterFile{};
    core->engines = EngineConfig{};
    core->semaphore_ids = 0;
    core->float16_cb = -1;
  }
  // Semaphores (CreateSemaphore): their slots in the kernel-config region
  // hold their initial values when the program starts.
  for (const auto &sem : program.semaphores) {
    for (auto [x, y] : sem.cores.cores()) {
      Core &core = dev.core(x, y);
      core.semaphore_ids |= 1u << sem.id;
      std::memcpy(core.l1 + SemaphoreBase(dev.arch()) +
                      sem.id * kSemaphoreStride,
                  &sem.initial_value, 4);
    }
  }
  // The JIT build derives the unpack / pack formats from the CBs' formats
  // and stops when they mix exponent families (Float16_b with Float16;
  // Float32 is exempt): tt-metal jit_build/data_format.cpp,
  // check_consistent_format_across_buffers.
  const tt::tt_metal::Program::CB *exp_a = nullptr, *exp_b = nullptr;
  for (const auto &cb : program.cbs) {
    const Format f = static_cast<Format>(cb.format);
    if (f == Format::kFloat16)
      exp_a = exp_a ? exp_a : &cb;
    if (f == Format::kFloat16_b)
      exp_b = exp_b ? exp_b : &cb;
  }
  if (exp_a && exp_b) {
    throw Fault("the program's CBs mix exponent families: c_" +
                std::to_string(exp_a->index) + " is Float16 and c_" +
                std::to_string(exp_b->index) +
                " Float16_b; TT-Metalium's JIT build refuses it (\"All input "
                "data-formats must have the same exponent format\")");
  }
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> l1_used;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> used_cbs;
  for (const auto &cb : program.cbs) {
    for (auto [x, y] : cb.cores.cores()) {
      Core &core = dev.core(x, y);
      uint32_t &used = l1_used[{x, y}];
      const uint32_t room = dev.arch().l1_bytes - dev.arch().l1_unreserved_base;
      if (used + uint64_t(cb.total_size) > room) {
        throw Fault("L1 overflow on " + core.Where() + ": CB c_" +
                    std::to_string(cb.index) + " (" +
                    std::to_string(cb.total_size) +
                    " bytes) does not fit after " + std::to_string(used) +
                    " bytes of CBs; the core has " + std::to_string(room) +
                    " above its reserved region");
      }
      core.cbs[cb.index] = CircularBuffer(
          cb.index, core.l1_base + dev.arch().l1_unreserved_base + used,
          cb.total_size / cb.page_size, cb.page_size,
          static_cast<Format>(cb.format), core.Where());
      used += cb.total_size;
      used_cbs[{x, y}].push_back(cb.index);
      // The JIT derives the unpack formats from the CBs of the compute
      // kernel's cores together (ProgramImpl::set_cb_data_fmt over its core
      // ranges): the model takes the whole program's, at least as strict.
      core.float16_cb = exp_a ? static_cast<int>(exp_a->index) : -1;
    }
  }
  // Step 2: one launch per kernel and core (CreateKernel compiled them).
  std::vector<Launch> launches;
  for (const auto &k : program.kernels) {
    KernelMain fn = k.entry;
    for (auto [x, y] : k.cores.cores()) {
      auto args = k.runtime_args.find({x, y});
      if (args == k.runtime_args.end()) {
        throw Fault("the " + k.kind + " kernel has no runtime args for core (" +
                    std::to_string(x) + ", " + std::to_string(y) +
                    ") (SetRuntimeArgs)");
      }
      launches.push_back({fn, &dev.core(x, y), &args->second, k.kind});
      if (k.kind == "compute") {
        Core &core = dev.core(x, y);
        core.dst.mode = k.dst_mode;
        for (size_t i = 0; i < k.unpack_to_dest_fp32.size(); ++i)
          core.engines.unpack_to_dest_fp32[i] = k.unpack_to_dest_fp32[i];
      }
    }
  }
  // Step 3: each core's kernels as fibers of one CoreScheduler; the cores
  // are handed out in launch order to a few OS threads. Kernels of
  // different cores meet only at semaphores (and the L1 writes they guard),
  // so a program with semaphores runs all its cores' kernels as fibers of
  // one scheduler, on one thread: their interleaving is the same in every
  // run and a deadlock among cores is seen whole.
  std::vector<CoreRun> runs;
  std::map<Core *, size_t> run_of;
  const bool together = !program.semaphores.empty();
  for (const Launch &l : launches) {
    auto [it, added] = run_of.emplace(together ? nullptr : l.core, runs.size());
    if (added) {
      runs.emplace_back(together ? "the program's cores (scheduled together: "
                                   "they share semaphores)"
                                 : l.core->Where());
    }
    runs[it->second].launches.push_back(&l);
  }
  RunCores(dev, runs);
  // The first failing core in launch order is reported, so the report does
  // not depend on which thread got there first.
  for (const CoreRun &run : runs) {
    if (!run.failure.empty()) {
      size_t others = 0;
      for (const CoreRun &other : runs)
        others += &other != &run && !other.failure.empty();
      throw Fault(run.failure + (others ? "\n(" + std::to_string(others) +
                                              " more cores failed)"
                                        : std::string()));
    }
  }
  // Step 4: the protocol must have drained every CB and left DST idle.
  for (auto &[xy, cbs] : used_cbs) {
    Core &core = dev.core(xy.first, xy.second);
    for (uint32_t id : cbs) {
      if (core.cbs[id].filled_pages() != 0) {
        throw Fault(core.Where() + ": CB c_" + std::to_string(id) +
                    " still holds " +
                    std::to_string(core.cbs[id].filled_pages()) +
                    " pages after the program finished");
      }
    }
    if (core.dst.state != DstState::kIdle) {
      throw Fault(core.Where() + ": DST is " + DstStateName(core.dst.state) +
                  " after the program finished");
    }
  }
  WriteStats(dev, used_cbs);
}

} // namespace tt_sim

namespace tt::tt_metal::distributed {

void EnqueueMeshWorkload(MeshCommandQueue &, MeshWorkload &workload, bool) {
  for (Program &program : workload.programs())
    tt_sim::RunProgram(tt_sim::TheDevice(), program);
}

} // namespace tt::tt_metal::distributed
