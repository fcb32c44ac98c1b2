// Reader of ChampSim instruction traces (the DPC-3, CRC-2 and IPC-1 sets, *.champsimtrace.xz):
// 64-byte `input_instr` records, little-endian, no header and no magic:
//    0  u64     ip
//    8  u8      is_branch
//    9  u8      branch_taken
//   10  u8[2]   destination_registers
//   12  u8[4]   source_registers
//   16  u64[2]  destination_memory
//   32  u64[4]  source_memory
// Each record becomes, in this order: an X access of the ip; an R access of each nonzero
// source_memory, in order; a W access of each nonzero destination_memory, in order. Every access
// has size 1 (ChampSim keeps no access size), gap 0 and vcpu 0, and runs in the vm and pid the
// command gives (--champsim-vm, --champsim-pid; 0 and 0), as the records carry neither. Errors
// name the record (the instruction, from 1) where the text formats name the line.
#include <algorithm>
#include <cstring>
#include <optional>

#include "util/input_error.h"
#include "trace/mtr_format.h"
#include "trace/readers_impl.h"

namespace mmusim {
namespace trace_detail {
namespace {

constexpr std::size_t kInstrBytes = 64;
constexpr std::size_t kMaxAccesses = 7;  // 1 fetch + 4 sources + 2 destinations

class ChampsimReader final : public TraceReader {
 public:
  ChampsimReader(std::unique_ptr<InputFile> file, std::uint16_t vm, std::uint32_t pid)
      : file_(std::move(file)), buf_(kChunk * kInstrBytes), vm_(vm), pid_(pid) {}

  std::size_t read(TraceRecord* out, std::size_t n) override {
    std::size_t k = 0;
    while (k < n) {
      if (pend_pos_ < pend_n_) {
        const std::size_t m = std::min(n - k, pend_n_ - pend_pos_);
        std::copy(pend_ + pend_pos_, pend_ + pend_pos_ + m, out + k);
        pend_pos_ += m, k += m;
        continue;
      }
      if (pos_ == len_ && ((k > 0 && cut_) || !refill())) break;  // the records before an error first
      // Whole instructions straight into `out` while they surely fit, the last ones through pend_.
      while (pos_ < len_ && n - k >= kMaxAccesses) {
        k += decode(buf_.data() + pos_, out + k);
        pos_ += kInstrBytes;
      }
      if (pos_ < len_ && k < n) {
        pend_n_ = decode(buf_.data() + pos_, pend_), pend_pos_ = 0;
        pos_ += kInstrBytes;
      }
    }
    return k;
  }

  std::uint64_t bytes_done() const override {
    return file_->compression() != Compression::None ? file_->raw_done() : index_ * kInstrBytes;
  }
  std::uint64_t bytes_total() const override { return file_->size(); }
  TraceFormat format() const override { return TraceFormat::Champsim; }
  Compression compression() const override { return file_->compression(); }

 private:
  static constexpr std::size_t kChunk = 4096;  // instructions per read

  // The accesses of the instruction at `p` (the next one) into out[0..7); returns how many: 0 if
  // one does not fit the machine and the instruction is skipped (--skip-bad-lines).
  std::size_t decode(const unsigned char* p, TraceRecord* out) {
    ++index_;
    std::size_t k = 0;
    auto add = [&](std::uint64_t gva, Op op) {
      TraceRecord& r = out[k++];
      r = TraceRecord{};
      r.gva = gva;
      r.op = op;
      r.vm = vm_;
      r.pid = pid_;
    };
    add(mtr::get64(p), Op::Fetch);
    for (int i = 0; i < 4; ++i)
      if (const std::uint64_t a = mtr::get64(p + 32 + 8 * i)) add(a, Op::Read);
    for (int i = 0; i < 2; ++i)
      if (const std::uint64_t a = mtr::get64(p + 16 + 8 * i)) add(a, Op::Write);
    for (std::size_t i = 0; i < k; ++i)
      if (!record_fits(out[i], limits_)) return reject(out[i], i);
    return k;
  }

  [[gnu::cold]] std::size_t reject(const TraceRecord& r, std::size_t access) {
    static const char* const kField[] = {"ip", "source_memory", "destination_memory"};
    std::string why;
    const char* key = record_problem(r, limits_, why);
    const int field = r.op == Op::Fetch ? 0 : r.op == Op::Read ? 1 : 2;
    bad_record(InputError(file_->name(), index_, key,
                          why + " (" + kField[field] + ", access " + std::to_string(access + 1) + " of the instruction" +
                              (std::string(key) == "vm" ? "; a ChampSim trace runs in the vm --champsim-vm gives" : "") +
                              ")"));
    return 0;
  }

  // Reads the next whole instructions into buf_; false at the end. A last instruction cut short
  // (the length is not a multiple of 64 bytes) is an error naming it, after the whole ones.
  bool refill() {
    if (cut_) {
      const InputError e = *cut_;
      cut_.reset();
      bad_record(e);
      return false;
    }
    std::size_t got = 0;
    try {
      while (got < buf_.size()) {
        const std::size_t r = file_->read(reinterpret_cast<char*>(buf_.data()) + got, buf_.size() - got);
        if (r == 0) break;
        got += r;
      }
    } catch (const InputError& e) {  // a broken compressed stream: name the record it cuts
      if (e.line() != 0) throw;
      throw at_record(e, file_->delivered() / kInstrBytes + 1);
    }
    const std::size_t whole = got / kInstrBytes * kInstrBytes;
    pos_ = 0, len_ = whole;
    if (whole < got) {
      const std::uint64_t bytes = (index_ + whole / kInstrBytes) * kInstrBytes + (got - whole);
      cut_.emplace(file_->name(), index_ + whole / kInstrBytes + 1, "",
                   "the trace's " + std::to_string(bytes) + " bytes are not a whole number of 64-byte ChampSim records: "
                   "the last one has " + std::to_string(got - whole) + " bytes");
      if (whole == 0) return refill();
    }
    return len_ > 0;
  }

  std::unique_ptr<InputFile> file_;
  std::vector<unsigned char> buf_;
  std::size_t pos_ = 0, len_ = 0;  // the next instruction in buf_, the end of the whole ones
  TraceRecord pend_[kMaxAccesses];
  std::size_t pend_pos_ = 0, pend_n_ = 0;
  std::uint16_t vm_;
  std::uint32_t pid_;
  std::uint64_t index_ = 0;  // instructions decoded
  std::optional<InputError> cut_;  // the file ends inside an instruction: said after the whole ones
};

}  // namespace

std::unique_ptr<TraceReader> make_champsim_reader(std::unique_ptr<InputFile> file, std::uint16_t vm, std::uint32_t pid) {
  return std::make_unique<ChampsimReader>(std::move(file), vm, pid);
}

}  // namespace trace_detail
}  // namespace mmusim
