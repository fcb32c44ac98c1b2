// CSV trace reader on fast-cpp-csv-parser (io::CSVReader).
//
// Header row required; columns in any order:
//   op   required  R W X M (lowercase accepted)
//   gva  required  hex, with or without 0x/0X, at most 16 hex digits; the first address without
//                  0x made of decimal digits only is named once on stderr (it is read as hex)
//   vm, vcpu       optional, default 0, decimal, 0..65535
//   pid            optional, default 0, decimal, 0..4294967295
//   size           optional, default 1, decimal, 0..4294967295 (0 is kept; the simulator counts it as 1)
//   gap            optional, default 0, decimal cycles, 0..2^64-1
// Column names are case-insensitive (OP,GVA). Any other column is an error. A NUL byte is an error
// naming its line and column. Blank lines (also a blank last line) are skipped; line numbers
// in messages are those of the file. Fields are read as char* and parsed here (fccp parses
// decimal only, and an empty field would silently be 0), so that every error names the column.
// csv.h is not installed as a system header: keep its own warnings out of our build log.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wparentheses"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <csv.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <atomic>
#include <cstring>
#include <strings.h>
#include <iostream>
#include <limits>
#include <string>

#include "util/input_error.h"
#include "trace/hex_table.h"
#include "util/printable.h"
#include "trace/readers_impl.h"

namespace mmusim {
namespace trace_detail {
namespace {

// Hands the InputFile's bytes to fccp's LineReader (called from fccp's reader thread, hence the
// atomic counter), counting them for progress. On the way it lowercases the header row (column
// names are case-insensitive: OP,GVA is op,gva) and stops at a NUL byte, which fccp would take for
// the end of its line (the rest of the field silently lost), naming its line and column.
class CountingSource final : public io::ByteSourceBase {
 public:
  CountingSource(InputFile* f, std::atomic<std::uint64_t>* delivered) : f_(f), delivered_(delivered) {}
  // fccp takes a short read for the end of the file: fill the request unless the file ends.
  int read(char* buffer, int size) override {
    std::size_t want = static_cast<std::size_t>(size), got = 0;
    while (got < want) {
      std::size_t n = f_->read(buffer + got, want - got);
      if (n == 0) break;
      got += n;
    }
    if (!header_done_) lower_header(buffer, got);
    if (const void* nul = std::memchr(buffer, '\0', got)) refuse_nul(buffer, static_cast<const char*>(nul));
    lines_ += static_cast<std::uint64_t>(std::count(buffer, buffer + got, '\n'));
    const char* last_nl = static_cast<const char*>(memrchr(buffer, '\n', got));
    column_ = last_nl ? static_cast<std::uint64_t>(buffer + got - last_nl - 1) : column_ + got;
    delivered_->fetch_add(got, std::memory_order_relaxed);
    return static_cast<int>(got);
  }

 private:
  // ASCII letters of the first line that is not blank, to lowercase.
  void lower_header(char* p, std::size_t n) {
    for (std::size_t i = 0; i < n && !header_done_; ++i) {
      const char c = p[i];
      if (c == '\n') header_done_ = header_seen_;
      else if (c != ' ' && c != '\t' && c != '\r') header_seen_ = true;
      if (c >= 'A' && c <= 'Z') p[i] = static_cast<char>(c - 'A' + 'a');
    }
  }
  [[noreturn]] void refuse_nul(const char* buffer, const char* nul) const {
    const std::uint64_t line = lines_ + 1 + static_cast<std::uint64_t>(std::count(buffer, nul, '\n'));
    const char* nl = static_cast<const char*>(memrchr(buffer, '\n', static_cast<std::size_t>(nul - buffer)));
    const std::uint64_t column =
        1 + (nl ? static_cast<std::uint64_t>(nul - nl - 1) : column_ + static_cast<std::uint64_t>(nul - buffer));
    throw InputError(f_->name(), line, "", "'\\x00' at column " + std::to_string(column) +
                                               " (a NUL byte: a CSV trace is text)");
  }

  InputFile* f_;
  std::atomic<std::uint64_t>* delivered_;
  bool header_seen_ = false, header_done_ = false;
  std::uint64_t lines_ = 0;   // line breaks before this read
  std::uint64_t column_ = 0;  // bytes after the last line break before this read
};

using Csv = io::CSVReader<7, io::trim_chars<' ', '\t'>, io::no_quote_escape<','>, io::throw_on_overflow,
                          io::empty_line_comment>;

constexpr const char* kKnownColumns = "vm, vcpu, pid, op, gva, size, gap";

std::string quoted(const char* s) { return "'" + printable(s, std::strlen(s)) + "'"; }

class CsvReader final : public TraceReader {
 public:
  explicit CsvReader(std::unique_ptr<InputFile> file) : file_(std::move(file)) {
    try {
      csv_ = std::make_unique<Csv>(file_->name(), std::unique_ptr<io::ByteSourceBase>(
                                                      new CountingSource(file_.get(), &delivered_)));
      csv_->read_header(io::ignore_missing_column, "vm", "vcpu", "pid", "op", "gva", "size", "gap");
    } catch (const io::error::base& e) {
      throw convert(e);
    }
    header_line_ = csv_->get_file_line();
    for (const char* col : {"vm", "vcpu", "pid", "op", "gva", "size", "gap"}) header_columns_ += csv_->has_column(col);
    for (const char* col : {"op", "gva"})
      if (!csv_->has_column(col))
        throw InputError(file_->name(), header_line_, col,
                         "missing required column in the header row (columns: " + std::string(kKnownColumns) +
                             "; op and gva are required)");
  }

  std::size_t read(TraceRecord* out, std::size_t n) override;
  std::uint64_t bytes_done() const override {
    if (file_->compression() != Compression::None) return file_->raw_done();  // compressed bytes: of bytes_total
    // fccp reads ahead up to 48 MiB and does not tell how far it has parsed: estimate the parse
    // position as what it has pulled from the file minus its 32 MiB read-ahead window. Exact
    // at the end; coarse (about 16 MiB) in between, which is enough for progress output.
    std::uint64_t d = delivered_.load(std::memory_order_relaxed);
    if (done_) return d;
    constexpr std::uint64_t kAhead = std::uint64_t(2) << 24;
    return d > kAhead ? d - kAhead : 0;
  }
  std::uint64_t bytes_total() const override { return file_->size(); }
  TraceFormat format() const override { return TraceFormat::Csv; }
  Compression compression() const override { return file_->compression(); }

 private:
  InputError convert(const io::error::base& e) const;
  [[noreturn]] void bad(const char* col, const std::string& what) const {
    throw InputError(file_->name(), csv_->get_file_line(), col, what);
  }
  std::uint64_t parse_uint(const char* s, const char* col, std::uint64_t max) const;
  std::uint64_t parse_hex(const char* s);
  void warn_decimal_looking(const char* s, std::uint64_t v);

  std::unique_ptr<InputFile> file_;
  std::atomic<std::uint64_t> delivered_{0};
  std::unique_ptr<Csv> csv_;
  unsigned header_line_ = 1;
  int header_columns_ = 0;
  bool done_ = false;
  bool warned_decimal_ = false;
};

InputError CsvReader::convert(const io::error::base& e) const {
  const std::string& file = file_->name();
  std::uint64_t line = csv_ ? csv_->get_file_line() : 0;
  if (auto* wl = dynamic_cast<const io::error::with_file_line*>(&e))
    if (wl->file_line > 0) line = static_cast<std::uint64_t>(wl->file_line);
  std::string col;
  if (auto* wc = dynamic_cast<const io::error::with_column_name*>(&e)) col = printable(wc->column_name, std::strlen(wc->column_name));

  if (dynamic_cast<const io::error::header_missing*>(&e))
    return InputError(file, 0, "", "no header row (a CSV trace starts with a row naming its columns: " +
                                       std::string(kKnownColumns) + ")");
  if (dynamic_cast<const io::error::extra_column_in_header*>(&e))
    return InputError(file, line, col, "unknown column in the header row (known columns: " +
                                           std::string(kKnownColumns) + ")");
  if (dynamic_cast<const io::error::duplicated_column_in_header*>(&e))
    return InputError(file, line, col, "column named twice in the header row");
  if (dynamic_cast<const io::error::too_few_columns*>(&e))
    return InputError(file, line, "", "too few fields (the header row at line " + std::to_string(header_line_) +
                                          " names " + std::to_string(header_columns_) + " columns)");
  if (dynamic_cast<const io::error::too_many_columns*>(&e))
    return InputError(file, line, "", "too many fields (the header row at line " + std::to_string(header_line_) +
                                          " names " + std::to_string(header_columns_) + " columns)");
  if (dynamic_cast<const io::error::line_length_limit_exceeded*>(&e))
    return InputError(file, line, "", "line longer than 16 MiB");
  // Anything else fccp may report (it names its own column and content).
  return InputError(file, line, col, printable(e.what(), std::strlen(e.what()), 200));
}

std::uint64_t CsvReader::parse_uint(const char* s, const char* col, std::uint64_t max) const {
  if (*s == '\0') bad(col, "empty value (leave the column out of the header to get the default)");
  // Up to 19 digits cannot overflow 64 bits: accumulate unchecked, then compare with max.
  std::uint64_t v = 0;
  const char* p = s;
  bool overflow = false;
  for (; *p; ++p) {
    unsigned d = static_cast<unsigned>(*p - '0');
    if (d > 9) bad(col, quoted(s) + " is not a non-negative decimal integer");
    if (p - s < 19) {
      v = v * 10 + d;
    } else {
      overflow |= __builtin_mul_overflow(v, 10, &v);
      overflow |= __builtin_add_overflow(v, d, &v);
    }
  }
  if (overflow || v > max) bad(col, quoted(s) + " is out of range (0.." + std::to_string(max) + ")");
  return v;
}

// An address such as 4096 could be meant as decimal: the format reads it as hex (0x4096), and
// says so once, so that a trace written in decimal is not replayed silently at other addresses.
void CsvReader::warn_decimal_looking(const char* s, std::uint64_t v) {
  warned_decimal_ = true;
  std::cerr << "mmusim: warning: " << file_->name() << ':' << csv_->get_file_line() << ": gva: " << quoted(s)
            << " has no 0x and only decimal digits: read as hex, 0x" << s << " = " << v
            << " (a CSV trace's addresses are hex; this is said once per trace)\n";
}

std::uint64_t CsvReader::parse_hex(const char* s) {
  const char* p = s;
  const bool prefixed = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
  if (prefixed) p += 2;
  if (*p == '\0') bad("gva", quoted(s) + " is not a hex address");
  std::uint64_t v = 0;
  const char* h = p;
  unsigned d;
  while ((d = kHex[*p]) < 16) {
    v = (v << 4) | d;
    ++p;
  }
  if (*p != '\0') bad("gva", quoted(s) + " is not a hex address");
  if (p - h > 16) bad("gva", quoted(s) + " has more than 16 hex digits");
  // Below 10 both readings agree: nothing to say.
  if (!prefixed && !warned_decimal_ && v >= 10 && std::strspn(s, "0123456789") == static_cast<std::size_t>(p - s))
    warn_decimal_looking(s, v);
  return v;
}

std::size_t CsvReader::read(TraceRecord* out, std::size_t n) {
  std::size_t k = 0;
  if (done_) return 0;
  while (k < n) {
    char *vm = nullptr, *vcpu = nullptr, *pid = nullptr, *op = nullptr, *gva = nullptr, *size = nullptr,
         *gap = nullptr;
    try {
      if (!csv_->read_row(vm, vcpu, pid, op, gva, size, gap)) {
        done_ = true;
        break;
      }
    } catch (const io::error::too_few_columns& e) {  // the line is consumed: the next row can follow
      bad_record(convert(e));
      continue;
    } catch (const io::error::too_many_columns& e) {
      bad_record(convert(e));
      continue;
    } catch (const io::error::base& e) {  // fccp cannot go on after the others (a line over 16 MiB)
      throw convert(e);
    }
    try {
      TraceRecord& r = out[k];
      r.vm = !vm ? 0 : strcasecmp(vm, "host") == 0 ? kHostVm : static_cast<std::uint16_t>(parse_uint(vm, "vm", 0xffff));
      r.vcpu = vcpu ? static_cast<std::uint16_t>(parse_uint(vcpu, "vcpu", 0xffff)) : 0;
      r.pid = pid ? static_cast<std::uint32_t>(parse_uint(pid, "pid", 0xffffffffu)) : 0;
      r.size = size ? static_cast<std::uint32_t>(parse_uint(size, "size", 0xffffffffu)) : 1;
      r.gap = gap ? parse_uint(gap, "gap", std::numeric_limits<std::uint64_t>::max()) : 0;
      switch (op[0] | 0x20) {
        case 'r': r.op = Op::Read; break;
        case 'w': r.op = Op::Write; break;
        case 'x': r.op = Op::Fetch; break;
        case 'm': r.op = Op::Modify; break;
        default: bad("op", quoted(op) + " is not an op (R, W, X or M)");
      }
      if (op[1] != '\0') bad("op", quoted(op) + " is not an op (R, W, X or M)");
      r.gva = parse_hex(gva);
      std::string why;
      if (const char* key = record_problem(r, limits_, why)) bad(key, why);
      ++k;
    } catch (const InputError& e) {
      bad_record(e);
    }
  }
  return k;
}

}  // namespace

std::unique_ptr<TraceReader> make_csv_reader(std::unique_ptr<InputFile> file) {
  return std::make_unique<CsvReader>(std::move(file));
}

}  // namespace trace_detail
}  // namespace mmusim
