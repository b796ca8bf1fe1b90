// tt_sim/fiber.hpp -- a cooperative thread of execution with its own stack.
//
// Models: nothing of the device; it is how the simulator runs a kernel. A
// Fiber runs `body` on a stack of its own, and only switches at two points:
//   Resume() -- called by the scheduler: run the fiber until it yields or
//               its body returns;
//   Yield()  -- called by the running fiber: go back to the Resume() that
//               started this stretch.
// States: kReady --Resume--> kRunning --Yield--> kReady, and
//         kRunning --body returns--> kDone. Resume() of a kDone fiber and
//         Yield() outside a fiber are errors (Fault).
// A fiber never moves to another OS thread: it is created, resumed and
// destroyed by the one thread that runs its scheduler. `body` must not let an
// exception escape (the scheduler wraps every kernel in a try block).
//
// Implementation: POSIX ucontext, a stack mapped with a guard page below it,
// and AddressSanitizer's fiber annotations when the simulator is built with
// -fsanitize=address (so ASan knows which stack is live).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace tt_sim {

/// Bytes of address space reserved for a fiber's stack; pages are committed
/// only when touched, so this is room for sanitizer builds, not memory used.
constexpr std::size_t kFiberStackBytes = std::size_t(1) << 20;

class Fiber {
public:
  enum class State { kReady, kRunning, kDone };

  explicit Fiber(std::function<void()> body,
                 std::size_t stack_bytes = kFiberStackBytes);
  ~Fiber();
  Fiber(const Fiber &) = delete;
  Fiber &operator=(const Fiber &) = delete;

  /// Switch into the fiber; returns when it yields or its body has returned.
  void Resume();
  /// Switch from the running fiber back to its Resume(). Only the fiber
  /// itself may call it.
  void Yield();

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }

  /// The fiber running on this OS thread, or nullptr outside every fiber.
  static Fiber *Current();

private:
  struct Impl; // ucontext_t and sanitizer bookkeeping (fiber.cc)
  static void Entry(unsigned hi, unsigned lo);

  std::function<void()> body_;
  State state_ = State::kReady;
  std::unique_ptr<Impl> impl_;
};

} // namespace tt_sim
