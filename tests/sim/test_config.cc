#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "util/input_error.h"

using namespace mmusim;

namespace {
// Config files of these tests: MMUSIM_TEST_TMP/config/NAME.cfg.
const std::string kDir = std::string(MMUSIM_TEST_TMP) + "/config/";

std::string write_tmp(const std::string& name, const std::string& text) {
  std::filesystem::create_directories(kDir);
  const std::string path = kDir + name + ".cfg";
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("config: every key the foundation issue names exists, with a unit or a help line", "[config]") {
  const char* required[] = {"sim.mode", "sim.quantum_cycles", "sim.check", "tlb.l1i_entries", "tlb.l1i_ways",
                            "tlb.l1d_entries", "tlb.l1d_ways", "tlb.stlb_entries", "tlb.stlb_ways",
                            "tlb.l1_hit_cycles", "tlb.stlb_hit_cycles", "walk.ref_cycles", "walk.pwc_entries",
                            "guest.mem_mb", "guest.vcpus", "host.mem_mb", "cost.host_minor_fault_cycles"};
  for (const char* k : required) {
    INFO(k);
    const KeySpec* spec = find_key(k);
    REQUIRE(spec != nullptr);
    CHECK_FALSE(spec->help.empty());
  }
  std::set<std::string> names;
  for (const KeySpec& k : config_keys()) {
    INFO(k.name);
    CHECK(names.insert(k.name).second);  // declared once
    CHECK_FALSE(k.help.empty());
    if (k.type == KeyType::UInt) CHECK_FALSE(k.unit.empty());
  }
}

TEST_CASE("config: defaults, a file, then --set, in that order", "[config]") {
  Config c;  // every default parses: the constructor would throw otherwise
  CHECK(c.values().tlb.l1d_entries == 64);
  CHECK(c.values().sim.check == false);
  c.load_file(write_tmp("order", "# comment\n[tlb]\nl1d_entries = 32   # inline comment\n\n[sim]\ncheck = true\n"));
  CHECK(c.values().tlb.l1d_entries == 32);
  CHECK(c.values().sim.check == true);
  CHECK(c.origin("tlb.l1d_entries").line == 3);
  c.set("tlb.l1d_entries=16");
  CHECK(c.values().tlb.l1d_entries == 16);
  CHECK(c.origin("tlb.l1d_entries").file == "--set");
  c.validate();
}

TEST_CASE("config: bad input names the file, the line and the key", "[config]") {
  Config c;
  CHECK(error_of([&] { c.load_file(write_tmp("unknown", "[tlb]\n\nl1d_entriez = 3\n")); }) ==
        kDir + "unknown.cfg:3: tlb.l1d_entriez: unknown key (`mmusim config --list` shows every key)");
  CHECK(error_of([&] { c.load_file(write_tmp("value", "[walk]\nref_cycles = 12x\n")); }) ==
        kDir + "value.cfg:2: walk.ref_cycles: '12x' is not an unsigned integer");
  CHECK(error_of([&] { c.load_file(write_tmp("neg", "[walk]\nref_cycles = -1\n")); }) ==
        kDir + "neg.cfg:2: walk.ref_cycles: '-1' is not an unsigned integer");
  CHECK(error_of([&] { c.load_file(write_tmp("range", "[guest]\nvcpus = 0\n")); }) ==
        kDir + "range.cfg:2: guest.vcpus: '0' is out of range [1, 256]");
  CHECK(error_of([&] { c.load_file(write_tmp("dup", "[tlb]\nl1d_ways = 4\nl1d_ways = 8\n")); }) ==
        kDir + "dup.cfg:3: tlb.l1d_ways: set twice (first on line 2)");
  CHECK(error_of([&] { c.load_file(write_tmp("syntax", "[tlb]\nl1d_ways 4\n")); }) ==
        kDir + "syntax.cfg:2: expected 'key = value' or '[section]', got 'l1d_ways 4'");
  CHECK(error_of([&] { c.load_file(write_tmp("bool", "[sim]\ncheck = maybe\n")); }) ==
        kDir + "bool.cfg:2: sim.check: 'maybe' is not a boolean (true or false)");
  CHECK(error_of([&] { c.load_file(write_tmp("choice", "[sim]\nmode = hybrid\n")); }) ==
        kDir + "choice.cfg:2: sim.mode: 'hybrid' is not one of: native, shadow, nested");
  CHECK(error_of([&] { c.load_file("/nonexistent/x.cfg"); }) ==
        "/nonexistent/x.cfg: cannot open config file: No such file or directory");
  CHECK(error_of([&] { c.set("nosuch.key=1"); }) ==
        "--set: nosuch.key: unknown key (`mmusim config --list` shows every key)");
  CHECK(error_of([&] { c.set("tlb.l1d_ways"); }) == "--set: expected key=value, got 'tlb.l1d_ways'");
  CHECK(error_of([&] { c.set("host.mem_mb=99999999999999999999999"); }) ==
        "--set: host.mem_mb: '99999999999999999999999' is out of range [1, 65536]");
}

TEST_CASE("config: TLB entries must be a multiple of ways, blaming the key that was set", "[config]") {
  Config c;
  c.load_file(write_tmp("ways", "[tlb]\nstlb_entries = 1000\n"));  // default 12 ways
  CHECK(error_of([&] { c.validate(); }) ==
        kDir + "ways.cfg:2: tlb.stlb_entries: 1000 entries is not a multiple of 12 ways "
        "(tlb.stlb_entries must be a multiple of tlb.stlb_ways)");
  Config d;
  d.set("tlb.l1d_ways=3");  // default 64 entries
  CHECK(error_of([&] { d.validate(); }) ==
        "--set: tlb.l1d_ways: 64 entries is not a multiple of 3 ways (tlb.l1d_entries must be a multiple of "
        "tlb.l1d_ways)");
}

TEST_CASE("config: the bundled presets load and validate", "[config]") {
  for (const char* f : {"default.cfg", "skylake.cfg", "core2-2008.cfg", "pressure.cfg", "nehalem-2009.cfg"}) {
    INFO(f);
    Config c;
    c.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/" + f);
    c.validate();
  }
  Config core2;
  core2.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/core2-2008.cfg");
  CHECK(core2.values().tlb.l1d_entries == 16);   // DTLB0
  CHECK(core2.values().tlb.stlb_entries == 256);  // DTLB1
  CHECK(core2.values().tlb.stlb_hit_cycles == 2);
  CHECK_FALSE(core2.values().kvm.vpid);    // Penryn: no VPID
  CHECK_FALSE(core2.values().kvm.unsync);  // January 2008: no unsync shadow pages yet
  Config nehalem;
  nehalem.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/nehalem-2009.cfg");
  CHECK(nehalem.values().sim.mode == SimMode::Nested);
  CHECK(nehalem.values().tlb.stlb_entries == 512);
  CHECK_FALSE(nehalem.values().ept.ad_bits);  // EPT A/D bits came with Haswell
  Config skylake;
  skylake.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/skylake.cfg");
  CHECK(skylake.values().ept.ad_bits);
}

TEST_CASE("config: a nested TLB that is not a multiple of its ways names the key", "[config]") {
  Config c;
  c.set("ept.ntlb_entries=10");
  CHECK(error_of([&] { c.validate(); }) ==
        "--set: ept.ntlb_entries: 10 entries is not a multiple of 4 ways (ept.ntlb_entries must be a multiple of "
        "ept.ntlb_ways)");
  Config off;
  off.set("ept.ntlb_ways=3");  // 0 entries: no nested TLB, any ways
  CHECK(error_of([&] { off.validate(); }) == "no error");
}

TEST_CASE("config: include = FILE loads the file first, relative to the including one; the includer's keys win", "[config]") {
  write_tmp("era_base", "[sim]\nera = linux-2.6.28\n[kvm]\nunsync = true\naging = young\n");
  Config c;
  c.load_file(write_tmp("inc", "include = era_base.cfg\n[kvm]\nunsync = false\n"));
  CHECK_FALSE(c.values().kvm.unsync);             // the including file overrides
  CHECK(c.values().kvm.aging == "young");         // from the include
  CHECK(c.origin("kvm.aging").file == kDir + "era_base.cfg");
  CHECK(c.origin("kvm.aging").line == 5);
  // The era preset is the file that set sim.era; kvm.unsync departs from it, kvm.aging does not.
  CHECK(c.era_file() == kDir + "era_base.cfg");
  REQUIRE(c.era_value("kvm.unsync"));
  CHECK(*c.era_value("kvm.unsync") == "true");
  CHECK_FALSE(c.era_value("kvm.aging"));
  CHECK_FALSE(c.era_value("tlb.l1d_entries"));  // the era does not set it
  c.set("kvm.aging=notifier");
  CHECK(*c.era_value("kvm.aging") == "young");
}

TEST_CASE("config: a bad include names the file, the line and the key", "[config]") {
  Config c;
  CHECK(error_of([&] { c.load_file(write_tmp("late", "[tlb]\nl1d_entries = 8\ninclude = x.cfg\n")); }) ==
        kDir + "late.cfg:3: tlb.include: unknown key (`mmusim config --list` shows every key)");
  CHECK(error_of([&] { c.load_file(write_tmp("late2", "[tlb]\nl1d_entries = 8\n")); }) == "no error");
  CHECK(error_of([&] { c.load_file(write_tmp("after", "sim.mode = native\ninclude = late2.cfg\n")); }).find(
            "after.cfg:2: include: an include must come before every section and key of the file") != std::string::npos);
  CHECK(error_of([&] { c.load_file(write_tmp("nofile", "include = nothere.cfg\n")); }) ==
        kDir + "nofile.cfg:1: include: 'nothere.cfg' is no file (" + kDir + "nothere.cfg)");
  write_tmp("loop_a", "include = loop_b.cfg\n");
  write_tmp("loop_b", "include = loop_a.cfg\n");
  CHECK(error_of([&] { c.load_file(kDir + "loop_a.cfg"); }).find("includes itself") != std::string::npos);
}

TEST_CASE("config: what an era's KVM could not do is bad input (EPT A/D bits, nested paging before 2.6.26)", "[config]") {
  Config c;
  c.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-2.6.28.cfg");
  c.set("ept.ad_bits=true");
  CHECK(error_of([&] { c.validate(); }) ==
        "--set: ept.ad_bits: sim.era = linux-2.6.28: that KVM used no EPT accessed and dirty bits (they came with "
        "Haswell, 2013, and a later KVM)");
  Config old;
  old.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/kvm-2008-01.cfg");
  old.set("sim.mode=nested");
  CHECK(error_of([&] { old.validate(); }) ==
        "--set: sim.mode: sim.era = kvm-2008-01 had no nested paging (KVM's EPT support came with Linux 2.6.26)");
  Config none;  // no era: any combination
  none.set("sim.mode=nested");
  none.set("ept.ad_bits=true");
  CHECK(error_of([&] { none.validate(); }) == "no error");
}

TEST_CASE("config: MGLRU before 6.1, its secondary-MMU fix before 6.12 and its keys with another LRU are bad input",
          "[config]") {
  Config c;
  c.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-2.6.28.cfg");
  c.set("reclaim.lru=mglru");
  CHECK(error_of([&] { c.validate(); }) ==
        "--set: reclaim.lru: sim.era = linux-2.6.28: that kernel had no multi-generational LRU (it came with Linux 6.1)");
  Config e66;
  e66.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-6.6.cfg");
  CHECK(error_of([&] { e66.validate(); }) == "no error");
  e66.set("reclaim.mglru_notify_young=true");
  CHECK(error_of([&] { e66.validate(); }) ==
        "--set: reclaim.mglru_notify_young: sim.era = linux-6.6: MGLRU's walks asked no secondary MMU before Linux 6.12 "
        "(1d4832becdc2); use linux-6.12.cfg");
  Config split;  // the split LRU: an MGLRU key set away from its default means nothing there
  split.set("reclaim.mglru_min_ttl_ms=1000");
  CHECK(error_of([&] { split.validate(); }) ==
        "--set: reclaim.mglru_min_ttl_ms: applies to reclaim.lru = mglru only, and reclaim.lru is split-2.6.28");
  Config e612;  // 6.12 with the split LRU: the preset's notify_young = true is named where it is set
  e612.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-6.12.cfg");
  CHECK(error_of([&] { e612.validate(); }) == "no error");
  e612.set("reclaim.lru=split-2.6.28");
  CHECK(error_of([&] { e612.validate(); }).find("linux-6.12.cfg:21: reclaim.mglru_notify_young: applies to reclaim.lru = mglru only") !=
        std::string::npos);
}

TEST_CASE("config: huge pages swapped whole before 4.13, or without host huge pages, are bad input", "[config]") {
  Config e28;  // the 2.6.28 preset: THP swap came with 4.13 and 4.14
  e28.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-2.6.28.cfg");
  e28.set("reclaim.thp_swap=whole");
  CHECK(error_of([&] { e28.validate(); }) ==
        "--set: reclaim.thp_swap: sim.era = linux-2.6.28: that kernel split every huge page before swap-out (THP swap "
        "came with Linux 4.13 and 4.14)");
  Config never;  // no host huge pages: the key means nothing
  never.set("sim.mode=nested");
  never.set("reclaim.thp_swap=whole");
  CHECK(error_of([&] { never.validate(); }) ==
        "--set: reclaim.thp_swap: whole applies to host.thp = always only, and host.thp is never");
  never.set("host.thp=always");
  CHECK(error_of([&] { never.validate(); }) == "no error");
  Config e66;  // the 6.6 preset (MGLRU) with host huge pages swapped whole
  e66.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-6.6.cfg");
  e66.set("host.thp=always");
  e66.set("reclaim.thp_swap=whole");
  CHECK(error_of([&] { e66.validate(); }) == "no error");
  CHECK(error_of([&] { Config bad; bad.set("reclaim.thp_swap=partly"); }).find("reclaim.thp_swap") != std::string::npos);
}

TEST_CASE("config: the era presets set what their kernels decide", "[config]") {
  Config e28, e24;
  e28.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/linux-2.6.28.cfg");
  e24.load_file(std::string(MMUSIM_SOURCE_DIR) + "/configs/kvm-2008-01.cfg");
  CHECK(e28.values().sim.era == "linux-2.6.28");
  CHECK(e28.values().reclaim.lru == "split-2.6.28");
  CHECK(e28.values().kvm.gfn_to_pfn == "gup_fast");
  CHECK(e28.values().kvm.mmu_shrink);
  CHECK(e24.values().reclaim.lru == "classic-2.6.24");
  CHECK(e24.values().kvm.gfn_to_pfn == "foll_touch");
  CHECK(e24.values().kvm.rmap_remove_accessed == "always");
  CHECK_FALSE(e24.values().kvm.unsync);
  CHECK_FALSE(e24.values().kvm.mmu_shrink);
  // Every value of the 2.6.28 preset is its key's default.
  const Config defaults;
  for (const auto& kv : e28.effective()) {
    const auto& [k, v] = kv;
    if (k == "sim.era") continue;
    for (const auto& [dk, dv] : defaults.effective())
      if (dk == k) {
        INFO(k);
        CHECK(v == dv);
      }
  }
}

TEST_CASE("config: a file named by a path that cannot be resolved (a memfd, a pipe's /dev/fd/N) is read, never a crash",
          "[config]") {
  // Regression of fuzz_config's crash-da39a3ee: std::filesystem::weakly_canonical threw on
  // /proc/self/fd/N of a memfd (and would on `--config <(...)`).
  const int fd = memfd_create("mmusim-test-config", 0);
  REQUIRE(fd >= 0);
  const std::string text = "[sim]\nmode = shadow\n";
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  Config c;
  CHECK(error_of([&] { c.load_file("/proc/self/fd/" + std::to_string(fd)); }) == "no error");
  CHECK(c.values().sim.mode == SimMode::Shadow);
  REQUIRE(ftruncate(fd, 0) == 0);  // the fuzzer's empty input
  Config empty;
  CHECK(error_of([&] { empty.load_file("/proc/self/fd/" + std::to_string(fd)); }) == "no error");
  close(fd);
}
