// The .mtr reader (mtr_format.h): large buffered reads, 24-byte records decoded in place. Errors
// name the record number where a text format names the line.
#include <algorithm>
#include <vector>

#include "util/input_error.h"
#include "trace/mtr_format.h"
#include "trace/readers_impl.h"

namespace mmusim {
namespace trace_detail {

namespace {

class MtrReader : public TraceReader {
 public:
  explicit MtrReader(std::unique_ptr<InputFile> file) : file_(std::move(file)), buf_(kChunk * mtr::kRecordBytes) {
    unsigned char h[mtr::kHeaderBytes];
    if (fill(h, sizeof h) != sizeof h) throw InputError(file_->name(), 0, "", "truncated .mtr header");
    if (std::memcmp(h, mtr::kMagic, 8) != 0) throw InputError(file_->name(), 0, "", "not an .mtr file (bad magic)");
    if (mtr::get32(h + 8) != mtr::kVersion)
      throw InputError(file_->name(), 0, "", ".mtr version " + std::to_string(mtr::get32(h + 8)) + " (this reader knows 1)");
    if (mtr::get32(h + 12) != mtr::kRecordBytes)
      throw InputError(file_->name(), 0, "", ".mtr records of " + std::to_string(mtr::get32(h + 12)) + " bytes (24 expected)");
    records_ = mtr::get64(h + 16);
    done_bytes_ = sizeof h;
    // A count the file cannot hold is a bad header, with or without --skip-bad-lines (which would
    // otherwise count every promised record as skipped). Only a file of known size, not compressed
    // (its size is the compressed one): a pipe's or a compressed file's records are counted as
    // they come.
    const std::uint64_t size = file_->compression() == Compression::None ? file_->size() : 0;
    if (size > 0 && records_ > (size - sizeof h) / mtr::kRecordBytes)
      throw InputError(file_->name(), 0, "",
                       "bad .mtr header: it promises " + std::to_string(records_) + " records, but the file's " +
                           std::to_string(size) + " bytes hold at most " +
                           std::to_string((size - sizeof h) / mtr::kRecordBytes) +
                           " (the file is truncated, or the header is wrong)");
  }

  std::size_t read(TraceRecord* out, std::size_t n) override {
    std::size_t k = 0;
    while (k < n && index_ < records_) {
      const std::size_t want = static_cast<std::size_t>(
          std::min<std::uint64_t>(std::min<std::uint64_t>(n - k, kChunk), records_ - index_));
      const std::size_t got = fill(buf_.data(), want * mtr::kRecordBytes);
      const std::size_t whole = got / mtr::kRecordBytes;
      k += decode(buf_.data(), whole, out + k);
      done_bytes_ += got;
      if (whole < want) {  // the records from index_ on are missing
        const std::uint64_t missing = records_ - index_;
        index_ = records_;
        bad_record(InputError(file_->name(), records_ - missing + 1, "",
                              "truncated .mtr file: the header promises " + std::to_string(records_) +
                                  " records, the file ends at record " + std::to_string(records_ - missing + 1) +
                                  (skip_bad_ ? " (" + std::to_string(missing) + " records missing)" : std::string())),
                   missing);
      }
    }
    if (k < n && index_ == records_) {  // the header's count reached: nothing may follow
      char extra;
      if (fill(reinterpret_cast<unsigned char*>(&extra), 1) != 0)
        throw InputError(file_->name(), records_ + 1, "", "data after the " + std::to_string(records_) + " records the header announces");
    }
    return k;
  }

  std::uint64_t bytes_done() const override {
    return file_->compression() != Compression::None ? file_->raw_done() : done_bytes_;  // compressed bytes: of bytes_total
  }
  std::uint64_t bytes_total() const override { return file_->size(); }
  TraceFormat format() const override { return TraceFormat::Mtr; }
  Compression compression() const override { return file_->compression(); }

 private:
  static constexpr std::size_t kChunk = 1 << 16;  // records per read

  // Decodes the `count` records at `p` (the next ones of the file) into `out` and returns how
  // many fit the machine; the others go to reject(). The loop works on locals, so that storing a
  // record reloads neither the limits nor the record number, and is not inlined into read(), so
  // that it keeps them in registers (inlined: 55 instructions a record, spills; alone: 50).
  [[gnu::noinline]] std::size_t decode(const unsigned char* p, std::size_t count, TraceRecord* out) {
    const RecordLimits limits = limits_;
    const std::uint64_t first = index_;
    std::size_t k = 0;
    for (std::size_t i = 0; i < count; ++i, p += mtr::kRecordBytes) {
      TraceRecord& r = out[k];
      mtr::decode(p, r);
      if (r.op <= Op::Modify && record_fits(r, limits)) ++k;
      else reject(r, first + i + 1);
    }
    index_ = first + count;
    return k;
  }

  // Record `number` (from 1) cannot be replayed: bad_record names why.
  [[gnu::cold]] void reject(const TraceRecord& r, std::uint64_t number) {
    if (r.op > Op::Modify) {
      bad_record(InputError(file_->name(), number, "op", "bad op code " + std::to_string(static_cast<unsigned>(r.op))));
    } else {
      std::string why;
      const char* key = record_problem(r, limits_, why);
      bad_record(InputError(file_->name(), number, key, why));
    }
  }

  std::size_t fill(unsigned char* dst, std::size_t bytes) {
    std::size_t got = 0;
    try {
      while (got < bytes) {
        const std::size_t r = file_->read(reinterpret_cast<char*>(dst) + got, bytes - got);
        if (r == 0) break;
        got += r;
      }
    } catch (const InputError& e) {  // a broken compressed stream: name the record it cuts
      if (e.line() != 0 || file_->delivered() < mtr::kHeaderBytes) throw;
      throw at_record(e, (file_->delivered() - mtr::kHeaderBytes) / mtr::kRecordBytes + 1);
    }
    return got;
  }

  std::unique_ptr<InputFile> file_;
  std::vector<unsigned char> buf_;
  std::uint64_t records_ = 0, index_ = 0, done_bytes_ = 0;
};

}  // namespace

std::unique_ptr<TraceReader> make_mtr_reader(std::unique_ptr<InputFile> file) {
  return std::make_unique<MtrReader>(std::move(file));
}

}  // namespace trace_detail
}  // namespace mmusim
