// Simulated <tt-metalium/distributed.hpp> (with mesh_device.hpp,
// mesh_buffer.hpp, mesh_workload.hpp): unit mesh device, mesh buffers,
// workloads and the mesh command queue (all synchronous in the simulator).
// Declared with the release's parameter types, as host_api.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "tt-metalium/bfloat16.hpp"
#include "tt-metalium/host_api.hpp"

namespace tt::tt_metal {

/// Where the dispatch cores sit; the simulator has no dispatch cores.
struct DispatchCoreConfig {};

namespace distributed {

struct MeshShape {
  uint32_t rows = 1, cols = 1;
};

class MeshCommandQueue {};

class MeshDevice {
public:
  static std::shared_ptr<MeshDevice>
  create_unit_mesh(int device_id, std::size_t l1_small_size = 0,
                   std::size_t trace_region_size = 0,
                   std::size_t num_command_queues = 1,
                   const DispatchCoreConfig &dispatch_core_config = {},
                   std::span<const std::uint32_t> l1_bank_remap = {},
                   std::size_t worker_l1_size = 0);
  MeshCommandQueue &
  mesh_command_queue(std::optional<uint8_t> cq_id = std::nullopt) const;
  const MeshShape &shape() const;
  CoreCoord compute_with_storage_grid_size() const;
  /// The NoC coordinate kernels address logical worker core `logical_core`
  /// by (the chip's translated coordinate; tt_sim/noc.hpp).
  CoreCoord worker_core_from_logical_core(const CoreCoord &logical_core) const;
  /// Faults while MeshBuffers or MeshWorkloads of the device are alive: they
  /// must be released first (their destructors talk to the device).
  bool close();

private:
  mutable MeshCommandQueue cq_;
  MeshShape shape_;
};

class MeshCoordinateRange {
public:
  explicit MeshCoordinateRange(const MeshShape &shape);
};

class MeshWorkload {
public:
  MeshWorkload();
  ~MeshWorkload();
  MeshWorkload(const MeshWorkload &) = delete;
  MeshWorkload &operator=(const MeshWorkload &) = delete;
  void add_program(const MeshCoordinateRange &range, Program &&program);
  std::vector<Program> &programs() { return programs_; }

private:
  std::vector<Program> programs_;
};

struct DeviceLocalBufferConfig {
  uint32_t page_size = 0;
  BufferType buffer_type = BufferType::DRAM;
};

struct ReplicatedBufferConfig {
  uint64_t size = 0;
};

/// Not simulated: MeshBuffer::create rejects it.
struct ShardedBufferConfig {};

class MeshBuffer {
public:
  static std::shared_ptr<MeshBuffer> create(
      const std::variant<ReplicatedBufferConfig, ShardedBufferConfig> &config,
      const DeviceLocalBufferConfig &local, MeshDevice *device,
      std::optional<uint64_t> address = std::nullopt);
  ~MeshBuffer();
  uint32_t address() const { return address_; }
  uint32_t id() const { return id_; }
  uint64_t size() const { return size_; }

private:
  uint32_t id_ = 0, address_ = 0;
  uint64_t size_ = 0;
};

void EnqueueMeshWorkload(MeshCommandQueue &cq, MeshWorkload &workload,
                         bool blocking);

} // namespace distributed
} // namespace tt::tt_metal

namespace tt_sim {
/// The simulator's buffer transfers behind the header templates below.
void WriteMeshBuffer(const tt::tt_metal::distributed::MeshBuffer &buffer,
                     const void *data, std::size_t bytes);
void ReadMeshBuffer(const tt::tt_metal::distributed::MeshBuffer &buffer,
                    void *data, std::size_t bytes);
/// Bytes of `buffer` (for sizing a read).
std::size_t MeshBufferBytes(const tt::tt_metal::distributed::MeshBuffer &b);
} // namespace tt_sim

namespace tt::tt_metal::distributed {

// Header templates in TT-Metalium too (nothing to export). Declared in their
// most restrictive form across releases (non-const buffer and vector
// references), so what compiles here compiles against each of them.
template <typename DType>
void EnqueueWriteMeshBuffer(MeshCommandQueue &cq,
                            std::shared_ptr<MeshBuffer> &mesh_buffer,
                            std::vector<DType> &src, bool blocking = false) {
  tt_sim::WriteMeshBuffer(*mesh_buffer, src.data(), src.size() * sizeof(DType));
}

template <typename DType>
void EnqueueReadMeshBuffer(MeshCommandQueue &cq, std::vector<DType> &dst,
                           std::shared_ptr<MeshBuffer> &mesh_buffer,
                           bool blocking = true) {
  dst.resize(tt_sim::MeshBufferBytes(*mesh_buffer) / sizeof(DType));
  tt_sim::ReadMeshBuffer(*mesh_buffer, dst.data(), dst.size() * sizeof(DType));
}

} // namespace tt::tt_metal::distributed
