#include "trace/limit_reader.h"

#include <algorithm>

namespace mmusim {

namespace {

class LimitReader final : public TraceReader {
 public:
  LimitReader(std::unique_ptr<TraceReader> inner, std::uint64_t limit) : inner_(std::move(inner)), left_(limit) {}

  std::size_t read(TraceRecord* out, std::size_t n) override {
    const std::size_t got = inner_->read(out, static_cast<std::size_t>(std::min<std::uint64_t>(n, left_)));
    left_ -= got;
    return got;
  }
  bool read_batch(std::vector<TraceRecord>& out, std::size_t n) override {
    if (left_ == 0) return out.clear(), false;
    if (!inner_->read_batch(out, static_cast<std::size_t>(std::min<std::uint64_t>(n, left_)))) return false;
    if (out.size() > left_) out.resize(static_cast<std::size_t>(left_));  // a reader that hands over its own buffer
    left_ -= out.size();
    return true;
  }
  std::uint64_t skipped() const override { return inner_->skipped(); }
  std::uint64_t bytes_done() const override { return inner_->bytes_done(); }
  std::uint64_t bytes_total() const override { return inner_->bytes_total(); }
  TraceFormat format() const override { return inner_->format(); }

 private:
  std::unique_ptr<TraceReader> inner_;
  std::uint64_t left_;
};

}  // namespace

std::unique_ptr<TraceReader> limit_records(std::unique_ptr<TraceReader> inner, std::uint64_t limit) {
  return std::make_unique<LimitReader>(std::move(inner), limit);
}

}  // namespace mmusim
