#include "trace/prefetch_reader.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>

namespace mmusim {

// How the two threads, the producer (parsing the trace) and the consumer (the simulation), wait for
// each other, measured on this project's machine (a 2-vCPU virtual machine; ratios of native runs
// to parse-only of the same file, interleaved rounds; bench/README.md, profile 7):
// - Apart: two threads handing batches to each other every few microseconds stay "cache hot"
//   wherever they run, so once they share a CPU the idle one does not pull either over for tens of
//   milliseconds. On a 10M-record lackey trace (2,460 batches) about half of the runs shared a CPU
//   for their first 100 to 500 batches (a new thread starts on its creator's CPU; a thread woken
//   on a full ring is often placed on its waker's) and were 10-25% slower: stay_apart.
// - Eager: a thread that sleeps lets its vCPU go idle, and waking it can take long. The lackey
//   producer stalls about 135 times per 10M records (each 1 MiB read() of the file, ~150 us);
//   with the consumer sleeping through each stall, 0.71-0.88; spinning up to 1 ms (yielding to
//   any thread that wants the CPU), 0.92-0.94, and 2 ms did no better: spin_until. The consumer
//   spins only when its work is more than half the producer's (time_consumer): a CSV trace's
//   consumer has time to spare, and spinning only burnt a CPU.
// - Calm: spinning keeps a CPU that another program, or the other thread, may need. With a busy
//   loop pinned to one of the two CPUs, a CSV trace fell from 0.72-0.73 to 0.48-0.52 when the
//   consumer spun at every wait. So the threads neither spin nor move for 5 ms once the producer
//   was preempted while parsing or a spin ran out: wait_eagerly, calm_down.
namespace {
// Moves the calling thread off `cpu` once, if it may run elsewhere, and lets it run anywhere it
// could before.
void leave_cpu(int cpu) {
  cpu_set_t allowed, others;
  if (cpu < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0 || !CPU_ISSET(cpu, &allowed) ||
      CPU_COUNT(&allowed) < 2)
    return;
  others = allowed;
  CPU_CLR(cpu, &others);
  if (sched_setaffinity(0, sizeof others, &others) == 0) sched_setaffinity(0, sizeof allowed, &allowed);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Whether this thread was switched out involuntarily since the last call (more involuntary context
// switches than `seen`, which it updates).
bool preempted_since_last_call(long& seen) {
  rusage u;
  if (getrusage(RUSAGE_THREAD, &u) != 0) return true;
  const bool more = u.ru_nivcsw > seen;
  seen = u.ru_nivcsw;
  return more;
}

// Waits for `ready()` without sleeping, for at most kSpin, letting any other thread that wants this
// CPU run meanwhile; returns whether it came true in time.
template <class Ready>
bool spin_until(Ready ready) {
  constexpr auto kSpin = std::chrono::milliseconds(1);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  do {
    for (int i = 0; i < 32; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    sched_yield();
  } while (std::chrono::steady_clock::now() < until);
  return ready();
}
}  // namespace

PrefetchReader::PrefetchReader(std::unique_ptr<TraceReader> inner, std::size_t batch_records, std::size_t batches)
    : inner_(std::move(inner)), bytes_total_(inner_->bytes_total()), format_(inner_->format()),
      compression_(inner_->compression()),
      batch_records_(batch_records), ring_(batches) {
  for (Batch& b : ring_) b.recs.resize(batch_records);
  consumer_cpu_.store(sched_getcpu(), std::memory_order_relaxed);
  cpu_set_t allowed;
  spin_ = sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) >= 2;  // one CPU: the other thread needs it
  thread_ = std::thread([this] { produce(); });
}

PrefetchReader::~PrefetchReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  freed_.notify_all();
  thread_.join();
}

// Before a wait that may come: spins for `ready()` unless the threads are calm; a spin that runs
// out (the other thread is not running) calms them.
template <class Ready>
void PrefetchReader::wait_eagerly(Ready ready) {
  if (!spin_ || now_ns() < calm_until_ns_.load(std::memory_order_relaxed)) return;
  if (!spin_until(ready)) calm_down();
}

void PrefetchReader::calm_down() {
  constexpr std::int64_t kCalmNs = 5'000'000;  // a few of the scheduler's time slices
  calm_until_ns_.store(now_ns() + kCalmNs, std::memory_order_relaxed);
}

// Before each batch: if the producer shares the consumer's CPU, it moves off it (at most once every
// kMoveEvery batches, in case a loaded machine keeps putting it back).
void PrefetchReader::stay_apart() {
  if (since_move_ < kMoveEvery) ++since_move_;
  const int consumer = consumer_cpu_.load(std::memory_order_relaxed);
  // While calm the consumer does not spin (it sleeps when it waits): sharing its CPU costs little,
  // and the other CPU is wanted elsewhere.
  if (since_move_ == kMoveEvery && consumer >= 0 && now_ns() >= calm_until_ns_.load(std::memory_order_relaxed) &&
      sched_getcpu() == consumer) {
    leave_cpu(consumer);
    since_move_ = 0;
  }
}

void PrefetchReader::produce() {
  long nivcsw = 0;
  for (;;) {
    // Preempted while it parsed: by another program (or, on its CPU, by the consumer; then too it
    // stays, as moving it to the other CPU has put it beside a busy program more often than it
    // helped: with a busy loop pinned to one CPU, a CSV trace's runs fell to 0.52-0.63).
    if (preempted_since_last_call(nivcsw)) calm_down();
    stay_apart();
    wait_eagerly([&] { return tail_.load(std::memory_order_relaxed) - head_.load(std::memory_order_acquire) < ring_.size(); });
    preempted_since_last_call(nivcsw);  // forgets the spin's switches: a sched_yield to another thread counts as involuntary
    Batch* b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      freed_.wait(lock, [&] { return stop_ || tail_ - head_ < ring_.size(); });
      if (stop_) return;
      b = &ring_[tail_ % ring_.size()];
    }
    b->n = 0;
    b->error = nullptr;
    const std::int64_t fill_start = now_ns();
    try {
      // A buffer read_batch swapped in may have another size. Inside the try: memory running out
      // here is reported by the consumer, as on its own thread (an exception leaving this thread
      // would end the program without a message).
      b->recs.resize(batch_records_);
      // Fill the whole batch unless the trace ends: a short read is not the end.
      while (b->n < b->recs.size()) {
        const std::size_t got = inner_->read(b->recs.data() + b->n, b->recs.size() - b->n);
        if (got == 0) break;
        b->n += got;
      }
    } catch (...) {
      b->error = std::current_exception();
    }
    producer_fill_ns_.fetch_add(now_ns() - fill_start, std::memory_order_relaxed);
    bytes_done_.store(inner_->bytes_done(), std::memory_order_relaxed);
    const bool last = b->n < b->recs.size() || b->error;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++tail_;
    }
    filled_.notify_one();
    if (last) {
      if (b->n > 0 && !b->error) {  // the end of the trace gets an empty batch of its own
        std::unique_lock<std::mutex> lock(mu_);
        freed_.wait(lock, [&] { return stop_ || tail_ - head_ < ring_.size(); });
        if (stop_) return;
        ring_[tail_ % ring_.size()].n = 0;
        ring_[tail_ % ring_.size()].error = nullptr;
        ++tail_;
        lock.unlock();
        filled_.notify_one();
      }
      return;
    }
  }
}

std::size_t PrefetchReader::read(TraceRecord* out, std::size_t n) {
  if (finished_) return 0;
  std::size_t done = 0;
  while (done < n) {
    Batch* b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      filled_.wait(lock, [&] { return tail_ > head_; });
      b = &ring_[head_ % ring_.size()];
    }
    if (pos_ == b->n) {  // the head batch is used up: its error, or the end, or the next batch
      if (b->error) {
        if (done > 0) return done;  // deliver the records before the error first
        finished_ = true;
        std::rethrow_exception(b->error);
      }
      if (b->n == 0) {
        finished_ = true;
        return done;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++head_;
      }
      pos_ = 0;
      freed_.notify_one();
      continue;
    }
    const std::size_t k = std::min(n - done, b->n - pos_);
    std::copy(b->recs.begin() + pos_, b->recs.begin() + pos_ + k, out + done);
    pos_ += k;
    done += k;
  }
  return done;
}

// The consumer spins only while it has little time to spare: when its work on a batch takes less
// than half the producer's (a CSV trace's parsing is about five times slower than its
// simulation), a wake-up's delay costs it nothing and spinning would only burn a CPU (measured:
// CSV runs at 0.94-0.98 of parse-only when spinning, 0.99-1.02 when sleeping). The producer's
// time, not the consumer's waits, decides: a consumer that sleeps waits longer for its wake-ups.
void PrefetchReader::time_consumer(std::int64_t work_ns) {
  constexpr unsigned kWindow = 64;  // batches
  consumer_work_ns_ += work_ns;
  if (++consumer_batches_ < kWindow) return;
  const std::int64_t fill = producer_fill_ns_.load(std::memory_order_relaxed);
  consumer_spins_ = 2 * consumer_work_ns_ > fill - producer_fill_seen_ns_;
  producer_fill_seen_ns_ = fill;
  consumer_work_ns_ = 0, consumer_batches_ = 0;
}

bool PrefetchReader::read_batch(std::vector<TraceRecord>& out, std::size_t n) {
  if (finished_) return out.clear(), false;
  consumer_cpu_.store(sched_getcpu(), std::memory_order_relaxed);
  const std::int64_t asked = now_ns();
  if (consumer_returned_ns_) time_consumer(asked - consumer_returned_ns_);
  if (consumer_spins_)
    wait_eagerly([&] { return tail_.load(std::memory_order_acquire) > head_.load(std::memory_order_relaxed); });
  Batch* b;
  {
    std::unique_lock<std::mutex> lock(mu_);
    filled_.wait(lock, [&] { return tail_ > head_; });
    b = &ring_[head_ % ring_.size()];
  }
  consumer_returned_ns_ = now_ns();
  // A whole batch that ends well is swapped out; anything else (part of a batch already read, an
  // error to raise after its records, the end) goes through read().
  if (pos_ != 0 || b->error || b->n == 0) return TraceReader::read_batch(out, n);
  b->recs.resize(b->n);
  out.swap(b->recs);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++head_;
  }
  freed_.notify_one();
  return true;
}

}  // namespace mmusim
