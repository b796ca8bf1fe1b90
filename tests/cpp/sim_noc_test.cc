/*!
 * \file sim_noc_test.cc
 * \brief The simulator's semaphores and core-to-core writes, through a whole
 *        program: one sender multicasts a CB page to a row of receivers under
 *        the matmul_multicore_reuse_mcast handshake, then each core writes
 *        what it holds to DRAM. Variants break one step of the protocol and
 *        expect the fault that names it.
 */

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tt-metalium/distributed.hpp"
#include "tt-metalium/host_api.hpp"
#include "tt_sim/noc.hpp"
#include "tt_sim/runtime.hpp"

namespace {

using namespace tt::tt_metal;

// Compile-time args: 0, 1 the output accessor (IsDram, page size), 2 the
// variant to run (kVariant*), 3 the number of receivers.
constexpr const char *kReader = R"(
#include <cstdint>
#include "api/dataflow/dataflow_api.h"

void kernel_main() {
  uint32_t sender_x = get_arg_val<uint32_t>(0);
  uint32_t sender_y = get_arg_val<uint32_t>(1);
  uint32_t start_x = get_arg_val<uint32_t>(2);
  uint32_t start_y = get_arg_val<uint32_t>(3);
  uint32_t end_x = get_arg_val<uint32_t>(4);
  uint32_t end_y = get_arg_val<uint32_t>(5);
  uint32_t is_sender = get_arg_val<uint32_t>(6);
  constexpr uint32_t variant = get_compile_time_arg_val(2);
  constexpr uint32_t num_dests = get_compile_time_arg_val(3);
  constexpr uint32_t cb = tt::CBIndex::c_0;
  uint32_t sender_sem = get_semaphore(0);
  uint32_t receiver_sem = get_semaphore(1);
  volatile uint32_t *sender_ptr = (volatile uint32_t *)sender_sem;
  volatile uint32_t *receiver_ptr = (volatile uint32_t *)receiver_sem;
  for (uint32_t block = 0; block < 3; ++block) {
    if (is_sender) {
      cb_reserve_back(cb, 1);
      uint32_t addr = get_write_ptr(cb);
      volatile uint32_t *page = (volatile uint32_t *)addr;
      for (uint32_t i = 0; i < 512; ++i)
        page[i] = 1000 * block + i;
      noc_semaphore_wait(sender_ptr, variant == 5 ? num_dests + 1 : num_dests);
      noc_semaphore_set(sender_ptr, 0);
      uint64_t mcast = variant == 3
          ? get_noc_multicast_addr(end_x, end_y, start_x, start_y, addr)
          : get_noc_multicast_addr(start_x, start_y, end_x, end_y, addr);
      noc_async_write_multicast(addr, mcast, 2048,
                                variant == 4 ? num_dests + 1 : num_dests);
      *receiver_ptr = 1;
      noc_semaphore_set_multicast(
          receiver_sem,
          get_noc_multicast_addr(start_x, start_y, end_x, end_y, receiver_sem),
          num_dests);
      noc_async_write_barrier();
      cb_push_back(cb, 1);
    } else {
      if (variant != 2)
        cb_reserve_back(cb, 1);
      noc_semaphore_set(receiver_ptr, 0);
      if (variant != 1) {
        uint32_t x = variant == 6 ? 0 : sender_x, y = variant == 6 ? 0 : sender_y;
        noc_semaphore_inc(get_noc_addr(x, y, sender_sem), 1);
      }
      noc_semaphore_wait(receiver_ptr, 1);
      if (variant == 2)
        cb_reserve_back(cb, 1);
      cb_push_back(cb, 1);
    }
  }
}
)";

constexpr const char *kWriter = R"(
#include <cstdint>
#include "api/dataflow/dataflow_api.h"

void kernel_main() {
  uint32_t out_addr = get_arg_val<uint32_t>(0);
  uint32_t core_index = get_arg_val<uint32_t>(1);
  constexpr auto args = TensorAccessorArgs<0>();
  const auto out = TensorAccessor(args, out_addr, 2048);
  for (uint32_t block = 0; block < 3; ++block) {
    cb_wait_front(tt::CBIndex::c_0, 1);
    noc_async_write_page(core_index * 3 + block, out,
                         get_read_ptr(tt::CBIndex::c_0));
    noc_async_write_barrier();
    cb_pop_front(tt::CBIndex::c_0, 1);
  }
}
)";

enum Variant : uint32_t {
  kVariantOk = 0,
  kVariantNoIncrement = 1,   // receivers never say they are ready
  kVariantLateReserve = 2,   // receivers reserve after the data landed
  kVariantReversed = 3,      // rectangle against the NoC's direction
  kVariantWrongDests = 4,    // num_dests counts one too many
  kVariantWaitTooMany = 5,   // the sender waits for one more receiver
  kVariantLogicalCoords = 6, // receivers address the sender logically
};

class NocProgram : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tt_sim_noc_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "reader.cpp") << kReader;
    std::ofstream(dir_ / "writer.cpp") << kWriter;
    setenv("TT_SIM_CACHE", (dir_ / "cache").c_str(), 1);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Run the 4 x 1 program, core (0, 0) the sender, over `noc` for the
  /// reader; returns the output pages (3 per core) or throws the fault.
  std::vector<uint32_t> Run(uint32_t variant, uint32_t noc = 0) {
    auto mesh = distributed::MeshDevice::create_unit_mesh(0);
    std::vector<uint32_t> out;
    {
      distributed::MeshCommandQueue &cq = mesh->mesh_command_queue();
      distributed::MeshWorkload workload;
      distributed::MeshCoordinateRange range(mesh->shape());
      Program program = CreateProgram();
      const CoreRange cores(CoreCoord(0, 0), CoreCoord(3, 0));
      CreateCircularBuffer(
          program, cores,
          CircularBufferConfig(2 * 2048,
                               {{tt::CBIndex::c_0, tt::DataFormat::Float16_b}})
              .set_page_size(tt::CBIndex::c_0, 2048));
      const uint32_t sender_sem = CreateSemaphore(program, cores, 0);
      const uint32_t receiver_sem = CreateSemaphore(program, cores, 0);
      EXPECT_EQ(sender_sem, 0u);
      EXPECT_EQ(receiver_sem, 1u);
      distributed::DeviceLocalBufferConfig dram{
          .page_size = 2048, .buffer_type = BufferType::DRAM};
      auto buffer = distributed::MeshBuffer::create(
          distributed::ReplicatedBufferConfig{.size = 12 * 2048}, dram,
          mesh.get());
      const std::vector<uint32_t> accessor{2, 2048};
      std::vector<uint32_t> reader_args = accessor;
      reader_args.push_back(variant);
      reader_args.push_back(3);
      KernelHandle reader = CreateKernel(
          program, (dir_ / "reader.cpp").string(), cores,
          DataMovementConfig{.processor = DataMovementProcessor::RISCV_1,
                             .noc = noc ? NOC::RISCV_1_default
                                        : NOC::RISCV_0_default,
                             .compile_args = reader_args});
      KernelHandle writer = CreateKernel(
          program, (dir_ / "writer.cpp").string(), cores,
          DataMovementConfig{.processor = DataMovementProcessor::RISCV_0,
                             .noc = NOC::RISCV_0_default,
                             .compile_args = accessor});
      const CoreCoord sender = mesh->worker_core_from_logical_core({0, 0});
      const CoreCoord first = mesh->worker_core_from_logical_core({1, 0});
      const CoreCoord last = mesh->worker_core_from_logical_core({3, 0});
      // NoC 0 multicasts from the smaller coordinates, NoC 1 from the larger.
      const CoreCoord start = noc ? last : first, end = noc ? first : last;
      for (uint32_t x = 0; x < 4; ++x) {
        SetRuntimeArgs(program, reader, CoreCoord(x, 0),
                       {uint32_t(sender.x), uint32_t(sender.y),
                        uint32_t(start.x), uint32_t(start.y), uint32_t(end.x),
                        uint32_t(end.y), x == 0 ? 1u : 0u});
        SetRuntimeArgs(program, writer, CoreCoord(x, 0),
                       {buffer->address(), x});
      }
      workload.add_program(range, std::move(program));
      distributed::EnqueueMeshWorkload(cq, workload, false);
      distributed::EnqueueReadMeshBuffer(cq, out, buffer, true);
    }
    mesh->close();
    return out;
  }

  /// The fault of running `variant`, or "" when it ran.
  std::string FaultOf(uint32_t variant, uint32_t noc = 0) {
    try {
      Run(variant, noc);
    } catch (const tt_sim::Fault &f) {
      return f.what();
    }
    return "";
  }

  std::filesystem::path dir_;
};

TEST(Noc, WorkerCoordinatesAreTheChipsTranslatedOnes) {
  tt_sim::ArchConfig wormhole;
  EXPECT_EQ(tt_sim::WorkerNocCoord(wormhole, 0, 0).x, 18u);
  EXPECT_EQ(tt_sim::WorkerNocCoord(wormhole, 7, 7).y, 25u);
  tt_sim::ArchConfig blackhole;
  blackhole.blackhole = true;
  blackhole.grid_x = 11;
  blackhole.grid_y = 10;
  EXPECT_EQ(tt_sim::WorkerNocCoord(blackhole, 0, 0).x, 1u);
  EXPECT_EQ(tt_sim::WorkerNocCoord(blackhole, 0, 0).y, 2u);
  EXPECT_EQ(tt_sim::WorkerNocCoord(blackhole, 7, 0).x, 10u) << "columns 8, 9";
  const auto back = tt_sim::LogicalOfNoc(blackhole, 10, 11);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->x, 7u);
  EXPECT_EQ(back->y, 9u);
  EXPECT_FALSE(tt_sim::LogicalOfNoc(wormhole, 0, 0).has_value());
}

TEST(Noc, AddressesRoundTrip) {
  tt_sim::NocAddress a;
  a.multicast = true;
  a.x_start = 25;
  a.y_start = 18;
  a.x_end = 19;
  a.y_end = 18;
  a.l1_offset = 105824;
  const tt_sim::NocAddress b =
      tt_sim::DecodeNocAddress(tt_sim::EncodeNocAddress(a));
  EXPECT_TRUE(b.multicast);
  EXPECT_EQ(b.x_start, 25u);
  EXPECT_EQ(b.x_end, 19u);
  EXPECT_EQ(b.l1_offset, 105824u);
}

TEST_F(NocProgram, AMulticastReachesEveryReceiverOnBothNocs) {
  for (uint32_t noc : {0u, 1u}) {
    const std::vector<uint32_t> out = Run(kVariantOk, noc);
    ASSERT_EQ(out.size(), 12u * 512);
    for (uint32_t core = 0; core < 4; ++core) {
      for (uint32_t block = 0; block < 3; ++block) {
        const uint32_t *page = &out[(core * 3 + block) * 512];
        EXPECT_EQ(page[0], 1000 * block) << "core " << core << " NoC " << noc;
        EXPECT_EQ(page[511], 1000 * block + 511);
      }
    }
  }
  tt_sim::Device &dev = tt_sim::TheDevice();
  // The sender sent each page once (plus nothing else: the semaphore
  // words it multicast count once too); each receiver got 3 pages and 3
  // semaphore words, and sent 3 increments.
  EXPECT_EQ(dev.core(0, 0).stats.l1_bytes_sent, 3u * (2048 + 4));
  EXPECT_EQ(dev.core(2, 0).stats.l1_bytes_received, 3u * (2048 + 4));
  EXPECT_EQ(dev.core(2, 0).stats.l1_bytes_sent, 3u * 4);
  EXPECT_EQ(dev.core(0, 0).stats.l1_bytes_received, 3u * 3 * 4);
}

TEST_F(NocProgram, AMissingHandshakeIsADeadlockNamingTheSemaphore) {
  const std::string f = FaultOf(kVariantNoIncrement);
  EXPECT_NE(f.find("deadlock: every running kernel of the program's cores"),
            std::string::npos)
      << f;
  EXPECT_NE(f.find("core (0, 0) reader: noc_semaphore_wait(semaphore 0, 3) "
                   "reads 0"),
            std::string::npos)
      << f;
  EXPECT_NE(f.find("core (3, 0) reader: noc_semaphore_wait(semaphore 1, 1) "
                   "reads 0"),
            std::string::npos)
      << f;
  const std::string g = FaultOf(kVariantWaitTooMany);
  EXPECT_NE(g.find("noc_semaphore_wait(semaphore 0, 4) reads 3"),
            std::string::npos)
      << g;
}

TEST_F(NocProgram, DataLandingInPagesTheReceiverDidNotReserveIsAFault) {
  const std::string f = FaultOf(kVariantLateReserve);
  EXPECT_NE(f.find("noc_async_write_multicast into core (1, 0)"),
            std::string::npos)
      << f;
  EXPECT_NE(f.find("a receiver must cb_reserve_back before the data can land"),
            std::string::npos)
      << f;
}

TEST_F(NocProgram, ARectangleAgainstTheNocsDirectionIsAFault) {
  const std::string f = FaultOf(kVariantReversed);
  EXPECT_NE(f.find("runs against the NoC's direction"), std::string::npos) << f;
  // The host's rectangle is right for each NoC (AMulticastReaches...); the
  // reversed one is wrong on NoC 1 too.
  EXPECT_NE(FaultOf(kVariantReversed, 1).find("on NoC 1"), std::string::npos);
}

TEST_F(NocProgram, NumDestsMustCountTheReceivers) {
  const std::string f = FaultOf(kVariantWrongDests);
  EXPECT_NE(f.find("with num_dests 4, but the rectangle holds 3 core(s)"),
            std::string::npos)
      << f;
}

TEST_F(NocProgram, LogicalCoordinatesNameNoCore) {
  const std::string f = FaultOf(kVariantLogicalCoords);
  EXPECT_NE(f.find("noc_semaphore_inc to NoC core (0, 0)"), std::string::npos)
      << f;
  EXPECT_NE(f.find("is no worker core of the device"), std::string::npos) << f;
}

TEST_F(NocProgram, SemaphoresAreLimitedToEightACore) {
  auto mesh = distributed::MeshDevice::create_unit_mesh(0);
  {
    Program program = CreateProgram();
    const CoreRange core(CoreCoord(0, 0), CoreCoord(0, 0));
    for (uint32_t i = 0; i < 8; ++i)
      EXPECT_EQ(CreateSemaphore(program, core, 0), i);
    EXPECT_THROW(CreateSemaphore(program, core, 0), tt_sim::Fault);
    // Another core still has all of its own.
    EXPECT_EQ(CreateSemaphore(program,
                              CoreRange(CoreCoord(1, 0), CoreCoord(1, 0)), 0),
              0u);
  }
  mesh->close();
}

} // namespace
