#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "config/config.h"
#include "input_error.h"

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
