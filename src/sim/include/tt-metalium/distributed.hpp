// Simulated <tt-metalium/distributed.hpp>: unit mesh device, mesh buffers,
// workloads and the mesh command queue (all synchronous in the simulator).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tt-metalium/bfloat16.hpp"
#include "tt-metalium/host_api.hpp"

namespace tt::tt_metal::distributed {

struct MeshShape {
  uint32_t rows = 1, cols = 1;
};

class MeshCommandQueue {};

class MeshDevice {
public:
  static std::shared_ptr<MeshDevice> create_unit_mesh(int device_id);
  MeshCommandQueue &mesh_command_queue() { return cq_; }
  MeshShape shape() const { return {}; }
  CoreCoord compute_with_storage_grid_size() const;
  bool close();

private:
  MeshCommandQueue cq_;
};

class MeshCoordinateRange {
public:
  explicit MeshCoordinateRange(const MeshShape &) {}
};

class MeshWorkload {
public:
  void add_program(const MeshCoordinateRange &, Program &&program) {
    programs_.push_back(std::move(program));
  }
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

class MeshBuffer {
public:
  static std::shared_ptr<MeshBuffer>
  create(const ReplicatedBufferConfig &config,
         const DeviceLocalBufferConfig &local, MeshDevice *device);
  uint32_t address() const { return address_; }
  uint32_t id() const { return id_; }
  uint64_t size() const { return size_; }

private:
  uint32_t id_ = 0, address_ = 0;
  uint64_t size_ = 0;
};

void EnqueueWriteMeshBuffer(MeshCommandQueue &cq,
                            const std::shared_ptr<MeshBuffer> &buffer,
                            const std::vector<bfloat16> &data, bool blocking);
void EnqueueReadMeshBuffer(MeshCommandQueue &cq, std::vector<bfloat16> &data,
                           const std::shared_ptr<MeshBuffer> &buffer,
                           bool blocking);
void EnqueueMeshWorkload(MeshCommandQueue &cq, MeshWorkload &workload,
                         bool blocking);

} // namespace tt::tt_metal::distributed
