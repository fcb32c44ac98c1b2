// The sanitizer build (README "Hardening") and SystemC's thread stacks. Debian's SystemC runs
// every SC_THREAD on a stack of its own (QuickThreads), which AddressSanitizer does not know of.
// When an exception unwinds frames on such a stack, ASan cannot clear the redzones those frames
// left in its shadow memory (it says "ignoring requested __asan_handle_no_return"), and the next
// calls that reuse the addresses, in uninstrumented libsystemc too, are reported as stack
// overflows that are not there. A thread that catches an exception calls this first: it clears
// the shadow of its stack below the catching frame, which is what ASan does after an unwind on a
// stack it knows. Nothing at all without ASan.
#pragma once
#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MMUSIM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MMUSIM_ASAN 1
#endif
#ifdef MMUSIM_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace mmusim {

// `thread_top`: the address of a local of the thread's entry function (near the top of its stack);
// `stack_size`: the thread's stack size (SystemC's SC_DEFAULT_STACK_SIZE unless set otherwise).
#ifdef MMUSIM_ASAN
// Everything from the stack's bottom up to `thread_top` is cleared, this function's own frame
// included: the unwound frames' redzones may lie anywhere below the catching frame, and the calls
// the catch block makes next (sc_stop's report) reuse those addresses.
__attribute__((noinline)) inline void asan_clear_unwound_stack(const char* thread_top, std::size_t stack_size) {
  const char* bottom = thread_top - stack_size + 4096;  // within the stack: the entry frame lies below its top
  if (thread_top > bottom) __asan_unpoison_memory_region(bottom, static_cast<std::size_t>(thread_top - bottom));
}
#else
inline void asan_clear_unwound_stack(const char*, std::size_t) {}
#endif

}  // namespace mmusim
