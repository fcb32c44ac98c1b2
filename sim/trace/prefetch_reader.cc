#include "trace/prefetch_reader.h"

#include <sched.h>

#include <algorithm>
#include <chrono>

namespace mmusim {

namespace {
// stay_apart and leave_cpu keep the reading thread and the simulating thread on two CPUs. Two threads that hand
// batches to each other every few microseconds stay "cache hot" wherever they run, so once they
// share a CPU the idle CPU does not pull one of them over for tens of milliseconds. Measured on a
// 10M-record lackey trace (2,460 batches): in about half of the runs the threads shared a CPU for
// the first 100 to 500 batches (a new thread starts on its creator's CPU, and a thread woken on a
// full ring is often placed on its waker's), and those runs were 10-25% slower.

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


// Waits for `ready()` without sleeping, for at most kSpin, letting any other thread that wants this
// CPU run meanwhile (sched_yield). A thread that sleeps on a futex lets its CPU go idle, and
// waking it again can take long: in this project's 2-vCPU virtual machine, the lackey trace's
// reading thread stalls about 135 times per 10M records (each 1 MiB read() of the file, about
// 150 us), and with the simulating thread sleeping through each stall (it then did, after 100 us of
// spinning) native runs reached 0.71-0.88 of parse-only; spinning up to 1 ms, 0.92-0.94, and 2 ms
// did no better (8 rounds of parse-only and each, interleaved).
template <class Ready>
void spin_until(Ready ready) {
  constexpr auto kSpin = std::chrono::milliseconds(1);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  do {
    for (int i = 0; i < 32; ++i) {
      if (ready()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    sched_yield();
  } while (std::chrono::steady_clock::now() < until);
}
}  // namespace

PrefetchReader::PrefetchReader(std::unique_ptr<TraceReader> inner, std::size_t batch_records, std::size_t batches)
    : inner_(std::move(inner)), bytes_total_(inner_->bytes_total()), format_(inner_->format()),
      batch_records_(batch_records), ring_(batches) {
  for (Batch& b : ring_) b.recs.resize(batch_records);
  reader_cpu_.store(sched_getcpu(), std::memory_order_relaxed);
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

// Before each batch: if this thread shares the reader's CPU, it moves off it (at most once every
// kMoveEvery batches, in case a loaded machine keeps putting it back).
void PrefetchReader::stay_apart() {
  constexpr unsigned kMoveEvery = 32;
  if (since_move_ < kMoveEvery) ++since_move_;
  const int reader = reader_cpu_.load(std::memory_order_relaxed);
  if (since_move_ == kMoveEvery && reader >= 0 && sched_getcpu() == reader) {
    leave_cpu(reader);
    since_move_ = 0;
  }
}

void PrefetchReader::produce() {
  for (;;) {
    stay_apart();
    if (spin_) spin_until([&] { return tail_.load(std::memory_order_relaxed) - head_.load(std::memory_order_acquire) < ring_.size(); });
    Batch* b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      freed_.wait(lock, [&] { return stop_ || tail_ - head_ < ring_.size(); });
      if (stop_) return;
      b = &ring_[tail_ % ring_.size()];
    }
    b->n = 0;
    b->error = nullptr;
    b->recs.resize(batch_records_);  // a buffer read_batch swapped in may have another size
    try {
      // Fill the whole batch unless the trace ends: a short read is not the end.
      while (b->n < b->recs.size()) {
        const std::size_t got = inner_->read(b->recs.data() + b->n, b->recs.size() - b->n);
        if (got == 0) break;
        b->n += got;
      }
    } catch (...) {
      b->error = std::current_exception();
    }
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

bool PrefetchReader::read_batch(std::vector<TraceRecord>& out, std::size_t n) {
  if (finished_) return out.clear(), false;
  reader_cpu_.store(sched_getcpu(), std::memory_order_relaxed);
  if (spin_) spin_until([&] { return tail_.load(std::memory_order_acquire) > head_.load(std::memory_order_relaxed); });
  Batch* b;
  {
    std::unique_lock<std::mutex> lock(mu_);
    filled_.wait(lock, [&] { return tail_ > head_; });
    b = &ring_[head_ % ring_.size()];
  }
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
