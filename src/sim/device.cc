// Simulated device, buffers and the host API (tt-metalium/host_api.hpp,
// tt-metalium/distributed.hpp).

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tt-metalium/circular_buffer_constants.h"
#include "tt-metalium/distributed.hpp"
#include "tt-metalium/host_api.hpp"
#include "tt-metalium/tensor_accessor_args.hpp"
#include "tt_sim/noc.hpp"
#include "tt_sim/runtime.hpp"

namespace tt_sim {

Device::Device(ArchConfig arch) : arch_(arch), banks_(arch.dram_banks) {
  if (arch.l1_unreserved_base >= arch.l1_bytes) {
    throw Fault("L1 of " + std::to_string(arch.l1_bytes) +
                " bytes leaves nothing above the reserved region (" +
                std::to_string(arch.l1_unreserved_base) + " bytes)");
  }
}

Device::~Device() {
  for (auto &kv : cores_) {
    if (kv.second->l1 != nullptr)
      munmap(kv.second->l1, arch_.l1_bytes);
  }
}

Core &Device::core(uint32_t x, uint32_t y) {
  if (x >= arch_.grid_x || y >= arch_.grid_y) {
    throw Fault("core (" + std::to_string(x) + ", " + std::to_string(y) +
                ") is outside the " + std::to_string(arch_.grid_x) + " x " +
                std::to_string(arch_.grid_y) + " compute grid");
  }
  auto &slot = cores_[{x, y}];
  if (!slot) {
    slot = std::make_unique<Core>();
    slot->x = x;
    slot->y = y;
    void *l1 = mmap(nullptr, arch_.l1_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (l1 == MAP_FAILED)
      throw Fault("cannot map L1 below 4 GiB for " + slot->Where());
    slot->l1 = static_cast<uint8_t *>(l1);
    slot->l1_base = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(l1));
  }
  return *slot;
}

const DramBuffer &Device::AllocateBuffer(uint32_t size, uint32_t page_bytes) {
  if (page_bytes == 0 || size % page_bytes != 0) {
    throw Fault("MeshBuffer of " + std::to_string(size) +
                " bytes is not a whole number of " +
                std::to_string(page_bytes) + "-byte pages");
  }
  DramBuffer buf;
  buf.id = static_cast<uint32_t>(buffers_.size());
  buf.page_bytes = page_bytes;
  buf.num_pages = size / page_bytes;
  buf.base = next_base_;
  const uint64_t per_bank =
      uint64_t((buf.num_pages + arch_.dram_banks - 1) / arch_.dram_banks) *
      buf.aligned_page();
  if (next_base_ + per_bank > kDramBankBytes) {
    throw Fault("DRAM is full: a buffer of " + std::to_string(size) +
                " bytes needs " + std::to_string(per_bank) +
                " bytes in each of " + std::to_string(arch_.dram_banks) +
                " banks");
  }
  next_base_ += static_cast<uint32_t>(per_bank);
  for (auto &bank : banks_)
    bank.resize(next_base_);
  buffers_.push_back(buf);
  return buffers_.back();
}

const DramBuffer &Device::buffer(uint32_t id) const {
  if (id >= buffers_.size())
    throw Fault("no DRAM buffer with id " + std::to_string(id));
  return buffers_[id];
}

const DramBuffer *Device::BufferAt(uint32_t addr) const {
  for (const DramBuffer &buf : buffers_) {
    if (buf.base == addr)
      return &buf;
  }
  return nullptr;
}

uint8_t *Device::Page(const DramBuffer &buf, uint32_t page,
                      const std::string &who) {
  if (page >= buf.num_pages) {
    throw Fault(who + ": DRAM page " + std::to_string(page) +
                " is out of range of buffer " + std::to_string(buf.id) + " (" +
                std::to_string(buf.num_pages) + " pages)");
  }
  const uint32_t bank = page % arch_.dram_banks;
  const uint64_t offset =
      buf.base + uint64_t(page / arch_.dram_banks) * buf.aligned_page();
  return banks_[bank].data() + offset;
}

void Device::WriteBuffer(const DramBuffer &buf, const void *data,
                         size_t bytes) {
  if (bytes != size_t(buf.num_pages) * buf.page_bytes) {
    throw Fault("EnqueueWriteMeshBuffer: " + std::to_string(bytes) +
                " bytes for a buffer of " +
                std::to_string(size_t(buf.num_pages) * buf.page_bytes));
  }
  for (uint32_t p = 0; p < buf.num_pages; ++p) {
    std::memcpy(Page(buf, p, "host write"),
                static_cast<const uint8_t *>(data) + size_t(p) * buf.page_bytes,
                buf.page_bytes);
  }
}

void Device::ReadBuffer(const DramBuffer &buf, void *data, size_t bytes) {
  for (uint32_t p = 0; p < buf.num_pages && size_t(p) * buf.page_bytes < bytes;
       ++p) {
    std::memcpy(static_cast<uint8_t *>(data) + size_t(p) * buf.page_bytes,
                Page(buf, p, "host read"), buf.page_bytes);
  }
}

namespace {
std::unique_ptr<Device> g_device;
} // namespace

Device &TheDevice() {
  if (!g_device)
    throw Fault("no device: call MeshDevice::create_unit_mesh first");
  return *g_device;
}

void ResetDevice() {
  g_device = std::make_unique<Device>(ArchConfig::FromEnv());
}

} // namespace tt_sim

namespace tt::tt_metal {

CoreRange::CoreRange(const CoreCoord &start, const CoreCoord &end)
    : start_coord(start), end_coord(end) {}

CoreRangeSet::CoreRangeSet(const CoreRange &range) : ranges_{range} {}

CoreRangeSet::CoreRangeSet(std::vector<CoreRange> &&ranges)
    : ranges_(std::move(ranges)) {}

std::vector<std::pair<uint32_t, uint32_t>> CoreRangeSet::cores() const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const CoreRange &r : ranges_) {
    for (std::size_t y = r.start_coord.y; y <= r.end_coord.y; ++y) {
      for (std::size_t x = r.start_coord.x; x <= r.end_coord.x; ++x) {
        out.push_back({static_cast<uint32_t>(x), static_cast<uint32_t>(y)});
      }
    }
  }
  return out;
}

namespace {
/// The cores of a core, a range or a set, as a set.
CoreRangeSet ToCoreRangeSet(const CoreSpec &spec) {
  if (const auto *core = std::get_if<CoreCoord>(&spec))
    return CoreRangeSet(CoreRange(*core, *core));
  if (const auto *range = std::get_if<CoreRange>(&spec))
    return CoreRangeSet(*range);
  return std::get<CoreRangeSet>(spec);
}
} // namespace

CircularBufferConfig::CircularBufferConfig(
    uint32_t total_size, const std::map<uint8_t, tt::DataFormat> &formats)
    : total_size_(total_size), formats_(formats) {}

CircularBufferConfig &CircularBufferConfig::set_page_size(uint8_t index,
                                                          uint32_t page_size) {
  page_sizes_[index] = page_size;
  return *this;
}

Program CreateProgram() { return Program{}; }

CBHandle CreateCircularBuffer(Program &program, const CoreSpec &core_spec,
                              const CircularBufferConfig &config) {
  const CoreRangeSet cores = ToCoreRangeSet(core_spec);
  for (const auto &[index, format] : config.formats()) {
    if (!tt_sim::IsSimulatedFormat(static_cast<uint8_t>(format))) {
      throw tt_sim::Fault(
          "CreateCircularBuffer: CB c_" + std::to_string(index) +
          " has data format " + std::to_string(static_cast<int>(format)) +
          "; the simulator models Float32, Float16_b and Float16");
    }
    auto page = config.page_sizes().find(index);
    if (page == config.page_sizes().end() || page->second == 0) {
      throw tt_sim::Fault("CreateCircularBuffer: CB c_" +
                          std::to_string(index) + " has no page size");
    }
    if (config.total_size() % page->second != 0) {
      throw tt_sim::Fault("CreateCircularBuffer: CB c_" +
                          std::to_string(index) + " size " +
                          std::to_string(config.total_size()) +
                          " is not a multiple of its page size");
    }
    // L1 budget: every CB of the program on each of these cores must fit.
    const auto &arch = tt_sim::TheDevice().arch();
    for (auto [x, y] : cores.cores()) {
      uint64_t used = config.total_size();
      for (const auto &cb : program.cbs) {
        for (auto [cx, cy] : cb.cores.cores()) {
          if (cx == x && cy == y)
            used += cb.total_size;
        }
      }
      if (used > arch.l1_bytes - arch.l1_unreserved_base) {
        throw tt_sim::Fault(
            "CreateCircularBuffer: L1 overflow on core (" + std::to_string(x) +
            ", " + std::to_string(y) + "): CB c_" + std::to_string(index) +
            " brings its CBs to " + std::to_string(used) +
            " bytes, the core has " +
            std::to_string(arch.l1_bytes - arch.l1_unreserved_base) +
            " above its reserved region");
      }
    }
    program.cbs.push_back(
        {cores, index, config.total_size(), page->second, format});
  }
  return static_cast<CBHandle>(program.cbs.size() - 1);
}

KernelHandle
CreateKernel(Program &program, const std::string &file, const CoreSpec &cores,
             const std::variant<DataMovementConfig, ComputeConfig> &config) {
  if (file.empty() || file.front() != '/') {
    // TT-Metalium looks a relative kernel path up in its own search
    // directories, not the program's working directory.
    throw tt_sim::Fault("CreateKernel: kernel path '" + file +
                        "' is relative; pass an absolute path");
  }
  std::string kind;
  std::vector<uint32_t> compile_args;
  std::string defines;
  tt_sim::DstMode mode;
  std::vector<bool> unpack_to_dest;
  auto reject = [&](bool set, const char *field) {
    if (set) {
      throw tt_sim::Fault("CreateKernel(" + file + "): " + field +
                          " is not simulated");
    }
  };
  if (const auto *dm = std::get_if<DataMovementConfig>(&config)) {
    kind =
        dm->processor == DataMovementProcessor::RISCV_1 ? "reader" : "writer";
    compile_args = dm->compile_args;
    reject(!dm->defines.empty(), "DataMovementConfig::defines");
    reject(!dm->named_compile_args.empty(),
           "DataMovementConfig::named_compile_args");
    reject(dm->noc_mode != NOC_MODE::DM_DEDICATED_NOC,
           "DataMovementConfig::noc_mode DM_DYNAMIC_NOC");
    // The kernel's NoC, as the JIT build defines it (noc_index): the
    // release's NOC values are RISCV_0_default = NOC_0 = 0 and
    // RISCV_1_default = NOC_1 = 1, whichever processor runs the kernel.
    const bool noc1 = dm->noc == NOC::NOC_1 || dm->noc == NOC::RISCV_1_default;
    defines = std::string("-DNOC_INDEX=") + (noc1 ? "1" : "0");
  } else {
    const auto &cc = std::get<ComputeConfig>(config);
    kind = "compute";
    compile_args = cc.compile_args;
    reject(!cc.defines.empty(), "ComputeConfig::defines");
    reject(!cc.named_compile_args.empty(), "ComputeConfig::named_compile_args");
    reject(cc.bfp8_pack_precise, "ComputeConfig::bfp8_pack_precise");
    // APPROX selects the SFPU routines' approximate variants (recip_tile's,
    // exp_tile's defaults follow it), which are not simulated.
    reject(cc.math_approx_mode, "ComputeConfig::math_approx_mode");
    mode.fp32_dest_acc_en = cc.fp32_dest_acc_en;
    mode.dst_full_sync_en = cc.dst_full_sync_en;
    // MathFidelity's value is its number of phases, LoFi (0) has one.
    mode.fidelity_phases =
        std::max<uint32_t>(1, static_cast<uint32_t>(cc.math_fidelity));
    // Empty, or one entry per host CB (NUM_CIRCULAR_BUFFERS), as the
    // release's JIT build reads it; a Wormhole core uses the first 32.
    if (!cc.unpack_to_dest_mode.empty() &&
        cc.unpack_to_dest_mode.size() != NUM_CIRCULAR_BUFFERS) {
      throw tt_sim::Fault("CreateKernel(" + file +
                          "): ComputeConfig::unpack_to_dest_mode has " +
                          std::to_string(cc.unpack_to_dest_mode.size()) +
                          " entries; it needs NUM_CIRCULAR_BUFFERS (" +
                          std::to_string(NUM_CIRCULAR_BUFFERS) + ")");
    }
    for (size_t i = 0; i < cc.unpack_to_dest_mode.size(); ++i) {
      const bool fp32 =
          cc.unpack_to_dest_mode[i] == UnpackToDestMode::UnpackToDestFp32;
      if (fp32 && i >= tt_sim::kNumCBs) {
        throw tt_sim::Fault("CreateKernel(" + file + "): unpack_to_dest_mode[" +
                            std::to_string(i) +
                            "] names a CB this core does not have");
      }
      if (i < tt_sim::kNumCBs)
        unpack_to_dest.push_back(fp32);
    }
    // As the JIT build defines it for the compute kernel's headers.
    defines = std::string("-DDST_ACCUM_MODE=") +
              (cc.fp32_dest_acc_en ? "true" : "false");
  }
  program.kernels.push_back(
      {file,
       kind,
       ToCoreRangeSet(cores),
       compile_args,
       mode,
       unpack_to_dest,
       {},
       tt_sim::CompileAndLoadKernel(file, kind, compile_args, defines)});
  return static_cast<KernelHandle>(program.kernels.size() - 1);
}

uint32_t CreateSemaphore(Program &program,
                         const std::variant<CoreRange, CoreRangeSet> &core_spec,
                         uint32_t initial_value) {
  const CoreRangeSet cores = std::holds_alternative<CoreRange>(core_spec)
                                 ? CoreRangeSet(std::get<CoreRange>(core_spec))
                                 : std::get<CoreRangeSet>(core_spec);
  const auto &arch = tt_sim::TheDevice().arch();
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> used;
  for (const auto &sem : program.semaphores) {
    for (auto xy : sem.cores.cores())
      used[xy] |= 1u << sem.id;
  }
  uint32_t taken = 0;
  for (auto [x, y] : cores.cores()) {
    if (x >= arch.grid_x || y >= arch.grid_y) {
      throw tt_sim::Fault("CreateSemaphore: core (" + std::to_string(x) + ", " +
                          std::to_string(y) + ") is outside the " +
                          std::to_string(arch.grid_x) + " x " +
                          std::to_string(arch.grid_y) + " compute grid");
    }
    taken |= used[{x, y}];
  }
  for (uint32_t id = 0; id < tt_sim::kMaxSemaphores; ++id) {
    if (!(taken >> id & 1)) {
      program.semaphores.push_back({cores, id, initial_value});
      return id;
    }
  }
  throw tt_sim::Fault("CreateSemaphore: a core of the range already has " +
                      std::to_string(tt_sim::kMaxSemaphores) +
                      " semaphores, the most a core can have");
}

void SetRuntimeArgs(const Program &program, KernelHandle kernel,
                    const CoreSpec &cores,
                    std::span<const uint32_t> runtime_args) {
  if (kernel >= program.kernels.size())
    throw tt_sim::Fault("SetRuntimeArgs: unknown kernel handle");
  for (auto xy : ToCoreRangeSet(cores).cores()) {
    program.kernels[kernel].runtime_args[xy].assign(runtime_args.begin(),
                                                    runtime_args.end());
  }
}

void SetRuntimeArgs(const Program &program, KernelHandle kernel,
                    const CoreSpec &cores,
                    std::initializer_list<uint32_t> runtime_args) {
  SetRuntimeArgs(
      program, kernel, cores,
      std::span<const uint32_t>(runtime_args.begin(), runtime_args.size()));
}

namespace distributed {

std::shared_ptr<MeshDevice>
MeshDevice::create_unit_mesh(int, std::size_t, std::size_t, std::size_t,
                             const DispatchCoreConfig &,
                             std::span<const std::uint32_t>, std::size_t) {
  tt_sim::ResetDevice();
  return std::make_shared<MeshDevice>();
}

MeshCommandQueue &MeshDevice::mesh_command_queue(std::optional<uint8_t>) const {
  return cq_;
}

const MeshShape &MeshDevice::shape() const { return shape_; }

CoreCoord MeshDevice::compute_with_storage_grid_size() const {
  const auto &arch = tt_sim::TheDevice().arch();
  return CoreCoord(arch.grid_x, arch.grid_y);
}

CoreCoord
MeshDevice::worker_core_from_logical_core(const CoreCoord &logical_core) const {
  const auto &arch = tt_sim::TheDevice().arch();
  if (logical_core.x >= arch.grid_x || logical_core.y >= arch.grid_y) {
    throw tt_sim::Fault("worker_core_from_logical_core(" +
                        std::to_string(logical_core.x) + ", " +
                        std::to_string(logical_core.y) + "): outside the " +
                        std::to_string(arch.grid_x) + " x " +
                        std::to_string(arch.grid_y) + " compute grid");
  }
  const tt_sim::NocCoord c =
      tt_sim::WorkerNocCoord(arch, static_cast<uint32_t>(logical_core.x),
                             static_cast<uint32_t>(logical_core.y));
  return CoreCoord(c.x, c.y);
}

namespace {
/// MeshBuffers and MeshWorkloads alive, checked by MeshDevice::close().
int g_live_buffers = 0, g_live_workloads = 0;
} // namespace

bool MeshDevice::close() {
  if (g_live_buffers != 0 || g_live_workloads != 0) {
    throw tt_sim::Fault(
        "MeshDevice::close() with " + std::to_string(g_live_buffers) +
        " MeshBuffer(s) and " + std::to_string(g_live_workloads) +
        " MeshWorkload(s) still alive; release them before closing the "
        "device");
  }
  return true;
}

MeshCoordinateRange::MeshCoordinateRange(const MeshShape &) {}

MeshWorkload::MeshWorkload() { ++g_live_workloads; }
MeshWorkload::~MeshWorkload() { --g_live_workloads; }
MeshBuffer::~MeshBuffer() { --g_live_buffers; }

void MeshWorkload::add_program(const MeshCoordinateRange &, Program &&program) {
  programs_.push_back(std::move(program));
}

std::shared_ptr<MeshBuffer> MeshBuffer::create(
    const std::variant<ReplicatedBufferConfig, ShardedBufferConfig> &config,
    const DeviceLocalBufferConfig &local, MeshDevice *,
    std::optional<uint64_t> address) {
  const auto *replicated = std::get_if<ReplicatedBufferConfig>(&config);
  if (replicated == nullptr)
    throw tt_sim::Fault("MeshBuffer: sharded buffers are not simulated");
  if (address.has_value())
    throw tt_sim::Fault("MeshBuffer: buffers at a given address are not "
                        "simulated");
  if (local.buffer_type != BufferType::DRAM)
    throw tt_sim::Fault("MeshBuffer: only DRAM buffers are simulated");
  const tt_sim::DramBuffer &buf = tt_sim::TheDevice().AllocateBuffer(
      static_cast<uint32_t>(replicated->size), local.page_size);
  auto out = std::make_shared<MeshBuffer>();
  ++g_live_buffers;
  out->id_ = buf.id;
  out->address_ = buf.base;
  out->size_ = replicated->size;
  return out;
}

} // namespace distributed

TensorAccessorArgs::TensorAccessorArgs(const distributed::MeshBuffer &buffer,
                                       tensor_accessor::ArgsConfig args_config)
    : args_config_(static_cast<uint32_t>(tensor_accessor::ArgConfig::IsDram)),
      aligned_page_size_(
          tt_sim::TheDevice().buffer(buffer.id()).aligned_page()) {
  if (args_config.raw() != 0)
    throw tt_sim::Fault("TensorAccessorArgs: only the default ArgsConfig "
                        "(interleaved, all compile-time) is simulated");
}

void TensorAccessorArgs::append_to(
    std::vector<uint32_t> &compile_time_args) const {
  compile_time_args.push_back(args_config_);
  compile_time_args.push_back(aligned_page_size_);
}

} // namespace tt::tt_metal

namespace tt_sim {

void WriteMeshBuffer(const tt::tt_metal::distributed::MeshBuffer &buffer,
                     const void *data, std::size_t bytes) {
  auto &dev = TheDevice();
  dev.WriteBuffer(dev.buffer(buffer.id()), data, bytes);
}

void ReadMeshBuffer(const tt::tt_metal::distributed::MeshBuffer &buffer,
                    void *data, std::size_t bytes) {
  auto &dev = TheDevice();
  dev.ReadBuffer(dev.buffer(buffer.id()), data, bytes);
}

std::size_t MeshBufferBytes(const tt::tt_metal::distributed::MeshBuffer &b) {
  const DramBuffer &buf = TheDevice().buffer(b.id());
  return std::size_t(buf.num_pages) * buf.page_bytes;
}

} // namespace tt_sim
