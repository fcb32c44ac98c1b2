// Reads a trace on a second thread, a few batches ahead of the simulation, so that parsing text
// and simulating overlap on two cores. Records come out in file order, exactly as the inner
// reader gives them; an error of the inner reader is raised at the point of the trace where it
// occurred, after every record before it has been delivered. The two threads are kept on two CPUs
// and wait for each other by spinning first, unless another program wants a CPU
// (prefetch_reader.cc says why, with measurements).
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "trace/reader.h"

namespace mmusim {

class PrefetchReader : public TraceReader {
 public:
  explicit PrefetchReader(std::unique_ptr<TraceReader> inner, std::size_t batch_records = 16384,
                          std::size_t batches = 4);
  ~PrefetchReader() override;

  std::size_t read(TraceRecord* out, std::size_t n) override;
  // Hands over the next whole batch without copying (`out`'s buffer goes back into the ring).
  bool read_batch(std::vector<TraceRecord>& out, std::size_t n) override;
  std::uint64_t bytes_done() const override { return bytes_done_.load(std::memory_order_relaxed); }
  std::uint64_t bytes_total() const override { return bytes_total_; }
  TraceFormat format() const override { return format_; }
  Compression compression() const override { return compression_; }
  std::uint64_t skipped() const override { return inner_->skipped(); }

 private:
  struct Batch {
    std::vector<TraceRecord> recs;  // resized to batch_records before the producer fills it
    std::size_t n = 0;              // records filled; 0 = end of trace (or error)
    std::exception_ptr error;       // raised by the inner reader after the records before it
  };
  void produce();
  void stay_apart();
  template <class Ready>
  void wait_eagerly(Ready ready);
  void calm_down();
  void time_consumer(std::int64_t work_ns);

  std::unique_ptr<TraceReader> inner_;
  const std::uint64_t bytes_total_;
  const TraceFormat format_;
  const Compression compression_;
  const std::size_t batch_records_;
  std::vector<Batch> ring_;
  // consumer reads ring_[head_ % size], producer fills ring_[tail_ % size]; changed under mu_, read
  // without it while spinning
  std::atomic<std::size_t> head_{0}, tail_{0};
  bool spin_ = false;  // wait for the other thread by spinning first (when the process may use two CPUs)
  std::atomic<std::int64_t> calm_until_ns_{0};  // no spinning nor moving before this steady_clock time
  std::atomic<std::int64_t> producer_fill_ns_{0};  // the producer's time filling batches, in all
  // Consumer only: whether it spins before it waits, and its time working on batches against the
  // producer's over the last batches (time_consumer).
  bool consumer_spins_ = true;
  std::int64_t consumer_returned_ns_ = 0, consumer_work_ns_ = 0, producer_fill_seen_ns_ = 0;
  unsigned consumer_batches_ = 0;
  std::size_t pos_ = 0;              // next record in the head batch
  bool finished_ = false;            // the consumer saw the end
  std::mutex mu_;
  std::condition_variable filled_, freed_;
  bool stop_ = false;
  std::atomic<std::uint64_t> bytes_done_{0};
  std::atomic<int> consumer_cpu_{-1};  // the CPU the consumer (the thread calling read_batch) last ran on
  static constexpr unsigned kMoveEvery = 32;  // stay_apart moves the producer at most once per this many batches
  unsigned since_move_ = kMoveEvery;          // producer only: batches since stay_apart last moved it
  std::thread thread_;
};

}  // namespace mmusim
