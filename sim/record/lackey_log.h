// One process's lackey log while valgrind still writes it (mmusim record): the file is opened and
// unlinked as soon as it appears, read as it grows, and the part already read is given back to
// the file system (a hole punched in it), so no text log is kept.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "trace/record.h"

namespace mmusim {

class LackeyLog {
 public:
  // Opens `path` (a log valgrind is writing for process `os_pid`) and unlinks it. Throws
  // InputError if it cannot be opened.
  LackeyLog(const std::string& path, pid_t os_pid, std::uint32_t trace_pid);
  ~LackeyLog();
  LackeyLog(const LackeyLog&) = delete;
  LackeyLog& operator=(const LackeyLog&) = delete;

  // The next records written so far, at most n, into out (each with this log's trace pid); a
  // record-like line that does not parse throws InputError naming the process and the line.
  std::size_t take(TraceRecord* out, std::size_t n);
  // valgrind wrote the end of this process: lackey's "Exit code:" line.
  bool exit_seen() const { return exit_seen_; }
  // Everything written so far has been taken (the file has no more bytes now).
  bool drained();

  pid_t os_pid() const { return os_pid_; }
  std::uint32_t trace_pid() const { return trace_pid_; }
  std::uint64_t records() const { return records_; }
  const std::string& command() const { return command_; }

 private:
  bool read_more();
  bool parse_line(const char* b, const char* e, TraceRecord& r);

  std::string name_;
  int fd_ = -1;
  pid_t os_pid_;
  std::uint32_t trace_pid_;
  std::string buf_;        // bytes read and not yet parsed (a partial last line)
  std::size_t pos_ = 0;    // next unparsed byte of buf_
  std::uint64_t offset_ = 0, punched_ = 0, line_ = 0, records_ = 0;
  bool exit_seen_ = false;
  std::string command_;    // lackey's "Command:" line
};

}  // namespace mmusim
