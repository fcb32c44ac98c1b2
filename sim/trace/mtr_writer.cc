#include "trace/mtr_writer.h"

#include <cerrno>
#include <cstring>

#include "util/input_error.h"
#include "trace/mtr_format.h"

namespace mmusim {

MtrWriter::MtrWriter(const std::string& path, Compression compression)
    : path_(path), f_(std::fopen(path.c_str(), "wb")), buf_(1 << 20) {
  if (!f_) throw InputError(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
  write_header(compression);
}

MtrWriter::MtrWriter(std::FILE* f, const std::string& name, Compression compression)
    : path_(name), f_(f), owns_(false), buf_(1 << 20) {
  write_header(compression);
}

void MtrWriter::write_header(Compression compression) {
  if (compression != Compression::None && compression != Compression::Zstd)
    throw InputError(path_, 0, "", std::string("cannot write ") + compression_name(compression) + " (only zstd)");
  unsigned char h[mtr::kHeaderBytes];
  mtr::encode_header(h, 0);
  if (compression == Compression::Zstd) {
    ZstdWriter::write_stored_frame(f_, path_, h, sizeof h);
    zstd_ = std::make_unique<ZstdWriter>(f_, path_);
  } else if (std::fwrite(h, 1, sizeof h, f_) != sizeof h) {
    throw InputError(path_, 0, "", "cannot write the header");
  }
}

MtrWriter::~MtrWriter() {
  if (f_ && owns_) std::fclose(f_);
}

void MtrWriter::add(const TraceRecord& r) {
  const std::uint64_t n = records_ + 1;
  auto bad = [&](const char* key, const std::string& what) {
    throw InputError(path_, 0, key, "record " + std::to_string(n) + ": " + what + " (the .mtr format cannot hold it)");
  };
  if (r.vm > 255) bad("vm", std::to_string(r.vm) + " is above 255");
  if (r.vcpu > 255) bad("vcpu", std::to_string(r.vcpu) + " is above 255");
  if (r.gap > 0xffffffffull) bad("gap", std::to_string(r.gap) + " is above 2^32 - 1");
  if (used_ + mtr::kRecordBytes > buf_.size()) flush();
  mtr::encode(buf_.data() + used_, r);
  used_ += mtr::kRecordBytes;
  ++records_;
}

void MtrWriter::flush() {
  if (zstd_) {
    zstd_->write(buf_.data(), used_);
    used_ = 0;
    return;
  }
  if (used_ && std::fwrite(buf_.data(), 1, used_, f_) != used_)
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  used_ = 0;
}

void MtrWriter::close() {
  flush();
  if (zstd_) zstd_->end_frame();
  unsigned char h[mtr::kHeaderBytes];
  mtr::encode_header(h, records_);
  if (std::fseek(f_, zstd_ ? ZstdWriter::kStoredOffset : 0, SEEK_SET) != 0 || std::fwrite(h, 1, sizeof h, f_) != sizeof h ||
      (owns_ ? std::fclose(f_) : std::fflush(f_)) != 0) {
    f_ = nullptr;
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  }
  f_ = nullptr;
}

}  // namespace mmusim
