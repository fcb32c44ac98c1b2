// The sanitizer build (README "Hardening") and SystemC's thread stacks. Debian's SystemC runs
// every SC_THREAD on a stack of its own (QuickThreads), which AddressSanitizer does not know of.
// When an exception unwinds frames on such a stack, ASan cannot clear the redzones those frames
// left in its shadow memory (it says "ignoring requested __asan_handle_no_return"), and the next
// calls that reuse the addresses, in uninstrumented libsystemc too, are reported as stack
// overflows that are not there. A thread that catches an exception calls this first: it clears
// the shadow of its stack below the catching frame, which is what ASan does after an unwind on a
// stack it knows. Nothing at all without ASan.
//
// The same library also tells ASan of its own stack switches (sc_cor_qt.cpp, 2.3.4, calls
// __sanitizer_start_switch_fiber and __sanitizer_finish_switch_fiber when it is linked with
// ASan), but not all of them: a thread that ends passes control to the next coroutine through
// sc_cor_pkg_qt::abort, which tells ASan nothing, and the main coroutine is described as a stack
// of size 0. So when sc_start returns, ASan may still take the process's main thread to run on
// the stack of the SC_THREAD that ended last, a range SystemC unmaps once that thread is deleted.
// LeakSanitizer, at exit, scans the main thread's stack as it knows it: it skips the pages of
// that stale range that are unmapped, but if the range was partly reused by a later mapping it
// reads on into unmapped pages and its tracer thread crashes ("Tracer caught signal 11"), which
// made runs fail by chance, depending on the addresses mmap handed out. AsanOnThreadStack, around
// sc_start, gives ASan the thread's own stack back when sc_start returns or throws.
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
#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
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

// Lives on the thread's own stack, around sc_start: its destructor tells ASan that the thread runs
// on that stack again (a switch from the stack ASan believes current to the thread's own).
class AsanOnThreadStack {
 public:
  AsanOnThreadStack() = default;
  AsanOnThreadStack(const AsanOnThreadStack&) = delete;
  AsanOnThreadStack& operator=(const AsanOnThreadStack&) = delete;
#ifdef MMUSIM_ASAN
  ~AsanOnThreadStack() {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void* bottom = nullptr;
    std::size_t size = 0;
    const bool known = pthread_attr_getstack(&attr, &bottom, &size) == 0;
    pthread_attr_destroy(&attr);
    if (!known) return;
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
  }
#endif
};

}  // namespace mmusim
