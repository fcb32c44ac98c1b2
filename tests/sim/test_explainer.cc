// Explain mode's sink: one line per record with its index, time, vCPU and charged cycles; nested
// lines printed under their parent; the window of record indices; kswapd's lines; and the window
// check with its named limit (kExplainMaxRecords).
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
}  // namespace

TEST_CASE("explainer: a record's steps make one line ending with its cycles", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 1, 1);
  ex.note_record(0, 0);
  ex.note_record(0, 1);
  ex.begin_record(0, rec(Op::Write, 0x7f0012a0), 0);
  CHECK(ex.active());
  ex.step("dTLB miss");
  ex.step("STLB miss");
  ex.end_record(2731);
  ex.begin_record(0, rec(Op::Read, 0x1000), 2731);
  ex.step("dTLB hit");
  ex.end_record(1);
  CHECK(out.str() == "#0 @0 vCPU0 W 0x7f0012a0: dTLB miss -> STLB miss (+2,731 cycles)\n"
                     "#1 @2,731 vCPU0 R 0x1000: dTLB hit (+1 cycle)\n");
  CHECK(ex.steps() == 3);
}

TEST_CASE("explainer: lines opened inside a record are printed under it", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 2, 2);  // two VMs of two vCPUs: CPU 3 is vm1 vCPU1
  ex.note_record(3, 0);
  ex.begin_record(3, rec(Op::Read, 0x2000, 1, 1), 50);
  ex.step("VM exit (shadow page fault)");
  ex.open("shrink_inactive_list pfn 0x88 (vm 0 gfn 0x12)");
  ex.step("page_referenced: PG_referenced clear");
  ex.open("inner");
  ex.step("deeper");
  ex.close();
  ex.step("activate");
  ex.close();
  ex.step("resume, retry");
  ex.end_record(4000);
  CHECK(out.str() == "#0 @50 vm1 vCPU1 R 0x2000: VM exit (shadow page fault) -> resume, retry (+4,000 cycles)\n"
                     "    shrink_inactive_list pfn 0x88 (vm 0 gfn 0x12): page_referenced: PG_referenced clear -> activate\n"
                     "      inner: deeper\n");
}

TEST_CASE("explainer: the steps layout puts each step on a line of its own, nested lines indented", "[explain]") {
  std::ostringstream out;
  Explainer ex(out, 0, 10, 1, 1);
  ex.set_one_step_per_line(true);
  ex.note_record(0, 0);
  ex.begin_record(0, rec(Op::Read, 0x2000), 50);
  ex.step("VM exit (shadow page fault)");
  ex.open("shrink_inactive_list pfn 0x88 (vm 0 gfn 0x12)");
  ex.step("page_referenced: PG_referenced clear");
  ex.step("activate");
  ex.close();
  ex.step("resume, retry");
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
  ex.step("dTLB miss");
  ex.open("shrink_inactive_list pfn 0x1 (vm 0 gfn 0x0)");
  ex.step("pinned by KVM: back to the inactive list");
  ex.stop("host memory exhausted");
  CHECK(out.str() == "#0 @0 vCPU0 R 0x1000: dTLB miss\n"
                     "    shrink_inactive_list pfn 0x1 (vm 0 gfn 0x0): pinned by KVM: back to the inactive list -> stopped: "
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
  ex.step("wakes before the window");
  ex.begin_record(0, rec(Op::Read, 0x1000), 0);  // index 0: before the window
  CHECK(!ex.active());
  ex.step("unseen");
  ex.end_record(5);
  ex.begin_record(1, rec(Op::Read, 0x3000, 0, 1), 3);  // index 1: in it
  ex.step("dTLB hit");
  ex.set_actor(Explainer::kKswapd);  // kswapd runs while vCPU1's record is open
  CHECK(ex.active());
  ex.step("wakes: 4 free pages");
  ex.open("shrink_active_list pfn 0x1 (vm 0 gfn 0x0)");
  ex.step("deactivate");
  ex.close();
  ex.set_actor(1);
  ex.end_record(1);
  ex.begin_record(0, rec(Op::Read, 0x1000), 9);  // index 2: after it
  CHECK(!ex.active());
  CHECK(out.str() == "@7 kswapd: wakes: 4 free pages\n"
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
  ex.step("a");
  ex.end_record(1);
  ex.begin_record(1, buf[3], 1);
  ex.step("b");
  ex.end_record(1);
  CHECK(out.str() == "#1 @0 vCPU1 R 0x1000: a (+1 cycle)\n#3 @1 vCPU1 R 0x3000: b (+1 cycle)\n");
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
