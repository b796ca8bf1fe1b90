// Fibers on POSIX ucontext (tt_sim/fiber.hpp).

#include "tt_sim/fiber.hpp"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "tt_sim/sync.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TT_SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_SIM_ASAN 1
#endif
#endif

#ifdef TT_SIM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace tt_sim {

namespace {
thread_local Fiber *t_current = nullptr;

/// ASan must be told before every stack switch which stack becomes live, and
/// after it which one was left (no-ops in other builds).
void StartSwitch(void **fake_stack_save, const void *bottom, std::size_t size) {
#ifdef TT_SIM_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
  (void)fake_stack_save, (void)bottom, (void)size;
#endif
}
void FinishSwitch(void *fake_stack_save, const void **bottom_old,
                  std::size_t *size_old) {
#ifdef TT_SIM_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#else
  (void)fake_stack_save, (void)bottom_old, (void)size_old;
#endif
}
} // namespace

struct Fiber::Impl {
  ucontext_t fiber{};  // the fiber's registers while it is switched out
  ucontext_t caller{}; // the scheduler's registers while the fiber runs
  void *mapping = nullptr;
  std::size_t mapping_bytes = 0;
  void *stack = nullptr; // above the guard page
  std::size_t stack_bytes = 0;
  // ASan: the fake stack of whoever is switched out, and the caller's stack.
  void *caller_fake_stack = nullptr;
  void *fiber_fake_stack = nullptr;
  const void *caller_bottom = nullptr;
  std::size_t caller_size = 0;
};

Fiber::Fiber(std::function<void()> body, std::size_t stack_bytes)
    : body_(std::move(body)), impl_(std::make_unique<Impl>()) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  stack_bytes = (stack_bytes + page - 1) / page * page;
  // Step 1: the stack, with one inaccessible guard page below it so an
  // overflow faults instead of writing over another fiber's stack.
  impl_->mapping_bytes = stack_bytes + page;
  impl_->mapping = mmap(nullptr, impl_->mapping_bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (impl_->mapping == MAP_FAILED)
    throw Fault("cannot map a " + std::to_string(stack_bytes) +
                "-byte stack for a kernel");
  mprotect(impl_->mapping, page, PROT_NONE);
  impl_->stack = static_cast<uint8_t *>(impl_->mapping) + page;
  impl_->stack_bytes = stack_bytes;
  // Step 2: a context that starts in Entry on that stack. makecontext passes
  // int arguments only, so `this` travels as two 32-bit halves.
  if (getcontext(&impl_->fiber) != 0)
    throw Fault("getcontext failed");
  impl_->fiber.uc_stack.ss_sp = impl_->stack;
  impl_->fiber.uc_stack.ss_size = impl_->stack_bytes;
  impl_->fiber.uc_link = nullptr; // Entry never returns
  const auto self = reinterpret_cast<uintptr_t>(this);
  makecontext(&impl_->fiber, reinterpret_cast<void (*)()>(&Fiber::Entry), 2,
              static_cast<unsigned>(uint64_t(self) >> 32),
              static_cast<unsigned>(uint64_t(self) & 0xffffffffu));
}

Fiber::~Fiber() {
  if (impl_->mapping != nullptr)
    munmap(impl_->mapping, impl_->mapping_bytes);
}

Fiber *Fiber::Current() { return t_current; }

void Fiber::Entry(unsigned hi, unsigned lo) {
  auto *self = reinterpret_cast<Fiber *>(
      static_cast<uintptr_t>((uint64_t(hi) << 32) | uint64_t(lo)));
  Impl &impl = *self->impl_;
  FinishSwitch(nullptr, &impl.caller_bottom, &impl.caller_size);
  try {
    self->body_();
  } catch (...) {
    // Nothing above this frame can catch it: say so before stopping.
    std::fputs("tt_sim: an exception escaped a kernel fiber's body\n", stderr);
    std::abort();
  }
  // The body has returned: go back for good. A null fake-stack slot tells
  // ASan this stack is finished.
  self->state_ = State::kDone;
  t_current = nullptr;
  StartSwitch(nullptr, impl.caller_bottom, impl.caller_size);
  setcontext(&impl.caller);
  std::fputs("tt_sim: a finished fiber could not switch back\n", stderr);
  std::abort();
}

void Fiber::Resume() {
  if (t_current != nullptr)
    throw Fault("a fiber resumed another fiber (kernels may not nest)");
  if (state_ != State::kReady)
    throw Fault("resuming a kernel fiber that is not ready");
  state_ = State::kRunning;
  t_current = this;
  StartSwitch(&impl_->caller_fake_stack, impl_->stack, impl_->stack_bytes);
  swapcontext(&impl_->caller, &impl_->fiber);
  FinishSwitch(impl_->caller_fake_stack, nullptr, nullptr);
  t_current = nullptr;
}

void Fiber::Yield() {
  if (t_current != this)
    throw Fault("Fiber::Yield called from outside the fiber");
  state_ = State::kReady;
  t_current = nullptr;
  StartSwitch(&impl_->fiber_fake_stack, impl_->caller_bottom,
              impl_->caller_size);
  swapcontext(&impl_->fiber, &impl_->caller);
  FinishSwitch(impl_->fiber_fake_stack, &impl_->caller_bottom,
               &impl_->caller_size);
  // Resume() set state_ and t_current before switching back in.
}

} // namespace tt_sim
