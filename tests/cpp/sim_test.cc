/*!
 * \file sim_test.cc
 * \brief Simulator building blocks: bf16 rounding, the face layout, tilize,
 *        circular-buffer protocol errors, fibers, the per-core scheduler and
 *        deadlock detection.
 */

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tt-metalium/tilize_utils.hpp"
#include "tt_sim/circular_buffer.hpp"
#include "tt_sim/fiber.hpp"
#include "tt_sim/sync.hpp"
#include "tt_sim/tile.hpp"

namespace tt_sim {
namespace {

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(FloatToBf16(1.0f + 1.0f / 256), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even.
  EXPECT_EQ(FloatToBf16(1.0f + 3.0f / 256), 0x3f82);
  EXPECT_EQ(FloatToBf16(-2.5f), 0xc020);
  EXPECT_EQ(Bf16ToFloat(0x3f80), 1.0f);
}

TEST(Tile, FacesAreRowMajorAndOrderedTLTRBLBR) {
  EXPECT_EQ(FaceIndex(0, 0), 0u);
  EXPECT_EQ(FaceIndex(0, 15), 15u);
  EXPECT_EQ(FaceIndex(0, 16), 256u);   // top-right face
  EXPECT_EQ(FaceIndex(16, 0), 512u);   // bottom-left face
  EXPECT_EQ(FaceIndex(31, 31), 1023u); // last of bottom-right
  EXPECT_EQ(FaceIndex(1, 0), 16u);
}

TEST(Tile, TilizeRoundTrips) {
  std::vector<uint32_t> rows(64 * 96);
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i] = static_cast<uint32_t>(i);
  auto tiled = tilize_nfaces(rows, 64, 96);
  EXPECT_EQ(tiled[256], 16);  // tile 0, face 1, (0, 0) = row 0 col 16
  EXPECT_EQ(tiled[1024], 32); // tile 1 starts at row 0 col 32
  EXPECT_EQ(untilize_nfaces(tiled, 64, 96), rows);
}

TEST(CircularBuffer, PushingMoreThanReservedIsMisuse) {
  CoreScheduler m("core (0, 0)");
  CircularBuffer cb(3, 0x1000, 4, 2048, "core (0, 0)");
  cb.reserve_back(m, 1, "reader");
  EXPECT_THROW(cb.push_back(m, 2, "reader"), Fault);
  EXPECT_NE(m.failure().find("cb_push_back(2) after reserving only 1"),
            std::string::npos)
      << m.failure();
}

TEST(CircularBuffer, PopWithoutWaitIsMisuse) {
  CoreScheduler m("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 2, 2048, "core (1, 2)");
  EXPECT_THROW(cb.pop_front(m, 1, "compute"), Fault);
  EXPECT_NE(m.failure().find("core (1, 2) compute"), std::string::npos)
      << m.failure();
}

TEST(CircularBuffer, PointersWrapAroundThePages) {
  CoreScheduler m("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 2, 2048, "core (0, 0)");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cb.write_ptr(), 0x1000u + (i % 2) * 2048);
    cb.reserve_back(m, 1, "reader");
    cb.push_back(m, 1, "reader");
    cb.wait_front(m, 1, "compute");
    cb.pop_front(m, 1, "compute");
  }
  EXPECT_EQ(cb.peak_pages(), 1u);
}

TEST(Fiber, ResumeRunsUntilYieldThenContinues) {
  std::vector<int> trace;
  Fiber fiber([&] {
    trace.push_back(1);
    Fiber::Current()->Yield();
    trace.push_back(3);
  });
  EXPECT_EQ(Fiber::Current(), nullptr);
  fiber.Resume();
  trace.push_back(2);
  EXPECT_EQ(fiber.state(), Fiber::State::kReady);
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
  EXPECT_EQ(trace, (std::vector<int>{1, 2, 3}));
  EXPECT_THROW(fiber.Resume(), Fault);
}

TEST(Fiber, YieldOutsideTheFiberIsAFault) {
  Fiber fiber([] {});
  EXPECT_THROW(fiber.Yield(), Fault);
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
}

/// A producer and a consumer of a 2-page CB on one core: the scheduler runs
/// each until it blocks, in the order spawned, the same way every time.
TEST(CoreScheduler, KernelsTakeTurnsAtTheirCircularBuffers) {
  CoreScheduler s("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 2, 2048, "core (0, 0)");
  std::string trace;
  int ctx_reader = 0, ctx_compute = 0;
  std::vector<void *> contexts_seen;
  s.Spawn(
      [&] {
        for (int i = 0; i < 5; ++i) {
          cb.reserve_back(s, 1, "reader");
          contexts_seen.push_back(CoreScheduler::CurrentContext());
          cb.push_back(s, 1, "reader");
          trace += 'P';
        }
      },
      &ctx_reader);
  s.Spawn(
      [&] {
        for (int i = 0; i < 5; ++i) {
          cb.wait_front(s, 1, "compute");
          contexts_seen.push_back(CoreScheduler::CurrentContext());
          cb.pop_front(s, 1, "compute");
          trace += 'c';
        }
      },
      &ctx_compute);
  s.Run();
  EXPECT_EQ(s.failure(), "");
  // The reader fills both pages, blocks; the consumer drains them, blocks...
  EXPECT_EQ(trace, "PPccPPccPc");
  EXPECT_EQ(contexts_seen.front(), &ctx_reader);
  EXPECT_EQ(contexts_seen.back(), &ctx_compute);
  EXPECT_EQ(CoreScheduler::CurrentContext(), nullptr);
}

TEST(CoreScheduler, AllKernelsBlockedIsADeadlock) {
  CoreScheduler s("core (0, 0)");
  CircularBuffer a(0, 0x1000, 1, 2048, "core (0, 0)");
  CircularBuffer b(1, 0x2000, 1, 2048, "core (0, 0)");
  int unwound = 0;
  auto waiter = [&](CircularBuffer *cb, const char *who) {
    return [&s, &unwound, cb, who] {
      try {
        cb->wait_front(s, 1, who);
      } catch (const Fault &) {
        ++unwound;
      }
    };
  };
  s.Spawn(waiter(&a, "compute"), nullptr);
  s.Spawn(waiter(&b, "writer"), nullptr);
  s.Run();
  const std::string report = s.failure();
  EXPECT_EQ(unwound, 2) << "each blocked kernel is unwound by a Fault";
  EXPECT_EQ(report.rfind("deadlock: every running kernel of core (0, 0) is "
                         "blocked:",
                         0),
            0u)
      << report;
  EXPECT_NE(
      report.find("compute: cb_wait_front(1) on CB c_0 holding 0/1 pages"),
      std::string::npos)
      << report;
  EXPECT_NE(report.find("writer: cb_wait_front(1) on CB c_1"),
            std::string::npos)
      << report;
}

TEST(CoreScheduler, AFailingKernelStopsTheOthersOfItsCore) {
  CoreScheduler s("core (2, 3)");
  CircularBuffer cb(0, 0x1000, 1, 2048, "core (2, 3)");
  bool consumer_unwound = false, consumer_finished = false;
  s.Spawn(
      [&] {
        try {
          cb.wait_front(s, 1, "compute");
          consumer_finished = true;
        } catch (const Fault &) {
          consumer_unwound = true;
        }
      },
      nullptr);
  s.Spawn(
      [&] {
        try {
          cb.pop_front(s, 1, "writer"); // pop without wait: misuse
        } catch (const Fault &) {
        }
      },
      nullptr);
  s.Run();
  EXPECT_TRUE(consumer_unwound);
  EXPECT_FALSE(consumer_finished);
  EXPECT_NE(s.failure().find("API misuse: core (2, 3) writer: cb_pop_front"),
            std::string::npos)
      << s.failure();
}

TEST(CoreScheduler, WaitingOutsideAKernelIsAFault) {
  CoreScheduler s("core (0, 0)");
  CircularBuffer cb(0, 0x1000, 1, 2048, "core (0, 0)");
  EXPECT_THROW(cb.wait_front(s, 1, "compute"), Fault);
  EXPECT_NE(s.failure().find("blocked outside a running kernel"),
            std::string::npos)
      << s.failure();
}

} // namespace
} // namespace tt_sim
