// tt_sim/sync.hpp -- blocking with deadlock detection.
//
// Every kernel thread of a run is registered with the Monitor. A thread that
// must wait (a full CB on reserve, an empty CB on wait) calls Monitor::Wait
// with its wake-up condition and a description of the wait. When every live
// kernel thread is waiting on a condition that is still false -- conditions
// are re-evaluated at the check, because a waiter that was just notified has
// not yet left the wait -- none can make progress: the monitor records a
// deadlock report (core, kernel, CB and its fill level for each waiter) and
// wakes everyone; Wait then throws tt_sim::Fault, which unwinds the kernel,
// and the host call that ran the workload rethrows the report. One mutex
// guards all CB state of a run, so the check is exact.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace tt_sim {

/// Any error the simulator reports: deadlock, API misuse, out-of-range access.
class Fault : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class Monitor {
public:
  std::mutex mu;

  void Start(int threads) {
    std::lock_guard<std::mutex> lock(mu);
    live_ = threads;
    waiting_.clear();
    failure_.clear();
  }

  /// Caller holds `lock` on mu. Waits until `ready()`; `what` describes the
  /// wait for a deadlock report.
  void Wait(std::unique_lock<std::mutex> &lock,
            const std::function<bool()> &ready,
            const std::function<std::string()> &what) {
    if (!failure_.empty())
      throw Fault(failure_);
    if (ready())
      return;
    const auto id = std::this_thread::get_id();
    std::condition_variable cv;
    waiting_[id] = Waiter{ready, what, &cv};
    CheckDeadlock();
    cv.wait(lock, [&] { return ready() || !failure_.empty(); });
    waiting_.erase(id);
    if (!failure_.empty())
      throw Fault(failure_);
  }

  /// State changed (a push, pop or thread exit): wake the waiters.
  /// Caller holds mu. Wakes only the waiters whose condition now holds, so a
  /// push or pop does not wake every thread of the run.
  void Notify() {
    for (auto &kv : waiting_) {
      if (kv.second.ready()) {
        kv.second.cv->notify_one();
      }
    }
  }

  /// Caller holds mu.
  void ThreadDone() {
    --live_;
    CheckDeadlock();
  }

  /// Caller holds mu. Records the first failure and wakes everyone.
  void Fail(const std::string &message) {
    if (failure_.empty())
      failure_ = message;
    for (auto &kv : waiting_) {
      kv.second.cv->notify_one();
    }
  }

  std::string failure() {
    std::lock_guard<std::mutex> lock(mu);
    return failure_;
  }

private:
  struct Waiter {
    std::function<bool()> ready;
    std::function<std::string()> what;
    std::condition_variable *cv; // the waiting thread's own
  };

  void CheckDeadlock() {
    if (live_ == 0 || static_cast<int>(waiting_.size()) != live_ ||
        !failure_.empty())
      return;
    for (const auto &kv : waiting_) {
      if (kv.second.ready())
        return; // notified, about to run
    }
    std::ostringstream os;
    os << "deadlock: every running kernel is blocked:";
    std::map<std::string, int> sorted;
    for (const auto &kv : waiting_)
      sorted[kv.second.what()]++;
    for (const auto &kv : sorted)
      os << "\n  " << kv.first;
    Fail(os.str());
  }

  int live_ = 0;
  std::map<std::thread::id, Waiter> waiting_;
  std::string failure_;
};

} // namespace tt_sim
