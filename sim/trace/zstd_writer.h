// Writes zstd-compressed bytes to a file, as frames any zstd decoder (`zstd -dc`, libzstd,
// the trace readers) reads in order.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

struct ZSTD_CCtx_s;

namespace mmusim {

class ZstdWriter {
 public:
  // Compresses into `f` (not owned) at libzstd's default level; `path` names it in messages.
  ZstdWriter(std::FILE* f, const std::string& path);
  ~ZstdWriter();
  ZstdWriter(const ZstdWriter&) = delete;
  ZstdWriter& operator=(const ZstdWriter&) = delete;

  void write(const void* data, std::size_t n);
  // Ends the current frame (a later write() starts another one).
  void end_frame();

  // Writes `n` bytes (1..255) uncompressed as a frame of their own, whose bytes the caller may
  // overwrite in place later (a header whose fields are known only at the end): they start
  // kStoredOffset bytes into the frame.
  static void write_stored_frame(std::FILE* f, const std::string& path, const void* data, std::size_t n);
  static constexpr std::size_t kStoredOffset = 9;

 private:
  void put(const void* data, std::size_t n);
  std::FILE* f_;
  std::string path_;
  ZSTD_CCtx_s* c_;
  std::vector<char> out_;
};

}  // namespace mmusim
