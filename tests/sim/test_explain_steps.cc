// The models' events (models/common/event.h): what the MMU and the native OS emit as they act, in
// the words of explain's text (explain/event_text.h), and nothing while the sink is inactive or absent.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/explain.h"
#include "explain/event_text.h"
#include "mmu/mmu.h"
#include "native/native_os.h"

using namespace mmusim;

namespace {
// Keeps every event, and the words of those text shows.
struct Recorder : EventSink {
  bool on = true;
  std::vector<std::string> steps;
  std::vector<Event> events;
  bool active() const override { return on; }
  void emit(const Event& e) override {
    events.push_back(e);
    if (std::string t = event_text(e); !t.empty()) steps.push_back(t);
  }
};

MmuConfig tiny() {
  MmuConfig c;
  c.l1i_entries = 4, c.l1i_ways = 4;
  c.l1d_entries = 4, c.l1d_ways = 4;
  c.stlb_entries = 8, c.stlb_ways = 4;
  c.dirty_assist_cycles = 5;
  return c;
}
}  // namespace

TEST_CASE("explain helpers: hex and grouped digits", "[explain]") {
  CHECK(to_hex(0) == "0x0");
  CHECK(to_hex(0x7f0012a0) == "0x7f0012a0");
  CHECK(grouped(0) == "0");
  CHECK(grouped(999) == "999");
  CHECK(grouped(1000) == "1,000");
  CHECK(grouped(2731) == "2,731");
  CHECK(grouped(1234567) == "1,234,567");
}

TEST_CASE("explain: the MMU reports its slow path step by step", "[explain][mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(tiny());
  Recorder r;
  mmu.set_explain(&r, "pte");
  os.set_explain(&r);
  const auto ctx = os.context(0, 1);  // its PML4 is frame 0
  mmu.load_cr3(ctx, os.table(ctx).root());

  Translation t = mmu.translate(Vpn{5}, false, false);
  REQUIRE(!t.ok);
  CHECK(r.steps == std::vector<std::string>{"dTLB miss", "STLB miss", "walk: 1 ref, pte absent at level 4"});
  r.steps.clear(), r.events.clear();
  os.handle_page_fault(ctx, Vpn{5});  // data frame 1, then the PDPT, PD and PT
  CHECK(r.steps == std::vector<std::string>{"page fault: do_anonymous_page maps frame 0x1 (P, W, U) and 3 new page-table pages"});
  r.steps.clear(), r.events.clear();
  t = mmu.translate(Vpn{5}, false, true);  // a fetch: iTLB
  REQUIRE(t.ok);
  CHECK(r.steps == std::vector<std::string>{"iTLB miss", "STLB miss", "walk: 4 refs, pte -> frame 0x1", "fill STLB and iTLB"});
  // The walk names the table it read at each level (the PML4 is frame 0, the fault made the PDPT,
  // PD and PT frames 2, 3 and 4 after data frame 1), the fill where each entry went: the iTLB's one
  // set of 4 ways takes its first free way; the STLB's 2 sets of 4 put vpn 5 in set 5 mod 2 = 1.
  REQUIRE(r.events.size() == 4);
  const Event& w = r.events[2];
  CHECK(w.kind() == EventKind::walk);
  CHECK((w["t4"] == 0 && w["t3"] == 2 && w["t2"] == 3 && w["t1"] == 4 && w["frame"] == 1 && w["vpn"] == 5));
  const Event& f = r.events[3];
  CHECK(f.kind() == EventKind::tlb_fill);
  CHECK((f["set"] == 0 && f["way"] == 0 && f["stlb_set"] == 1 && f["stlb_way"] == 0 && f["frame"] == 1));
  r.steps.clear(), r.events.clear();
  t = mmu.translate(Vpn{5}, false, false);  // data: the STLB holds it
  CHECK(r.steps == std::vector<std::string>{"dTLB miss", "STLB hit", "fill dTLB"});
  r.steps.clear(), r.events.clear();
  t = mmu.translate(Vpn{5}, false, false);  // the inline L1 hit reports nothing
  CHECK(r.steps.empty());
  t = mmu.translate(Vpn{5}, true, false);  // a write to a clean cached entry: the assist
  CHECK(t.cycles == 1 + 5);
  CHECK(r.steps == std::vector<std::string>{"dTLB hit", "dirty-bit assist: pte D set"});
}

TEST_CASE("explain: an inactive sink or none hears nothing and changes nothing", "[explain][mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu quiet(tiny()), plain(tiny());
  Recorder r;
  r.on = false;
  quiet.set_explain(&r, "pte");
  const auto ctx = os.context(0, 1);
  quiet.load_cr3(ctx, os.table(ctx).root());
  plain.load_cr3(ctx, os.table(ctx).root());
  os.handle_page_fault(ctx, Vpn{9});
  for (Mmu* m : {&quiet, &plain}) {
    CHECK(m->translate(Vpn{9}, true, false).cycles == 1 + 9 + 4 * 20);
    CHECK(m->translate(Vpn{9}, true, false).cycles == 1);
  }
  CHECK(r.steps.empty());
}

TEST_CASE("explain: a walk that starts from the page-walk cache says so", "[explain][mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  MmuConfig c = tiny();
  c.pwc_entries = 4;
  Mmu mmu(c);
  Recorder r;
  mmu.set_explain(&r, "pte");
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  os.handle_page_fault(ctx, Vpn{5});  // data frame 1; PDPT 2, PD 3, PT 4
  os.handle_page_fault(ctx, Vpn{6});  // data frame 5, same PT
  mmu.translate(Vpn{5}, false, false);  // a full walk fills the PWC with the PDPT, PD and PT
  r.steps.clear(), r.events.clear();
  mmu.translate(Vpn{6}, false, false);  // the PT is cached: one reference
  CHECK(r.steps == std::vector<std::string>{"dTLB miss", "STLB miss", "walk from the PWC's level-1 table: 1 ref, pte -> frame 0x5",
                                            "fill STLB and dTLB"});
}

TEST_CASE("explain: the README documents every kind of event", "[explain]") {
  std::ifstream in(std::string(MMUSIM_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::size_t section = readme.find("#### Events (`--emit jsonl`)");
  REQUIRE(section != std::string::npos);
  for (int k = 0; k < static_cast<int>(EventKind::kCount); ++k) {
    INFO(event_name(static_cast<EventKind>(k)));
    CHECK(readme.find("| `" + std::string(event_name(static_cast<EventKind>(k))) + "` |", section) != std::string::npos);
  }
}
