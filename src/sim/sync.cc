// The per-core cooperative scheduler (tt_sim/sync.hpp).

#include "tt_sim/sync.hpp"

#include <map>
#include <sstream>

#include "tt_sim/fiber.hpp"

namespace tt_sim {

namespace {
thread_local void *t_context = nullptr;
} // namespace

CoreScheduler::CoreScheduler(std::string where) : where_(std::move(where)) {}

CoreScheduler::~CoreScheduler() = default;

void *CoreScheduler::CurrentContext() { return t_context; }

void CoreScheduler::Spawn(std::function<void()> body, void *context) {
  Task task;
  task.fiber = std::make_unique<Fiber>(std::move(body));
  task.context = context;
  tasks_.push_back(std::move(task));
}

void CoreScheduler::Run() {
  for (;;) {
    bool ran = false, unfinished = false;
    // Step 1: one round: every kernel that has not returned and is not
    // waiting on a false condition runs until it waits or returns. After a
    // failure every waiter runs, so that its Wait throws and it unwinds.
    for (Task &task : tasks_) {
      if (task.fiber->done())
        continue;
      unfinished = true;
      if (task.ready && failure_.empty() && !task.ready())
        continue;
      running_ = &task;
      t_context = task.context;
      task.fiber->Resume();
      t_context = nullptr;
      running_ = nullptr;
      ran = true;
    }
    if (!unfinished)
      return;
    // Step 2: nobody could run, yet some have not returned: a deadlock.
    if (!ran)
      Fail(DeadlockReport());
  }
}

void CoreScheduler::Block(std::function<bool()> ready,
                          std::function<std::string()> what) {
  if (running_ == nullptr || Fiber::Current() != running_->fiber.get()) {
    const std::string msg =
        "blocked outside a running kernel: " + what() + " would never return";
    Fail(msg);
    throw Fault(msg);
  }
  Task &task = *running_;
  task.ready = std::move(ready);
  task.what = std::move(what);
  task.fiber->Yield();
  task.ready = nullptr;
  task.what = nullptr;
  ThrowIfFailed();
}

void CoreScheduler::Fail(const std::string &message) {
  if (failure_.empty())
    failure_ = message;
}

void CoreScheduler::ThrowIfFailed() const {
  if (!failure_.empty())
    throw Fault(failure_);
}

std::string CoreScheduler::DeadlockReport() const {
  std::map<std::string, int> sorted;
  for (const Task &task : tasks_) {
    if (!task.fiber->done() && task.what)
      sorted[task.what()]++;
  }
  std::ostringstream os;
  os << "deadlock: every running kernel of " << where_ << " is blocked:";
  for (const auto &kv : sorted)
    os << "\n  " << kv.first;
  return os.str();
}

} // namespace tt_sim
