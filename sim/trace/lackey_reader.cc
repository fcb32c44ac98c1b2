// Reader of `valgrind --tool=lackey --trace-mem=yes` output.
//
// Lackey (valgrind lackey/lk_main.c) prints one memory event per line:
//   "I  %08lx,%lu"  instruction fetch  -> Op::Fetch
//   " L %08lx,%lu"  load               -> Op::Read
//   " S %08lx,%lu"  store              -> Op::Write
//   " M %08lx,%lu"  modify (load+store of one instruction) -> Op::Modify
// Everything else is skipped: "==pid==" tool messages, and program output if it went to the same
// stream. A line that starts like a record but does not parse is an error naming the line.
//
// Speed: the file is read in 1 MiB blocks into one buffer and parsed in place; the parse loop
// only runs over complete lines (up to the last '\n' in the buffer), so it needs no bounds checks:
// every scan stops at the '\n' at the latest. No allocation per line.
#include <algorithm>
#include <cstring>
#include <string>

#include "util/input_error.h"
#include "trace/hex_table.h"
#include "util/printable.h"
#include "trace/readers_impl.h"

namespace mmusim {
namespace trace_detail {
namespace {


// "I  ", " L ", " S ", " M ": the start of a record line. Needs 3 readable bytes or a '\n'
// before them (checks short-circuit at the first mismatch).
inline bool starts_like_record(const char* p, Op* op) {
  if (p[0] == 'I') {
    if (p[1] != ' ' || p[2] != ' ') return false;
    *op = Op::Fetch;
    return true;
  }
  if (p[0] != ' ') return false;
  switch (p[1]) {
    case 'L': *op = Op::Read; break;
    case 'S': *op = Op::Write; break;
    case 'M': *op = Op::Modify; break;
    default: return false;
  }
  return p[2] == ' ';
}

class LackeyReader final : public TraceReader {
 public:
  LackeyReader(std::unique_ptr<InputFile> file, std::uint16_t vm)
      : file_(std::move(file)), buf_(new char[kBlock + kPad]), vm_(vm) {
    pos_ = lim_ = end_ = buf_.get();
  }

  std::size_t read(TraceRecord* out, std::size_t n) override;
  std::uint64_t bytes_done() const override {
    if (file_->compression() != Compression::None) return file_->raw_done();  // compressed bytes: of bytes_total
    std::uint64_t d = base_ + static_cast<std::uint64_t>(pos_ - buf_.get());
    return file_->size() ? std::min(d, file_->size()) : d;
  }
  std::uint64_t bytes_total() const override { return file_->size(); }
  TraceFormat format() const override { return TraceFormat::Lackey; }
  Compression compression() const override { return file_->compression(); }

 private:
  static constexpr std::size_t kBlock = kLackeyBlockBytes;
  static constexpr std::size_t kPad = 16;

  bool refill();
  // file_->read; a broken compressed stream is the error of the line it cuts.
  std::size_t read_file(char* dst, std::size_t n) {
    try {
      return file_->read(dst, n);
    } catch (const InputError& e) {
      if (e.line() != 0) throw;
      throw at_record(e, line_ + 1);
    }
  }
  [[noreturn]] void fail(std::uint64_t line, const char* line_begin, const char* key, const std::string& what);

  std::unique_ptr<InputFile> file_;
  std::unique_ptr<char[]> buf_;
  char* pos_;              // next unparsed byte
  char* lim_;              // one past the last '\n' in the buffer: [pos_, lim_) are whole lines
  char* end_;              // end of the data in the buffer
  std::uint64_t base_ = 0; // file offset of buf_[0]
  std::uint64_t line_ = 0; // lines consumed so far
  const char* bad_begin_ = nullptr;  // the line fail() named, for --skip-bad-lines
  std::uint64_t bad_line_ = 0;
  bool eof_ = false;
  bool done_ = false;
  std::uint16_t vm_;  // of every record
};

void LackeyReader::fail(std::uint64_t line, const char* b, const char* key, const std::string& what) {
  const char* e = b;
  while (e < end_ && *e != '\n' && *e != '\r' && e - b < 60) ++e;
  std::string text = printable(b, static_cast<std::size_t>(e - b), 60);
  if (e < end_ && *e != '\n' && *e != '\r') text += "...";
  bad_begin_ = b, bad_line_ = line;
  throw InputError(file_->name(), line, key, what + " in lackey record '" + text + "'");
}

// Moves the partial last line to the front of the buffer and reads more, until the buffer holds
// at least one whole line. Returns false at the end of the file.
bool LackeyReader::refill() {
  char* const buf = buf_.get();
  for (;;) {
    std::size_t tail = static_cast<std::size_t>(end_ - pos_);
    if (pos_ != buf) {
      std::memmove(buf, pos_, tail);
      base_ += static_cast<std::uint64_t>(pos_ - buf);
      pos_ = buf;
      end_ = buf + tail;
    }
    char* scan_from = end_;
    while (!eof_ && end_ < buf + kBlock) {
      std::size_t got = read_file(end_, static_cast<std::size_t>(buf + kBlock - end_));
      if (got == 0) {
        eof_ = true;
        break;
      }
      end_ += got;
      if (std::memchr(scan_from, '\n', static_cast<std::size_t>(end_ - scan_from))) break;
      scan_from = end_;
    }
    if (const void* nl = ::memrchr(pos_, '\n', static_cast<std::size_t>(end_ - pos_))) {
      lim_ = static_cast<char*>(const_cast<void*>(nl)) + 1;
      return true;
    }
    if (eof_) {
      if (end_ == pos_) return false;
      *end_++ = '\n';  // last line without a newline: parse it like the others (kPad has room)
      lim_ = end_;
      return true;
    }
    // The buffer is full and holds no '\n': a line longer than the buffer.
    Op op;
    if (starts_like_record(pos_, &op)) {
      try {
        fail(line_ + 1, pos_, "", "line longer than " + std::to_string(kBlock) + " bytes");
      } catch (const InputError& e) {
        bad_record(e);  // throws unless skipping: then skipped like a line that is no record
        bad_begin_ = nullptr;
      }
    }
    // Not a record (or one skipped): skip it up to its '\n'.
    for (;;) {
      base_ += static_cast<std::uint64_t>(end_ - buf);
      pos_ = end_ = buf;
      std::size_t got = read_file(buf, kBlock);
      if (got == 0) {
        eof_ = true;
        ++line_;
        return false;
      }
      end_ = buf + got;
      if (char* nl = static_cast<char*>(std::memchr(buf, '\n', got))) {
        pos_ = nl + 1;
        ++line_;
        break;
      }
    }
  }
}

std::size_t LackeyReader::read(TraceRecord* out, std::size_t n) {
  std::size_t k = 0;
  while (k < n && !done_) try {
    if (pos_ == lim_) {
      if (!refill()) {
        done_ = true;
        break;
      }
      continue;
    }
    char* p = pos_;
    char* const lim = lim_;
    std::uint64_t line = line_;
    std::string why;  // set only for a record that does not fit the machine
    while (k < n && p < lim) {
      Op op;
      if (!starts_like_record(p, &op)) {
        p = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(lim - p))) + 1;
        ++line;
        continue;
      }
      char* const b = p;
      p += 3;
      const char* h = p;
      std::uint64_t gva = 0;
      unsigned d;
      while ((d = kHex[*p]) < 16) {
        gva = (gva << 4) | d;
        ++p;
      }
      std::size_t nd = static_cast<std::size_t>(p - h);
      if (*p != ',') {
        pos_ = p;
        if (*p == '\n' || *p == '\r') {
          if (nd == 0) fail(line + 1, b, "gva", "missing address");
          fail(line + 1, b, "size", "missing ',size'");
        }
        const char* e = p;
        while (*e != ',' && *e != '\n' && *e != '\r' && e - h < 40) ++e;
        fail(line + 1, b, "gva", "'" + printable(h, static_cast<std::size_t>(e - h)) + "' is not a hex address");
      }
      if (nd == 0) fail(line + 1, b, "gva", "missing address");
      if (nd > 16) fail(line + 1, b, "gva", "more than 16 hex digits");
      ++p;
      const char* s = p;
      std::uint64_t size = 0;
      while (static_cast<unsigned>(*p - '0') < 10) {
        size = size * 10 + static_cast<unsigned>(*p - '0');
        ++p;
      }
      nd = static_cast<std::size_t>(p - s);
      if (nd == 0) fail(line + 1, b, "size", "missing size");
      if (nd > 10 || size > 0xffffffffu) fail(line + 1, b, "size", "size does not fit 32 bits");
      if (*p == '\r') ++p;
      if (*p != '\n') fail(line + 1, b, "size", "unexpected characters after the size");
      ++p;
      ++line;
      TraceRecord& r = out[k];
      r.gva = gva;
      r.gap = 0;
      r.pid = 0;
      r.size = static_cast<std::uint32_t>(size);
      r.vm = vm_;
      r.vcpu = 0;
      r.op = op;
      if (const char* key = record_problem(r, limits_, why)) fail(line, b, key, why);
      ++k;
    }
    pos_ = p;
    line_ = line;
  } catch (const InputError& e) {
    if (!bad_begin_) throw;  // not a record's fault (a read error)
    bad_record(e);  // skipping: go on after the bad line (every line in [pos_, lim_) ends in '\n')
    pos_ = static_cast<char*>(std::memchr(const_cast<char*>(bad_begin_), '\n', static_cast<std::size_t>(lim_ - bad_begin_))) + 1;
    line_ = bad_line_;
    bad_begin_ = nullptr;
  }
  return k;
}

}  // namespace

std::unique_ptr<TraceReader> make_lackey_reader(std::unique_ptr<InputFile> file, std::uint16_t vm) {
  return std::make_unique<LackeyReader>(std::move(file), vm);
}

}  // namespace trace_detail
}  // namespace mmusim
