// The Slurm engine's pieces that need no Slurm: reading squeue's states, the run list.
#include <catch2/catch.hpp>

#include "engine/slurm_engine.h"
#include "util/input_error.h"

using namespace mmusim;

TEST_CASE("squeue states: pending ranges and running tasks are waited for, ended tasks are not", "[slurm]") {
  // What `squeue -h -j 1 -o '%T %r'` printed on a real Slurm for an array 0-3%2 (tests/slurm):
  // the pending range is one line, each running task one.
  QueueState q = parse_squeue_states("PENDING JobArrayTaskLimit\nRUNNING None\nRUNNING None\n");
  CHECK(q.active == 3);
  CHECK(q.running == 2);
  CHECK(q.pending_reason == "JobArrayTaskLimit");
  q = parse_squeue_states("COMPLETING\nCOMPLETED\nFAILED\nTIMEOUT\nPREEMPTED\nCANCELLED\n");
  CHECK(q.active == 1);  // COMPLETING: the task's epilog still runs
  CHECK(q.running == 0);
  q = parse_squeue_states("");
  CHECK(q.active == 0);
  CHECK(q.pending_reason.empty());
  q = parse_squeue_states("PENDING None\n");  // just submitted: no reason yet
  CHECK(q.active == 1);
  CHECK(q.pending_reason.empty());
  q = parse_squeue_states("SUSPENDED\nREQUEUED\n");
  CHECK(q.active == 2);
}

TEST_CASE("the run list: a line per run, its folder then its overrides, tab-separated", "[slurm]") {
  RunList list{{"run", "-q"}, {}, {{"out/a b", {"x.y=1", "z=2"}}, {"out/c", {}}}};
  CHECK(slurm_run_list(list) == "out/a b\tx.y=1\tz=2\nout/c\n");
  CHECK(list.args(0) == std::vector<std::string>{"run", "-q", "--out", "out/a b", "--set", "x.y=1", "--set", "z=2"});
  list.runs[1].overrides = {"x.y=1\t2"};
  CHECK_THROWS_AS(slurm_run_list(list), InputError);
}
