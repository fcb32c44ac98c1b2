// README "Bad input": every row of its table, tried as a new user would. Each case gets exit code
// 2, nothing on stdout, exactly the one line of stderr the README shows, and no summary.csv or
// timeline.csv (a stale one from an earlier run is removed), so that nothing looks complete.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {

void write(const std::string& name, const std::string& text) { write_test_file(name, text); }

// The 24-byte .mtr records of golden_small.csv's first `n` records after a header promising
// `promised`; `op` the op byte of the last one.
std::string mtr(std::uint64_t promised, unsigned n, unsigned char op = 0) {
  std::string s("MMUSIMTR\x01\0\0\0\x18\0\0\0", 16);
  for (int i = 0; i < 8; ++i) s += static_cast<char>((promised >> (8 * i)) & 0xff);
  s += std::string(8, '\0');
  for (unsigned r = 0; r < n; ++r) {
    std::string rec(24, '\0');
    rec[1] = static_cast<char>(0x10 + r);  // gva 0x1000 * (0x10 + r)
    rec[22] = static_cast<char>(r + 1 == n ? op : 0);
    s += rec;
  }
  return s;
}

// `mmusim ARGS --out out` fails with exactly `message` (the whole of stderr, one line), leaving no
// result of its own.
void fails_with(const std::string& args, const std::string& message) {
  INFO("mmusim " << args);
  fs::create_directories(test_dir() + "/out");
  std::ofstream(test_dir() + "/out/summary.csv") << "stale\n";
  std::ofstream(test_dir() + "/out/timeline.csv") << "stale\n";
  const Result r = run_mmusim(args + " --out out");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "mmusim: " + message + "\n");
  // No result of this run: input refused before the run starts leaves the previous results as they
  // were, a run that fails on the way removes them.
  for (const char* f : {"/out/summary.csv", "/out/timeline.csv"})
    CHECK((!fs::exists(test_dir() + f) || slurp(test_dir() + f) == "stale\n"));
}

const std::string kTrace = kSource + "/tests/data/golden_small.csv";

}  // namespace

TEST_CASE("bad input table: malformed trace records", "[cli][errors][bad-input]") {
  write("hex.csv", "op,gva\nR,0x1000\nW,0xzz\n");
  fails_with("run --trace hex.csv", "hex.csv:3: gva: '0xzz' is not a hex address");
  write("op.csv", "op,gva\nR,0x1000\nQ,0x2000\n");
  fails_with("run --trace op.csv", "op.csv:3: op: 'Q' is not an op (R, W, X or M)");
  write("op.mtr", mtr(3, 3, 7));
  fails_with("run --trace op.mtr", "op.mtr:3: op: bad op code 7");
  write("few.csv", "op,gva,size\nR,0x1000,8\nW,0x2000\n");
  fails_with("run --trace few.csv", "few.csv:3: too few fields (the header row at line 1 names 3 columns)");
  write("many.csv", "op,gva\nR,0x1000,8\n");
  fails_with("run --trace many.csv", "many.csv:2: too many fields (the header row at line 1 names 2 columns)");
  write("nocol.csv", "gva,size\n0x1000,8\n");
  fails_with("run --trace nocol.csv --format csv",
             "nocol.csv:1: op: missing required column in the header row (columns: vm, vcpu, pid, op, gva, size, gap; op "
             "and gva are required)");
  write("col.csv", "op,gva,cpu\nR,0x1000,1\n");
  fails_with("run --trace col.csv",
             "col.csv:1: cpu: unknown column in the header row (known columns: vm, vcpu, pid, op, gva, size, gap)");
  write("neg.csv", "op,gva,size\nR,0x1000,-8\n");
  fails_with("run --trace neg.csv", "neg.csv:2: size: '-8' is not a non-negative decimal integer");
  write("huge.csv", "op,gva\nR,0x10000000000000000\n");
  fails_with("run --trace huge.csv", "huge.csv:2: gva: '0x10000000000000000' has more than 16 hex digits");
  write("size.csv", "op,gva,size\nR,0x1000,4294967296\n");
  fails_with("run --trace size.csv", "size.csv:2: size: '4294967296' is out of range (0..4294967295)");
  write("gap.csv", "op,gva,gap\nR,0x1000,4294967297\n");
  fails_with("run --trace gap.csv", "gap.csv:2: gap: 4294967297 cycles is above the limit of 4294967296");
  write("canon.csv", "op,gva,size\nR,0x7ffffffffff8,16\n");
  fails_with("run --trace canon.csv",
             "canon.csv:2: gva: 0x7ffffffffff8 size 16 leaves the canonical 48-bit address space");
  write("vm.csv", "vm,op,gva\n1,R,0x1000\n");
  fails_with("run --trace vm.csv", "vm.csv:2: vm: 1 is not below guest.vms = 1");
  write("size.lackey", "==1== lackey\n L 1000,99999999999\n");
  fails_with("run --trace size.lackey",
             "size.lackey:2: size: size does not fit 32 bits in lackey record ' L 1000,99999999999'");
}

TEST_CASE("bad input table: long lines, garbage, truncated, empty and missing files", "[cli][errors][bad-input]") {
  write("long.csv", "op,gva\nR,0x" + std::string(17 << 20, '1') + "\n");
  fails_with("run --trace long.csv", "long.csv:2: line longer than 16 MiB");
  write("long.lackey", "==1== lackey\n L " + std::string(2 << 20, '1') + ",8\n");
  fails_with("run --trace long.lackey",
             "long.lackey:2: line longer than 1048576 bytes in lackey record ' L 11111111111111111111111111111111111111111111"
             "1111111111111...'");
  write("digits.csv", "op,gva\nR,0x" + std::string(100000, '1') + "\n");
  fails_with("run --trace digits.csv",
             "digits.csv:2: gva: '0x11111111111111111111111111111111111111...' has more than 16 hex digits");
  static const char kElf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x10\x11\xff\xfe\n\x9c\x01";
  const std::string garbage(kElf, sizeof kElf - 1);
  write("garbage.bin", garbage);
  fails_with("run --trace garbage.bin",
             "garbage.bin: cannot tell the trace format (first line: '\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
             "\\x00\\x00\\x03\\x00>\\x00\\x01\\x00\\x00\\x00\\x10\\x11\\xff\\xfe'; a CSV trace starts with a header row naming op "
             "and gva, a lackey trace has '==', 'I  ', ' L ', ' S ', ' M ' lines); use --format csv|lackey");
  fails_with("run --trace garbage.bin --format lackey",
             "garbage.bin: no records to replay (a CSV trace needs rows after its header row, a lackey trace 'I', ' L', "
             "' S' or ' M' lines)");
  write("garbage.cfg", std::string("[tlb]\nl1d_entries = \x01\xff\n", 23));
  fails_with("run --trace " + kTrace + " --config garbage.cfg",
             "garbage.cfg:2: tlb.l1d_entries: '\\x01\\xff' is not a value (it holds bytes that are not printable text)");
  write("cut.lackey", "==1== lackey\nI  04011d0,3\n L 7ff000ff8,8\n S 7ff00");
  fails_with("run --trace cut.lackey", "cut.lackey:4: size: missing ',size' in lackey record ' S 7ff00'");
  write("cut.csv", "op,gva\nR,0x1000\nW,0x");
  fails_with("run --trace cut.csv", "cut.csv:3: gva: '0x' is not a hex address");
  write("cut.mtr", mtr(5, 2) + std::string(10, '\0'));
  fails_with("run --trace cut.mtr", "cut.mtr: bad .mtr header: it promises 5 records, but the file's 90 bytes hold at most 2 "
                                    "(the file is truncated, or the header is wrong)");
  write("empty.csv", "");
  fails_with("run --trace empty.csv", "empty.csv: empty trace file");
  write("header.csv", "op,gva\n");
  fails_with("run --trace header.csv",
             "header.csv: no records to replay (a CSV trace needs rows after its header row, a lackey trace 'I', ' L', "
             "' S' or ' M' lines)");
  fails_with("run --trace missing.csv", "missing.csv: cannot open trace: No such file or directory");
  fails_with("run --trace /", "/: cannot open trace: Is a directory");
}

TEST_CASE("bad input table: configuration errors", "[cli][errors][bad-input]") {
  const std::string run = "run --trace " + kTrace;
  write("unknown.cfg", "[tlb]\nl1d_entrys = 64\n");
  fails_with(run + " --config unknown.cfg",
             "unknown.cfg:2: tlb.l1d_entrys: unknown key (`mmusim config --list` shows every key)");
  fails_with(run + " --set tlb.l1d_entrys=64", "--set: tlb.l1d_entrys: unknown key (`mmusim config --list` shows every key)");
  write("type.cfg", "[walk]\nref_cycles = ten\n");
  fails_with(run + " --config type.cfg", "type.cfg:2: walk.ref_cycles: 'ten' is not an unsigned integer");
  write("bool.cfg", "[sim]\ncheck = yes please\n");
  fails_with(run + " --config bool.cfg", "bool.cfg:2: sim.check: 'yes please' is not a boolean (true or false)");
  write("choice.cfg", "[kvm]\naging = lru\n");
  fails_with(run + " --config choice.cfg",
             "choice.cfg:2: kvm.aging: 'lru' is not one of: pinned, notifier, spte-lru, young, access-track");
  write("range.cfg", "[sim]\nquantum_cycles = 0\n");
  fails_with(run + " --config range.cfg", "range.cfg:2: sim.quantum_cycles: '0' is out of range [1, 1099511627776]");
  write("negative.cfg", "[tlb]\nl1d_entries = -64\n");
  fails_with(run + " --config negative.cfg", "negative.cfg:2: tlb.l1d_entries: '-64' is not an unsigned integer");
  write("dup.cfg", "[tlb]\nl1d_entries = 64\n\n[tlb]\nl1d_entries = 32\n");
  fails_with(run + " --config dup.cfg", "dup.cfg:5: tlb.l1d_entries: set twice (first on line 2)");
  write("syntax.cfg", "[tlb]\nl1d_entries 64\n");
  fails_with(run + " --config syntax.cfg", "syntax.cfg:2: expected 'key = value' or '[section]', got 'l1d_entries 64'");
  write("section.cfg", "[tlb\nl1d_entries = 64\n");
  fails_with(run + " --config section.cfg", "section.cfg:1: bad section header '[tlb'");
  fails_with(run + " --config missing.cfg", "missing.cfg: cannot open config file: No such file or directory");
  fails_with(run + " --set tlb.l1d_entries", "--set: expected key=value, got 'tlb.l1d_entries'");
}

TEST_CASE("bad input table: impossible configurations", "[cli][errors][bad-input]") {
  const std::string run = "run --trace " + kTrace;
  fails_with(run + " --set tlb.l1d_entries=48 --set tlb.l1d_ways=5",
             "--set: tlb.l1d_entries: 48 entries is not a multiple of 5 ways (tlb.l1d_entries must be a multiple of "
             "tlb.l1d_ways)");
  fails_with(run + " --set tlb.stlb_ways=0", "--set: tlb.stlb_ways: '0' is out of range [1, 65536]");
  const std::string pressure = "run --trace " + kSource + "/traces/synthetic/pressure.csv --set sim.mode=shadow";
  // 10,456 guest pages do not fit in 16 MiB = 4,096 guest frames.
  fails_with(pressure + " --set guest.mem_mb=16",
             "--set: guest.mem_mb: guest 0 memory exhausted: all 4096 frames (16384 KiB) are in use; the trace needs "
             "more memory than guest.mem_mb = 16 MiB, and the guest OS does not swap");
  fails_with(pressure + " --set guest.mem_mb=64 --set host.mem_mb=8 --set swap.mb=256 --set kvm.aging=pinned",
             "--set: host.mem_mb: host memory exhausted: all 2048 frames (8192 KiB) are in use; the guests need more "
             "memory than host.mem_mb = 8 MiB holds (host page tables and shadow pages included) and reclaim cannot free "
             "any (kvm.aging = pinned: pages mapped by sptes cannot be reclaimed)");
  fails_with(run + " --set sim.mode=shadow --set guest.vms=2 --set guest.mem_mb=4096 --set host.mem_mb=4096 --set swap.mb=1024",
             "--set: swap.mb: the guests' memory (2 x guest.mem_mb = 8192 MiB) exceeds host.mem_mb + swap.mb = 5120 MiB: "
             "raise swap.mb");
  fails_with(run + " --set sim.mode=shadow --set kvm.max_mmu_pages=10",
             "--set: kvm.max_mmu_pages: 10 is below KVM's minimum of 64 shadow pages (0 = automatic)");
  // 60 vCPUs each in a process of its own pin 60 shadow roots; every vCPU meets the limit (and
  // stops the run: only one message, and nothing from SystemC on stdout).
  std::string many = "vcpu,pid,op,gva\n";
  for (int i = 0; i < 60; ++i) many += std::to_string(i) + "," + std::to_string(i) + ",R,0x1000\n";
  write("many.csv", many);
  fails_with("run --trace many.csv --set sim.mode=shadow --set guest.vcpus=60 --set kvm.max_mmu_pages=64",
             "--set: kvm.max_mmu_pages: kvm.max_mmu_pages = 64 cannot hold the 60 shadow roots in use and the pages a "
             "fault needs");
}

TEST_CASE("bad input table: huge pages", "[cli][errors][bad-input][huge]") {
  const std::string run = "run --trace " + kTrace + " --config c.cfg";
  write("c.cfg", "[tlb]\nl1d_2m_entries = 30\n");
  fails_with(run, "c.cfg:2: tlb.l1d_2m_entries: 30 entries is not a multiple of 4 ways (tlb.l1d_2m_entries must be a "
                  "multiple of tlb.l1d_2m_ways)");
  write("c.cfg", "[sim]\nmode = shadow\n[host]\nmem_mb = 3\nthp = always\n");
  fails_with(run, "c.cfg:5: host.thp: host.mem_mb = 3 MiB cannot hold one 2 MiB huge page (the first 2 MiB holds the "
                  "host's page tables: at least 4 MiB)");
  write("c.cfg", "[sim]\nmode = nested\n[guest]\nmem_mb = 33\nthp = always\n");
  fails_with(run, "c.cfg:5: guest.thp: guest.mem_mb = 33 is not a multiple of 2 MiB, the huge page size");
}

TEST_CASE("bad input table: output folders that cannot be written", "[cli][errors][bad-input]") {
  // /sys/kernel exists and refuses new files even to root; /proc/none cannot be created.
  const Result sys = run_mmusim("run -q --trace " + kTrace + " --out /sys/kernel");
  CHECK(sys.code == 2);
  CHECK(sys.err == "mmusim: /sys/kernel: --out: cannot write: Permission denied\n");
  const Result proc = run_mmusim("run -q --trace " + kTrace + " --out /proc/none");
  CHECK(proc.code == 2);
  CHECK(proc.err == "mmusim: /proc/none: --out: cannot create: No such file or directory\n");
  write("file", "x");
  const Result file = run_mmusim("run -q --trace " + kTrace + " --out file");
  CHECK(file.code == 2);
  CHECK(file.err == "mmusim: file: --out: exists and is not a directory\n");
  for (const char* cmd : {"compare", "sweep --vary tlb.l1d_entries=32,64"}) {
    const Result r = run_mmusim(std::string(cmd) + " --trace " + kTrace + " --out /sys/kernel");
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: /sys/kernel: --out: cannot write: Permission denied\n");
  }
}

TEST_CASE("bad input table: compare and sweep refuse a trace that is not one before any run", "[cli][errors][bad-input]") {
  write("garbage.bin", std::string("\x01\x02\x03\xff\n", 5));
  for (const char* cmd : {"compare", "sweep --vary tlb.l1d_entries=32,64"}) {
    INFO(cmd);
    const Result r = run_mmusim(std::string(cmd) + " --trace garbage.bin --out o");
    CHECK(r.code == 2);
    CHECK(r.err.find("mmusim: garbage.bin: cannot tell the trace format (first line: '\\x01\\x02\\x03\\xff'") == 0);
    CHECK_FALSE(fs::exists(test_dir() + "/o/compare.csv"));
    CHECK_FALSE(fs::exists(test_dir() + "/o/sweep.csv"));
  }
}

TEST_CASE("bad input table: a machine too small for the vCPU threads", "[cli][errors][bad-input]") {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  WARN("not under AddressSanitizer: it needs terabytes of address space, which the limit below forbids");
  return;
#endif
#endif
  // 64 VMs x 256 vCPUs = 16,384 SystemC threads of 256 KiB stacks (4 GiB) in 3 GiB of address space.
  fs::create_directories(test_dir());
  const std::string cmd = "cd '" + test_dir() + "' && (ulimit -v 3000000 && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " +
                          MMUSIM_BIN + " run -q --trace " + kTrace +
                          " --set sim.mode=shadow --set guest.vms=64 --set guest.vcpus=256 --set guest.mem_mb=1 "
                          "--out out) > out.txt 2> err.txt";
  const int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(slurp(test_dir() + "/out.txt").empty());
  CHECK(slurp(test_dir() + "/err.txt") ==
        "mmusim: this machine ran out of memory for the stacks of the simulation's threads (one per vCPU: guest.vms x "
        "guest.vcpus); lower guest.vms or guest.vcpus\n");
}
