#include "trace/compression.h"

namespace mmusim {

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::None: return "none";
    case Compression::Gzip: return "gzip";
    case Compression::Xz: return "xz";
    case Compression::Zstd: return "zstd";
  }
  return "?";
}

namespace trace_detail {

Compression detect_compression(const std::string& head) {
  auto starts = [&](const char* magic, std::size_t n) { return head.size() >= n && head.compare(0, n, magic, n) == 0; };
  if (starts("\x1f\x8b", 2)) return Compression::Gzip;
  if (starts("\xfd" "7zXZ\x00", 6)) return Compression::Xz;
  if (starts("\x28\xb5\x2f\xfd", 4)) return Compression::Zstd;
  return Compression::None;
}

Compression compression_of_name(const std::string& path) {
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return path.size() > s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".gz")) return Compression::Gzip;
  if (ends(".xz")) return Compression::Xz;
  if (ends(".zst")) return Compression::Zstd;
  return Compression::None;
}

std::unique_ptr<Decompressor> make_decompressor(Compression c, RawRead raw, const std::string& name) {
  switch (c) {
    case Compression::Gzip: return make_gzip_decompressor(std::move(raw), name);
    case Compression::Xz: return make_xz_decompressor(std::move(raw), name);
    case Compression::Zstd: return make_zstd_decompressor(std::move(raw), name);
    case Compression::None: break;
  }
  return nullptr;
}

}  // namespace trace_detail
}  // namespace mmusim
