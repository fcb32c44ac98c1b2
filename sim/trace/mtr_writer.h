// Writes .mtr files (mtr_format.h): buffered, the record count patched into the header at close;
// zstd-compressed (.mtr.zst) if asked, the header then in a stored frame of its own (zstd_writer.h)
// so that it can still be patched.
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "trace/compression.h"
#include "trace/record.h"
#include "trace/zstd_writer.h"

namespace mmusim {

class MtrWriter {
 public:
  // Throws InputError naming `path` if it cannot be created. `compression` is None or Zstd.
  explicit MtrWriter(const std::string& path, Compression compression = Compression::None);
  // Writes to `f`, which stays open (its owner closes it); `name` is for messages.
  MtrWriter(std::FILE* f, const std::string& name, Compression compression = Compression::None);
  ~MtrWriter();
  // A record that the format cannot hold (vm or vcpu above 255, gap of 2^32 or more) throws
  // InputError naming the record number.
  void add(const TraceRecord& r);
  // Flushes and patches the header; throws InputError on a write error.
  void close();
  std::uint64_t records() const { return records_; }

 private:
  void flush();
  void write_header(Compression compression);
  std::string path_;
  std::FILE* f_;
  std::unique_ptr<ZstdWriter> zstd_;
  bool owns_ = true;
  std::vector<unsigned char> buf_;
  std::size_t used_ = 0;
  std::uint64_t records_ = 0;
};

}  // namespace mmusim
