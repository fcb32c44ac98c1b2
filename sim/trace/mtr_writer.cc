#include "trace/mtr_writer.h"

#include <cerrno>
#include <cstring>

#include "input_error.h"
#include "trace/mtr_format.h"

namespace mmusim {

MtrWriter::MtrWriter(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")), buf_(1 << 20) {
  if (!f_) throw InputError(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
  write_header();
}

MtrWriter::MtrWriter(std::FILE* f, const std::string& name) : path_(name), f_(f), owns_(false), buf_(1 << 20) { write_header(); }

void MtrWriter::write_header() {
  unsigned char h[mtr::kHeaderBytes];
  mtr::encode_header(h, 0);
  if (std::fwrite(h, 1, sizeof h, f_) != sizeof h) throw InputError(path_, 0, "", "cannot write the header");
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
  if (used_ && std::fwrite(buf_.data(), 1, used_, f_) != used_)
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  used_ = 0;
}

void MtrWriter::close() {
  flush();
  unsigned char h[mtr::kHeaderBytes];
  mtr::encode_header(h, records_);
  if (std::fseek(f_, 0, SEEK_SET) != 0 || std::fwrite(h, 1, sizeof h, f_) != sizeof h ||
      (owns_ ? std::fclose(f_) : std::fflush(f_)) != 0) {
    f_ = nullptr;
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  }
  f_ = nullptr;
}

}  // namespace mmusim
