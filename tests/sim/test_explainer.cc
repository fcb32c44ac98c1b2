// Explain mode's sink: one line per record with its index, time, vCPU and charged cycles; a page
// reclaim scans printed under the record it ran in; the window of record indices; kswapd's lines;
// JSON lines; and the window check with its named limit (kExplainMaxRecords).
#include <catch2/catch.hpp>
#include <sstream>

#include "explain/explainer.h"
#include "explain/window.h"
#include "util/input_error.h"

using namespace mmusim;

namespace {
TraceRecord rec(Op op, std::uint64_t gva, std::uint16_t vm = 0, std::uint16_t vcpu = 0) {
  TraceRecord r;
  r.op = op, r.gva = gva, r.vm = vm, r.vcpu = vcpu;
  return r;
}
Event lookup(const char* tlb, bool hit) {
  return Event(EventKind::tlb_lookup).word("tlb", tlb).flag("hit", hit).hex("vpn", 1).flag("large", false);
}
Event exit_pf() {
  return Event(EventKind::vmexit).word("reason", "shadow page fault").word("figure", "vmexits_shadow_pf").flag("flush", false);
}
Event scan(const char* fn, std::uint64_t pfn, std::uint64_t gfn) {
  return Event(EventKind::scan_page).word("function", fn).hex("pfn", pfn).num("vm", 0).hex("gfn", gfn);
}
Event decision(const char* outcome, const char* why = "") {
  return Event(EventKind::scan_decision).word("outcome", outcome).word("why", why);
}
Event pg_referenced(bool young) {
  return Event(EventKind::referenced).word("source", "PG_referenced").hex("pfn", 0x88).flag("young", young);
}
Event retry(bool resume) { return Event(EventKind::retry).flag("resume", resume); }
}  // namespace

TEST_CASE("explainer: a record's steps make one line ending with its cycles", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 1, 1);
  ex.note_record(0, 0);
  ex.note_record(0, 1);
  ex.begin_record(0, rec(Op::Write, 0x7f0012a0), 0);
  CHECK(ex.active());
  ex.emit(lookup("dTLB", false));
  ex.emit(lookup("STLB", false));
  ex.emit(Event(EventKind::tlb_flush).num("cpu", 0));  // not in the text
  ex.end_record(2731);
  ex.begin_record(0, rec(Op::Read, 0x1000), 2731);
  ex.emit(lookup("dTLB", true));
  ex.end_record(1);
  CHECK(out.str() == "#0 @0 vCPU0 W 0x7f0012a0: dTLB miss -> STLB miss (+2,731 cycles)\n"
                     "#1 @2,731 vCPU0 R 0x1000: dTLB hit (+1 cycle)\n");
  CHECK(ex.events() == 8);  // two records, their ends, and four events
}

TEST_CASE("explainer: a page scanned inside a record is a line printed under it", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 2, 2);  // two VMs of two vCPUs: CPU 3 is vm1 vCPU1
  ex.note_record(3, 0);
  ex.begin_record(3, rec(Op::Read, 0x2000, 1, 1), 50);
  ex.emit(exit_pf());
  ex.emit(scan("shrink_inactive_list", 0x88, 0x12));
  ex.emit(pg_referenced(false));
  ex.emit(decision("activate", "unmap_failed"));
  ex.emit(scan("shrink_inactive_list", 0x89, 0x13));
  ex.emit(decision("pageout"));  // its swap_out event says it: no words of its own
  ex.emit(retry(true));
  ex.end_record(4000);
  CHECK(out.str() == "#0 @50 vm1 vCPU1 R 0x2000: VM exit (shadow page fault) -> resume, retry (+4,000 cycles)\n"
                     "    shrink_inactive_list pfn 0x88 (vm 0 gfn 0x12): page_referenced: PG_referenced clear -> activate\n"
                     "    shrink_inactive_list pfn 0x89 (vm 0 gfn 0x13)\n");
}

TEST_CASE("explainer: JSON lines carry the record, cycle, CPU and the event's fields", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 2, 2, Explainer::Emit::Jsonl);
  std::uint64_t now = 77;
  ex.set_clock([&] { return now; });
  ex.note_record(3, 0);
  ex.begin_record(3, rec(Op::Write, 0x2000, 1, 1), 50);
  ex.emit(exit_pf());
  ex.set_actor(Explainer::kKswapd);
  ex.emit(Event(EventKind::kswapd_wake).num("free", 4).num("high", 12));
  ex.set_actor(3);
  ex.emit(Event(EventKind::stopped).word("why", "a \"quoted\" \\ word"));
  ex.end_record(9);
  CHECK(out.str() ==
        "{\"record\":0,\"cycle\":50,\"cpu\":3,\"vm\":1,\"vcpu\":1,\"event\":\"record\",\"index\":0,\"op\":\"W\",\"gva\":8192,\"size\":1,\"pid\":0}\n"
        "{\"record\":0,\"cycle\":50,\"cpu\":3,\"vm\":1,\"vcpu\":1,\"event\":\"vmexit\",\"reason\":\"shadow page fault\",\"figure\":\"vmexits_shadow_pf\",\"flush\":false}\n"
        "{\"record\":0,\"cycle\":77,\"cpu\":null,\"vm\":null,\"vcpu\":null,\"actor\":\"kswapd\",\"event\":\"kswapd_wake\",\"free\":4,\"high\":12}\n"
        "{\"record\":0,\"cycle\":50,\"cpu\":3,\"vm\":1,\"vcpu\":1,\"event\":\"stopped\",\"why\":\"a \\\"quoted\\\" \\\\ word\"}\n"
        "{\"record\":0,\"cycle\":50,\"cpu\":3,\"vm\":1,\"vcpu\":1,\"event\":\"record_end\",\"cycles\":9}\n");
}

TEST_CASE("explainer: the steps layout puts each step on a line of its own, nested lines indented", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 1, 1);
  ex.set_one_step_per_line(true);
  ex.note_record(0, 0);
  ex.begin_record(0, rec(Op::Read, 0x2000), 50);
  ex.emit(exit_pf());
  ex.emit(scan("shrink_inactive_list", 0x88, 0x12));
  ex.emit(pg_referenced(false));
  ex.emit(decision("activate", "unmap_failed"));
  ex.emit(retry(true));
  ex.end_record(4000);
  // The same events as the one-line layout, split at every " -> " and after the head's ':'.
  CHECK(out.str() == "#0 @50 vCPU0 R 0x2000:\n"
                     "    VM exit (shadow page fault)\n"
                     "    -> resume, retry (+4,000 cycles)\n"
                     "    shrink_inactive_list pfn 0x88 (vm 0 gfn 0x12):\n"
                     "        page_referenced: PG_referenced clear\n"
                     "        -> activate\n");
}

TEST_CASE("explainer: a run stopped by an error prints the lines still open", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 1, 1);
  ex.note_record(0, 0);
  ex.begin_record(0, rec(Op::Read, 0x1000), 0);
  ex.emit(lookup("dTLB", false));
  ex.emit(scan("shrink_inactive_list", 0x1, 0x0));
  ex.emit(Event(EventKind::referenced).word("source", "host_pte").hex("pfn", 1).flag("young", false));
  ex.stop("host memory exhausted");
  CHECK(out.str() == "#0 @0 vCPU0 R 0x1000: dTLB miss\n"
                     "    shrink_inactive_list pfn 0x1 (vm 0 gfn 0x0): host pte old -> stopped: "
                     "host memory exhausted\n");
}

TEST_CASE("explainer: only the window's records are told, kswapd from the window's start", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 1, 2, 1, 2);
  std::uint64_t now = 7;
  ex.set_clock([&] { return now; });
  ex.note_record(0, 0);
  ex.note_record(1, 1);
  ex.note_record(0, 2);
  ex.set_actor(Explainer::kKswapd);
  CHECK(!ex.active());
  ex.emit(Event(EventKind::kswapd_wake).num("free", 9).num("high", 12));  // before the window
  ex.begin_record(0, rec(Op::Read, 0x1000), 0);  // index 0: before the window
  CHECK(!ex.active());
  ex.emit(lookup("dTLB", false));  // unseen
  ex.end_record(5);
  ex.begin_record(1, rec(Op::Read, 0x3000, 0, 1), 3);  // index 1: in it
  ex.emit(lookup("dTLB", true));
  ex.set_actor(Explainer::kKswapd);  // kswapd runs while vCPU1's record is open
  CHECK(ex.active());
  ex.emit(Event(EventKind::kswapd_wake).num("free", 4).num("high", 12));
  ex.emit(scan("shrink_active_list", 0x1, 0x0));
  ex.emit(decision("deactivate"));
  ex.set_actor(1);
  ex.end_record(1);
  ex.begin_record(0, rec(Op::Read, 0x1000), 9);  // index 2: after it
  CHECK(!ex.active());
  CHECK(out.str() == "@7 kswapd: wakes: 4 free pages, balancing to above the high watermark 12\n"
                     "@7 kswapd shrink_active_list pfn 0x1 (vm 0 gfn 0x0): deactivate\n"
                     "#1 @3 vCPU1 R 0x3000: dTLB hit (+1 cycle)\n");
}

TEST_CASE("explainer: the window reader numbers records per CPU and ends at --to", "[explain]") {
  struct Five : TraceReader {
    std::uint64_t n = 0;
    std::size_t read(TraceRecord* out, std::size_t k) override {
      std::size_t i = 0;
      for (; i < k && n < 5; ++i, ++n) out[i] = rec(Op::Read, n << 12, 0, static_cast<std::uint16_t>(n % 2));
      return i;
    }
    std::uint64_t bytes_done() const override { return 0; }
    std::uint64_t bytes_total() const override { return 0; }
    TraceFormat format() const override { return TraceFormat::Csv; }
  };
  std::ostringstream out;
  Explainer ex(out, 0, 4, 1, 2);
  auto r = ex.window_reader(std::make_unique<Five>());
  TraceRecord buf[8];
  CHECK(r->read(buf, 8) == 4);  // records 0-3; record 4 is past --to
  CHECK(r->read(buf, 8) == 0);
  // CPU 1 got records 1 and 3, in that order.
  ex.begin_record(1, buf[1], 0);
  ex.emit(lookup("dTLB", true));
  ex.end_record(1);
  ex.begin_record(1, buf[3], 1);
  ex.emit(lookup("dTLB", false));
  ex.end_record(1);
  CHECK(out.str() == "#1 @0 vCPU1 R 0x1000: dTLB hit (+1 cycle)\n#3 @1 vCPU1 R 0x3000: dTLB miss (+1 cycle)\n");
}

TEST_CASE("explain window: at most kExplainMaxRecords records, else --from/--to", "[explain]") {
  CHECK(kExplainMaxRecords == 10000);
  ExplainWindow w = explain_window("t.csv", kExplainMaxRecords, false, 0, false, 0);
  CHECK(w.from == 0);
  CHECK(w.to == kExplainMaxRecords);
  CHECK_THROWS_WITH(explain_window("t.csv", kExplainMaxRecords + 1, false, 0, false, 0),
                    "t.csv: more than 10,000 records, too large to explain whole; explain at most 10,000 records: choose "
                    "a window of record indices with --from/--to, e.g. --from 0 --to 1000");
  w = explain_window("t.csv", 50000, true, 30000, true, 30010);
  CHECK(w.from == 30000);
  CHECK(w.to == 30010);
  w = explain_window("t.csv", 12, true, 10, false, 0);  // --from alone: to the end
  CHECK(w.to == 12);
  w = explain_window("t.csv", 12, false, 0, true, 100);  // --to past the end
  CHECK(w.to == 12);
  CHECK_THROWS_AS(explain_window("t.csv", 50000, true, 0, true, kExplainMaxRecords + 1), InputError);
  CHECK_THROWS_WITH(explain_window("t.csv", 12, true, 12, false, 0), "t.csv: --from: the trace has only 12 records (indices 0 to 11)");
  CHECK_THROWS_WITH(explain_window("t.csv", 12, true, 3, true, 2), "--to: the window [3, 2) is empty");
  CHECK_THROWS_WITH(explain_window("t.csv", 0, false, 0, false, 0), "t.csv: the trace has no records");
  // A window far past the limit, counted only up to it: its size is not claimed, its ends are.
  CHECK_THROWS_WITH(explain_window("t.csv", 5 + kExplainMaxRecords + 1, true, 5, true, 20000),
                    "--from/--to: the window [5, 20000) holds more than 10,000 records; explain at most 10,000 records: "
                    "choose a window of record indices with --from/--to, e.g. --from 5 --to 1005");
  // The hint's end does not wrap near 2^64.
  const std::uint64_t top = ~std::uint64_t{0};
  CHECK_THROWS_WITH(explain_window("t.csv", 100, true, top, false, 0),
                    "t.csv: --from: the trace has only 100 records (indices 0 to 99)");
  CHECK(saturating_add(top - 5, 1000) == top);
  CHECK(saturating_add(7, 1000) == 1007);
}
