/*!
 * \file sim_test.cc
 * \brief Simulator building blocks: bf16 rounding, the face layout, tilize,
 *        circular-buffer protocol errors and deadlock detection.
 */

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tt-metalium/tilize_utils.hpp"
#include "tt_sim/circular_buffer.hpp"
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
  std::vector<int> rows(64 * 96);
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i] = static_cast<int>(i);
  auto tiled = tilize_nfaces(rows, 64, 96);
  EXPECT_EQ(tiled[256], 16);  // tile 0, face 1, (0, 0) = row 0 col 16
  EXPECT_EQ(tiled[1024], 32); // tile 1 starts at row 0 col 32
  EXPECT_EQ(untilize_nfaces(tiled, 64, 96), rows);
}

TEST(CircularBuffer, PushingMoreThanReservedIsMisuse) {
  Monitor m;
  m.Start(1);
  CircularBuffer cb(3, 0x1000, 4, 2048, "core (0, 0)");
  cb.reserve_back(m, 1, "reader");
  EXPECT_THROW(cb.push_back(m, 2, "reader"), Fault);
  EXPECT_NE(m.failure().find("cb_push_back(2) after reserving only 1"),
            std::string::npos)
      << m.failure();
}

TEST(CircularBuffer, PopWithoutWaitIsMisuse) {
  Monitor m;
  m.Start(1);
  CircularBuffer cb(0, 0x1000, 2, 2048, "core (1, 2)");
  EXPECT_THROW(cb.pop_front(m, 1, "compute"), Fault);
  EXPECT_NE(m.failure().find("core (1, 2) compute"), std::string::npos)
      << m.failure();
}

TEST(CircularBuffer, PointersWrapAroundThePages) {
  Monitor m;
  m.Start(1);
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

TEST(Monitor, AllThreadsBlockedIsADeadlock) {
  Monitor m;
  m.Start(2);
  CircularBuffer a(0, 0x1000, 1, 2048, "core (0, 0)");
  CircularBuffer b(1, 0x2000, 1, 2048, "core (0, 0)");
  auto waiter = [&m](CircularBuffer *cb, const char *who) {
    try {
      cb->wait_front(m, 1, who);
    } catch (const Fault &) {
    }
  };
  std::thread t1(waiter, &a, "compute");
  std::thread t2(waiter, &b, "writer");
  t1.join();
  t2.join();
  const std::string report = m.failure();
  EXPECT_NE(report.find("deadlock"), std::string::npos) << report;
  EXPECT_NE(
      report.find("compute: cb_wait_front(1) on CB c_0 holding 0/1 pages"),
      std::string::npos)
      << report;
  EXPECT_NE(report.find("writer: cb_wait_front(1) on CB c_1"),
            std::string::npos)
      << report;
}

} // namespace
} // namespace tt_sim
