#include "record/lackey_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/input_error.h"
#include "util/printable.h"
#include "trace/hex_table.h"

namespace mmusim {

namespace {
constexpr std::size_t kReadBytes = std::size_t(1) << 20;
constexpr std::uint64_t kPunchEvery = std::uint64_t(16) << 20;  // give back the read part every 16 MiB
}  // namespace

LackeyLog::LackeyLog(const std::string& path, pid_t os_pid, std::uint32_t trace_pid)
    : name_("lackey log of process " + std::to_string(os_pid)), os_pid_(os_pid), trace_pid_(trace_pid) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) throw InputError(path, 0, "", std::string("cannot open valgrind's log: ") + std::strerror(errno));
  ::unlink(path.c_str());  // valgrind writes on through its descriptor; a later exec of the process makes a new file
}

LackeyLog::~LackeyLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool LackeyLog::read_more() {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = buf_.size();
  buf_.resize(old + kReadBytes);
  ssize_t got;
  do got = ::pread(fd_, &buf_[old], kReadBytes, static_cast<off_t>(offset_));
  while (got < 0 && errno == EINTR);
  if (got < 0) throw InputError(name_, 0, "", std::string("cannot read: ") + std::strerror(errno));
  buf_.resize(old + static_cast<std::size_t>(got));
  offset_ += static_cast<std::uint64_t>(got);
  if (offset_ - punched_ >= kPunchEvery) {
    // Best effort: a file system without hole punching keeps the log until it is closed.
    ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(offset_));
    punched_ = offset_;
  }
  return got > 0;
}

bool LackeyLog::drained() {
  struct stat st;
  return ::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) <= offset_ && buf_.find('\n', pos_) == std::string::npos;
}

// One line [b, e) without its '\n': a record into r (true), or a line to skip.
bool LackeyLog::parse_line(const char* b, const char* e, TraceRecord& r) {
  ++line_;
  if (e - b < 4) return false;
  Op op;
  if (b[0] == 'I' && b[1] == ' ' && b[2] == ' ') op = Op::Fetch;
  else if (b[0] == ' ' && b[2] == ' ' && (b[1] == 'L' || b[1] == 'S' || b[1] == 'M'))
    op = b[1] == 'L' ? Op::Read : b[1] == 'S' ? Op::Write : Op::Modify;
  else {
    if (b[0] == '=' && b[1] == '=') {
      const std::string l(b, e);
      if (l.find("== Exit code:") != std::string::npos) exit_seen_ = true;
      const std::size_t c = l.find("== Command: ");
      if (c != std::string::npos && command_.empty()) command_ = l.substr(c + 12);
    }
    return false;
  }
  const char* p = b + 3;
  std::uint64_t gva = 0, size = 0;
  unsigned d;
  int digits = 0;
  while (p < e && (d = trace_detail::kHex[*p]) < 16) gva = (gva << 4) | d, ++p, ++digits;
  bool ok = digits > 0 && digits <= 16 && p < e && *p == ',';
  if (ok) {
    ++p;
    digits = 0;
    while (p < e && *p >= '0' && *p <= '9') size = size * 10 + static_cast<unsigned>(*p - '0'), ++p, ++digits;
    ok = digits > 0 && digits <= 10 && size <= 0xffffffffu && (p == e || (*p == '\r' && p + 1 == e));
  }
  if (!ok)
    throw InputError(name_, line_, "", "lackey record '" + printable(b, static_cast<std::size_t>(e - b), 60) + "' does not parse");
  r = TraceRecord{};
  r.gva = gva;
  r.size = static_cast<std::uint32_t>(size);
  r.pid = trace_pid_;
  r.op = op;
  return true;
}

std::size_t LackeyLog::take(TraceRecord* out, std::size_t n) {
  std::size_t k = 0;
  while (k < n) {
    const std::size_t nl = buf_.find('\n', pos_);
    if (nl == std::string::npos) {
      if (!read_more()) break;
      continue;
    }
    if (parse_line(buf_.data() + pos_, buf_.data() + nl, out[k])) ++k;
    pos_ = nl + 1;
  }
  records_ += k;
  return k;
}

}  // namespace mmusim
