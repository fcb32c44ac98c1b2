// Writes .mtr files (mtr_format.h): buffered, the record count patched into the header at close.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "trace/record.h"

namespace mmusim {

class MtrWriter {
 public:
  // Throws InputError naming `path` if it cannot be created.
  explicit MtrWriter(const std::string& path);
  // Writes to `f`, which stays open (its owner closes it); `name` is for messages.
  MtrWriter(std::FILE* f, const std::string& name);
  ~MtrWriter();
  // A record that the format cannot hold (vm or vcpu above 255, gap of 2^32 or more) throws
  // InputError naming the record number.
  void add(const TraceRecord& r);
  // Flushes and patches the header; throws InputError on a write error.
  void close();
  std::uint64_t records() const { return records_; }

 private:
  void flush();
  void write_header();
  std::string path_;
  std::FILE* f_;
  bool owns_ = true;
  std::vector<unsigned char> buf_;
  std::size_t used_ = 0;
  std::uint64_t records_ = 0;
};

}  // namespace mmusim
