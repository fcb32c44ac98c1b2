// Compressed traces: gzip, xz and zstd files, made here with the libraries' own compressors, read
// back as exactly the records of the plain file, in every format; a file cut short or not what
// its name claims is one clear error naming it; the zstd .mtr writer's output is what any zstd
// decoder turns into the plain .mtr file's bytes.
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "util/input_error.h"
#include "temp_file.h"
#include "trace/mtr_writer.h"
#include "trace/prefetch_reader.h"

using namespace mmusim;
using mmusim::test::read_all;
using mmusim::test::temp_file;

namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string gzip(const std::string& s) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, s.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = static_cast<uInt>(s.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string xz(const std::string& s) {
  std::string out(lzma_stream_buffer_bound(s.size()), '\0');
  std::size_t pos = 0;
  REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const std::uint8_t*>(s.data()), s.size(),
                                  reinterpret_cast<std::uint8_t*>(&out[0]), &pos, out.size()) == LZMA_OK);
  out.resize(pos);
  return out;
}

std::string zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  const std::size_t n = ZSTD_compress(&out[0], out.size(), s.data(), s.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string unzstd(const std::string& s, std::size_t capacity) {  // every frame, in order
  std::string out(capacity, '\0');
  const std::size_t n = ZSTD_decompress(&out[0], out.size(), s.data(), s.size());
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A CSV trace of n records whose fields all vary.
std::string csv(unsigned n) {
  std::string s = "vm,vcpu,pid,op,gva,size,gap\n";
  for (unsigned i = 0; i < n; ++i)
    s += std::to_string(i % 2) + "," + std::to_string(i % 3) + "," + std::to_string(i % 5) + "," + "RWXM"[i % 4] + ",0x" +
         std::to_string(0x10000 + 17 * i) + "," + std::to_string(1 + i % 9) + "," + std::to_string(i % 11) + "\n";
  return s;
}

bool same(const std::vector<TraceRecord>& a, const std::vector<TraceRecord>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].gva != b[i].gva || a[i].gap != b[i].gap || a[i].pid != b[i].pid || a[i].size != b[i].size ||
        a[i].vm != b[i].vm || a[i].vcpu != b[i].vcpu || a[i].op != b[i].op)
      return false;
  return true;
}

std::string error_of(const std::string& path, TraceFormat f = TraceFormat::Auto) {
  try {
    read_all(path, f);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("compressed: gzip, xz and zstd files give the plain file's records, detected by their magic", "[trace][compressed]") {
  const std::string plain_csv = csv(30000);  // several of the decompressors' 256 KiB input chunks as text
  const std::string lackey = bytes_of(TEST_DATA_DIR "/sample.lackey");
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"t.csv", plain_csv}, {"t.lackey", lackey}}) {
    const auto want = read_all(temp_file(name, text));
    REQUIRE(want.size() > 0);
    const struct {
      const char* ext;
      std::string bytes;
      Compression c;
    } cases[] = {{".gz", gzip(text), Compression::Gzip}, {".xz", xz(text), Compression::Xz}, {".zst", zstd(text), Compression::Zstd}};
    for (const auto& k : cases) {
      INFO(name << k.ext);
      REQUIRE(k.bytes.size() < text.size());
      const std::string path = temp_file(name + k.ext, k.bytes);
      CHECK(same(read_all(path), want));
      CHECK(same(read_all(path, TraceFormat::Auto, 4096), want));
      auto r = open_trace(path, TraceFormat::Auto);
      CHECK(r->compression() == k.c);
      CHECK(r->format() == (name == "t.csv" ? TraceFormat::Csv : TraceFormat::Lackey));
      // The name does not matter, only the magic bytes.
      CHECK(same(read_all(temp_file(name + ".data", k.bytes)), want));
      // Behind the reader thread, the same; progress counts compressed bytes, all of them at the end.
      PrefetchReader p(open_trace(path, TraceFormat::Auto), 100, 3);
      std::vector<TraceRecord> got, buf(333);
      while (std::size_t n = p.read(buf.data(), buf.size())) got.insert(got.end(), buf.begin(), buf.begin() + n);
      CHECK(same(got, want));
      CHECK(p.compression() == k.c);
      CHECK(p.bytes_total() == k.bytes.size());
      CHECK(p.bytes_done() == k.bytes.size());
    }
  }
}

TEST_CASE("compressed: concatenated gzip members and zstd frames are one trace", "[trace][compressed]") {
  const std::string text = csv(500);
  const std::size_t cut = text.find('\n', 4000) + 1;
  const std::string a = text.substr(0, cut), b = text.substr(cut);
  const auto want = read_all(temp_file("whole.csv", text));
  CHECK(same(read_all(temp_file("two.csv.gz", gzip(a) + gzip(b))), want));
  CHECK(same(read_all(temp_file("two.csv.zst", zstd(a) + zstd(b))), want));
  CHECK(same(read_all(temp_file("two.csv.xz", xz(a) + xz(b))), want));
}

TEST_CASE("compressed: a truncated or corrupt stream is an error naming the file, never a short trace", "[trace][compressed]") {
  const std::string text = csv(20000);
  const std::string gz = gzip(text), x = xz(text), z = zstd(text);
  SECTION("truncated") {
    CHECK_THAT(error_of(temp_file("cut.csv.gz", gz.substr(0, gz.size() - 100))),
               Catch::StartsWith(temp_file("cut.csv.gz", gz.substr(0, gz.size() - 100)) +
                                 ": truncated gzip stream: the file ends inside compressed data, after "));
    // Without the 8-byte trailer (CRC and length) every record decompresses, and still the file is cut.
    CHECK_THAT(error_of(temp_file("trailer.csv.gz", gz.substr(0, gz.size() - 8))),
               Catch::EndsWith(": truncated gzip stream: the file ends inside compressed data, after " +
                               std::to_string(text.size()) + " decompressed bytes"));
    CHECK_THAT(error_of(temp_file("cut.csv.xz", x.substr(0, x.size() / 2))),
               Catch::Contains("cut.csv.xz: truncated xz stream: the file ends inside compressed data, after "));
    CHECK_THAT(error_of(temp_file("cut.csv.zst", z.substr(0, z.size() / 2))),
               Catch::Contains("cut.csv.zst: truncated zstd stream: the file ends inside compressed data, after "));
    CHECK_THAT(error_of(temp_file("magic.zst", z.substr(0, 4))), Catch::Contains("magic.zst: truncated zstd stream"));
  }
  SECTION("corrupt") {
    std::string bad = x;
    for (std::size_t i = 100; i < 200; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    CHECK_THAT(error_of(temp_file("bad.csv.xz", bad)), Catch::Contains("bad.csv.xz: corrupt xz stream (liblzma: "));
    bad = gz;
    for (std::size_t i = 100; i < 200; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    CHECK_THAT(error_of(temp_file("bad.csv.gz", bad)), Catch::Contains("bad.csv.gz: corrupt gzip stream (zlib: "));
    bad = z;  // zstd's frames need not have checksums: spoil the frame header
    bad[4] = static_cast<char>(bad[4] ^ 0x08);  // a reserved bit
    CHECK_THAT(error_of(temp_file("bad.csv.zst", bad)), Catch::Contains("bad.csv.zst: corrupt zstd stream (libzstd: "));
    CHECK_THAT(error_of(temp_file("tail.csv.gz", gz + "junk")), Catch::Contains("tail.csv.gz: data after the end of the gzip stream"));
    CHECK_THAT(error_of(temp_file("tail.csv.zst", z + "junk")), Catch::Contains("tail.csv.zst: corrupt zstd stream"));
    // xz magic, then garbage
    CHECK_THAT(error_of(temp_file("hdr.xz", std::string("\xfd" "7zXZ\0", 6) + std::string(100, 'x'))),
               Catch::Contains("hdr.xz: corrupt xz stream (liblzma: "));
  }
  SECTION("a name that claims a compression the bytes do not show") {
    const std::string garbage = "op,gva\nthis is not xz\n";
    CHECK(error_of(temp_file("g.xz", garbage)) ==
          temp_file("g.xz", garbage) + ": the name says xz but the file does not start with its magic bytes: not an xz file");
    CHECK_THAT(error_of(temp_file("g.gz", z)), Catch::EndsWith(": the name says gzip but the file does not start with its magic bytes: not a gzip file"));
    CHECK_THAT(error_of(temp_file("g.zst", "")), Catch::EndsWith(": the name says zstd but the file does not start with its magic bytes: not a zstd file"));
  }
}

TEST_CASE("compressed: a stream cut short names the line or record it cuts", "[trace][compressed]") {
  // The bytes the message says were decompressed tell which line or record was cut.
  auto decompressed = [](const std::string& msg) {
    const std::string key = "after ";
    const std::size_t at = msg.rfind(key);
    REQUIRE(at != std::string::npos);
    return std::stoull(msg.substr(at + key.size()));
  };
  const std::string lackey = bytes_of(TEST_DATA_DIR "/sample.lackey");
  std::string big;
  while (big.size() < 3000000) big += lackey;  // a few of the reader's 1 MiB blocks
  const std::string gz = gzip(big);
  const std::string path = temp_file("cut.lackey.gz", gz.substr(0, gz.size() / 2));
  const std::string msg = error_of(path);
  const auto n = decompressed(msg);
  REQUIRE(n > 1000000);
  const auto whole_lines = std::count(big.begin(), big.begin() + static_cast<std::ptrdiff_t>(n), '\n');
  CHECK(msg == path + ":" + std::to_string(whole_lines + 1) + ": truncated gzip stream: the file ends inside compressed data, after " +
                   std::to_string(n) + " decompressed bytes");

  std::vector<TraceRecord> recs(50000);
  for (std::size_t i = 0; i < recs.size(); ++i) recs[i].gva = 0x10000 + 4096 * (i % 977) + i % 13;
  const std::string mtr = temp_file("cut-src.mtr.zst", "");
  {
    MtrWriter w(mtr, Compression::Zstd);
    for (const TraceRecord& r : recs) w.add(r);
    w.close();
  }
  const std::string z = bytes_of(mtr);
  const std::string cut = temp_file("cut.mtr.zst", z.substr(0, z.size() * 2 / 3));
  const std::string m2 = error_of(cut);
  const auto n2 = decompressed(m2);
  REQUIRE(n2 > 32);
  CHECK(m2 == cut + ":" + std::to_string((n2 - 32) / 24 + 1) + ": truncated zstd stream: the file ends inside compressed data, after " +
                  std::to_string(n2) + " decompressed bytes");
}

TEST_CASE("compressed: the zstd .mtr writer's file decompresses to the plain writer's bytes", "[trace][compressed][mtr]") {
  std::vector<TraceRecord> recs;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    TraceRecord r;
    r.gva = 0x7f0000000000ull + (i % 300) * 4096 + (i % 7) * 8;
    r.pid = i % 3;
    r.size = 8;
    r.op = static_cast<Op>(i % 4);
    recs.push_back(r);
  }
  const std::string plain = temp_file("w.mtr", ""), packed = temp_file("w.mtr.zst", "");
  for (const auto& [path, c] : {std::pair<std::string, Compression>{plain, Compression::None}, {packed, Compression::Zstd}}) {
    MtrWriter w(path, c);
    for (const TraceRecord& r : recs) w.add(r);
    w.close();
  }
  const std::string want = bytes_of(plain), got = bytes_of(packed);
  CHECK(want.size() == 32 + 24 * recs.size());
  CHECK(got.size() * 20 < want.size());
  CHECK(unzstd(got, 2 * want.size()) == want);  // libzstd's one-shot decoder: the header frame then the records' frame
  CHECK(same(read_all(packed), recs));
  auto r = open_trace(packed, TraceFormat::Auto);
  CHECK(r->format() == TraceFormat::Mtr);
  CHECK(r->compression() == Compression::Zstd);
}
