// tt_sim/sync.hpp -- how the kernels of one core take turns, and deadlock.
//
// Models: the reader, compute and writer kernels of one core running
// concurrently and meeting only at their circular buffers. A CoreScheduler
// runs each kernel of its core on a fiber (tt_sim/fiber.hpp), all on the
// calling OS thread, round-robin: a kernel runs until it must wait (a full CB
// on reserve, an empty CB on wait) or returns, then the next one whose wait
// condition now holds runs. Kernels of different cores synchronize only
// through semaphores (and the L1 writes those guard); a program without
// semaphores has each core scheduled on its own, the cores spread over a
// few OS threads, and a program with semaphores has all its cores' kernels
// on one scheduler, on one thread (program_runner.cc). Either way no lock is
// needed and the interleaving is the same in every run.
//
// Deadlock: when no kernel of the core can run and some have not returned,
// every one of those is waiting on a condition that is false and nothing
// else can change it. The scheduler records a report (core, kernel, CB and
// its fill level for each waiter), then resumes every waiter; Wait throws
// tt_sim::Fault, which unwinds the kernel, and the host call that ran the
// workload rethrows the report. Any other failure of a kernel stops its core
// the same way.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt_sim {

class Fiber;

/// Any error the simulator reports: deadlock, API misuse, out-of-range access.
class Fault : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class CoreScheduler {
public:
  /// `where` names the core in reports, e.g. "core (1, 2)".
  explicit CoreScheduler(std::string where);
  ~CoreScheduler();
  CoreScheduler(const CoreScheduler &) = delete;
  CoreScheduler &operator=(const CoreScheduler &) = delete;

  /// Add a kernel: `body` runs on a fiber of its own, and CurrentContext()
  /// is `context` whenever it runs. `body` must not throw.
  void Spawn(std::function<void()> body, void *context);

  /// Run the kernels, in the order spawned, each until it waits or returns,
  /// until every kernel has returned. Returns normally after a failure too:
  /// failure() says what went wrong.
  void Run();

  /// From a kernel: return once `ready()` holds; `what()` describes the wait
  /// for a deadlock report. Throws Fault once the core has failed. Outside a
  /// running kernel a wait that is not ready at once is a Fault.
  template <typename Ready, typename What>
  void Wait(const Ready &ready, const What &what) {
    ThrowIfFailed();
    if (ready())
      return;
    Block(std::cref(ready), std::cref(what));
  }

  /// Record `message` as the core's failure unless one is recorded already.
  void Fail(const std::string &message);
  /// The first failure of this core, or "" while it has none.
  const std::string &failure() const { return failure_; }

  /// The `context` of the kernel running on this OS thread, or nullptr.
  static void *CurrentContext();

private:
  struct Task {
    std::unique_ptr<Fiber> fiber;
    void *context = nullptr;
    /// Set while the kernel is blocked in Wait.
    std::function<bool()> ready;
    std::function<std::string()> what;
  };

  /// Park the running kernel until the scheduler finds `ready()` true (or
  /// the core failed), then return to it.
  void Block(std::function<bool()> ready, std::function<std::string()> what);
  void ThrowIfFailed() const;
  /// One line per blocked kernel, sorted.
  std::string DeadlockReport() const;

  std::string where_;
  std::vector<Task> tasks_;
  Task *running_ = nullptr;
  std::string failure_;
};

} // namespace tt_sim
