// The binary trace format (.mtr), for fast replay and for other tools to write:
//
//   header, 32 bytes, little-endian:
//     0  char[8]  magic "MMUSIMTR"
//     8  u32      version = 1
//    12  u32      record size in bytes = 24
//    16  u64      number of records
//    24  u64      reserved, 0
//   records, 24 bytes each, little-endian, in replay order:
//     0  u64  gva
//     8  u32  gap (cycles of work before the access)
//    12  u32  pid
//    16  u32  size (bytes; 0 counts as 1)
//    20  u8   vm
//    21  u8   vcpu
//    22  u8   op: 0 R, 1 W, 2 X, 3 M
//    23  u8   reserved, 0
#pragma once
#include <cstdint>
#include <cstring>

#include "trace/record.h"

namespace mmusim::mtr {

constexpr char kMagic[8] = {'M', 'M', 'U', 'S', 'I', 'M', 'T', 'R'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 32;
constexpr std::size_t kRecordBytes = 24;

inline void put32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void put64(unsigned char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline std::uint32_t get32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint64_t get64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline void encode_header(unsigned char* p, std::uint64_t records) {
  std::memcpy(p, kMagic, 8);
  put32(p + 8, kVersion);
  put32(p + 12, kRecordBytes);
  put64(p + 16, records);
  put64(p + 24, 0);
}

// The fields that do not fit a record (vm or vcpu above 255, gap above 2^32 - 1) are the
// caller's to reject; encode truncates nothing silently because it is only called after that.
inline void encode(unsigned char* p, const TraceRecord& r) {
  put64(p, r.gva);
  put32(p + 8, static_cast<std::uint32_t>(r.gap));
  put32(p + 12, r.pid);
  put32(p + 16, r.size);
  p[20] = static_cast<unsigned char>(r.vm);
  p[21] = static_cast<unsigned char>(r.vcpu);
  p[22] = static_cast<unsigned char>(r.op);
  p[23] = 0;
}

inline void decode(const unsigned char* p, TraceRecord& r) {
  r.gva = get64(p);
  r.gap = get32(p + 8);
  r.pid = get32(p + 12);
  r.size = get32(p + 16);
  r.vm = p[20];
  r.vcpu = p[21];
  r.op = static_cast<Op>(p[22]);  // Op is a uint8_t enum: any byte is a value; readers reject > 3
}

}  // namespace mmusim::mtr
