// tt_sim/circular_buffer.hpp -- one circular buffer of one core.
//
// Models: a FIFO of `num_pages` pages of `page_bytes` in the core's L1,
// shared by one producer kernel (reserve_back / write pointer / push_back) and
// one consumer kernel (wait_front / read pointer / pop_front).
//   reserve_back(n) blocks while fewer than n pages are free;
//   wait_front(n)   blocks while fewer than n pages are filled;
//   push_back(n) publishes n reserved pages -- more than reserved is a Fault;
//   pop_front(n) frees n waited-for pages -- more than waited for is a Fault.
// The consumer may touch only the pages it waited for (waited_pages()), the
// producer only the pages it reserved (reserved_pages()); the kernel API
// checks every access against these (kernel_api.cc). pack_tile writes the
// reserved pages in order: next_pack_page() advances on each call and
// restarts at push_back.
// The write (read) pointer is the L1 address of the first reserved (filled)
// page; pages wrap around the buffer. Synchronization: only the kernels of the
// buffer's own core touch it, and they take turns on one OS thread (sync.hpp),
// so there is no lock; blocking goes through CoreScheduler::Wait.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>

#include "tt_sim/data_format.hpp"
#include "tt_sim/sync.hpp"

namespace tt_sim {

class CircularBuffer {
public:
  CircularBuffer() = default;
  CircularBuffer(uint32_t id, uint32_t base, uint32_t num_pages,
                 uint32_t page_bytes, Format format, std::string where)
      : id_(id), base_(base), num_pages_(num_pages), page_bytes_(page_bytes),
        format_(format), where_(std::move(where)) {}

  bool configured() const { return num_pages_ > 0; }
  uint32_t page_bytes() const { return page_bytes_; }
  /// The data format of its tiles (CircularBufferConfig).
  Format format() const { return format_; }

  void reserve_back(CoreScheduler &s, uint32_t n, const std::string &kernel) {
    Check(s, n <= num_pages_, kernel,
          [&] { return "cb_reserve_back of " + std::to_string(n) + " pages"; });
    s.Wait(
        [&] { return num_pages_ - filled_ - reserved_ >= n || reserved_ >= n; },
        [&] {
          return Describe(kernel, "cb_reserve_back(" + std::to_string(n) + ")");
        });
    reserved_ = std::max(reserved_, n);
  }

  void push_back(CoreScheduler &s, uint32_t n, const std::string &kernel) {
    Check(s, n <= reserved_, kernel, [&] {
      return "cb_push_back(" + std::to_string(n) + ") after reserving only " +
             std::to_string(reserved_);
    });
    reserved_ -= n;
    packed_ = 0;
    filled_ += n;
    wr_page_ = (wr_page_ + n) % num_pages_;
    peak_ = std::max(peak_, filled_);
  }

  void wait_front(CoreScheduler &s, uint32_t n, const std::string &kernel) {
    Check(s, n <= num_pages_, kernel,
          [&] { return "cb_wait_front of " + std::to_string(n) + " pages"; });
    s.Wait([&] { return filled_ >= n; },
           [&] {
             return Describe(kernel,
                             "cb_wait_front(" + std::to_string(n) + ")");
           });
    waited_ = std::max(waited_, n);
  }

  void pop_front(CoreScheduler &s, uint32_t n, const std::string &kernel) {
    Check(s, n <= waited_ && n <= filled_, kernel, [&] {
      return "cb_pop_front(" + std::to_string(n) + ") with only " +
             std::to_string(std::min(waited_, filled_)) + " pages waited for";
    });
    waited_ -= n;
    filled_ -= n;
    rd_page_ = (rd_page_ + n) % num_pages_;
  }

  /// L1 address range [base, base + bytes) of the buffer's pages.
  uint32_t base() const { return base_; }
  uint32_t bytes() const { return num_pages_ * page_bytes_; }
  uint32_t write_ptr() const { return base_ + wr_page_ * page_bytes_; }
  uint32_t read_ptr() const { return base_ + rd_page_ * page_bytes_; }
  /// L1 address of page `i` after the write (read) pointer, wrapping.
  uint32_t write_page(uint32_t i) const {
    return base_ + ((wr_page_ + i) % num_pages_) * page_bytes_;
  }
  uint32_t read_page(uint32_t i) const {
    return base_ + ((rd_page_ + i) % num_pages_) * page_bytes_;
  }
  uint32_t peak_pages() const { return peak_; }
  uint32_t filled_pages() const { return filled_; }
  /// Pages at the front the consumer waited for and has not popped.
  uint32_t waited_pages() const { return std::min(waited_, filled_); }
  /// Pages after the write pointer the producer reserved.
  uint32_t reserved_pages() const { return reserved_; }
  /// Page (from the write pointer) the next in-order pack_tile writes.
  uint32_t next_pack_page() { return packed_++; }
  /// Which page of this CB holds L1 address `addr`, counted from the read
  /// (`from_front`) or write pointer, or -1 when `addr` is not in the CB.
  int64_t PageFrom(uint32_t addr, bool from_front) const {
    if (addr < base_ || addr >= base_ + bytes())
      return -1;
    const uint32_t page = (addr - base_) / page_bytes_;
    const uint32_t start = from_front ? rd_page_ : wr_page_;
    return (page + num_pages_ - start) % num_pages_;
  }
  /// `addr` is the first byte of a page.
  bool PageAligned(uint32_t addr) const {
    return (addr - base_) % page_bytes_ == 0;
  }
  uint32_t id() const { return id_; }

private:
  std::string Describe(const std::string &kernel, const std::string &op) const {
    std::ostringstream os;
    os << where_ << " " << kernel << ": " << op << " on CB c_" << id_
       << " holding " << filled_ << "/" << num_pages_ << " pages";
    return os.str();
  }

  /// A protocol check; `what()` builds the message only when it fails.
  template <typename What>
  void Check(CoreScheduler &s, bool ok, const std::string &kernel,
             const What &what) {
    if (!ok) {
      std::string msg = "API misuse: " + Describe(kernel, what());
      s.Fail(msg);
      throw Fault(msg);
    }
  }

  uint32_t id_ = 0, base_ = 0, num_pages_ = 0, page_bytes_ = 0;
  Format format_ = Format::kNone;
  std::string where_;
  uint32_t filled_ = 0, reserved_ = 0, waited_ = 0, packed_ = 0;
  uint32_t wr_page_ = 0, rd_page_ = 0, peak_ = 0;
};

} // namespace tt_sim
