// mmusim textbook end to end: the frame table, the fault counts, the CSV and bad input.
#include "cli_util.h"

using namespace mmusim::test;

namespace {
const std::string kSilberschatz = "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1";
}

TEST_CASE("textbook prints the frame table and the fault counts", "[cli][textbook]") {
  const Result r = run_mmusim("textbook --frames 3 --refs 1,2,3,4,1,2,5,1,2,3,4,5 --policies fifo");
  REQUIRE(r.code == 0);
  // Belady's string with 3 frames under FIFO, traced by hand in tests/models/test_textbook.cc.
  CHECK(r.out ==
        "12 references, 3 frames\n"
        "\n"
        "fifo, 3 frames: 9 faults in 12 references\n"
        "  ref      1 2 3 4 1 2 5 1 2 3 4 5\n"
        "  frame 0  1 1 1 4 4 4 5 5 5 5 5 5\n"
        "  frame 1    2 2 2 1 1 1 1 1 3 3 3\n"
        "  frame 2      3 3 3 2 2 2 2 2 4 4\n"
        "  fault    F F F F F F F     F F\n"
        "  out            1 2 3 4     1 2\n"
        "\n"
        "policy  faults    hits  fault rate\n"
        "fifo         9       3       75.0%\n");
  CHECK(r.err.empty());
}

TEST_CASE("textbook fault counts of every policy on Silberschatz's string", "[cli][textbook]") {
  const Result r = run_mmusim("textbook --frames 3 --refs " + kSilberschatz);
  REQUIRE(r.code == 0);
  // FIFO 15, LRU 12, OPT 9 (Silberschatz). CLOCK by hand (use bit *, h: hand after; F: fault):
  //  1 7 F 7* - -  h1 |  2 0 F 7* 0* -  h2 |  3 1 F 7* 0* 1* h0 |  4 2 F 2* 0 1 h1 (all cleared)
  //  5 0   2* 0* 1 h1 |  6 3 F 2* 0 3* h0  |  7 0   2* 0* 3* h0 |  8 4 F 4* 0 3 h1 (all cleared)
  //  9 2 F 4* 2* 3 h2 | 10 3   4* 2* 3* h2 | 11 0 F 4 2 0* h0 (all cleared) | 12 3 F 3* 2 0* h1
  // 13 2   3* 2* 0* h1 | 14 1 F 3 1* 0 h2 (all cleared) | 15 2 F 3 1* 2* h0 | 16 0 F 0* 1* 2* h1
  // 17 1   0* 1* 2* h1 | 18 7 F 0 7* 2 h2 (all cleared) | 19 0   0* 7* 2 h2 | 20 1 F 0* 7* 1* h0
  // 14 faults; second-chance gives the same (model tests).
  CHECK(r.out.find("fifo, 3 frames: 15 faults in 20 references\n") != std::string::npos);
  CHECK(r.out.find("\npolicy         faults    hits  fault rate\n"
                   "fifo               15       5       75.0%\n"
                   "lru                12       8       60.0%\n"
                   "opt                 9      11       45.0%\n"
                   "clock              14       6       70.0%\n"
                   "second-chance      14       6       70.0%\n") != std::string::npos);
  // CLOCK rows: use bits and the hand.
  CHECK(r.out.find("  frame 0  7* 7* 7* 2* 2* 2* 2* 4* 4* 4*  4 3* 3*  3  3 0* 0*  0 0* 0*\n") != std::string::npos);
  CHECK(r.out.find("  hand      1  2  0  1  1  0  0  1  2  2  0  1  1  2  0  1  1  2  2  0\n") != std::string::npos);
}

TEST_CASE("textbook CSV: header, one row per step, cumulative faults", "[cli][textbook]") {
  const Result r = run_mmusim("textbook --frames 2 --refs 1,2,1,3 --policies lru,clock --csv");
  REQUIRE(r.code == 0);
  // LRU, 2 frames: 1 | 1 2 | hit 1 | 3 replaces 2 (used longest ago): 3 faults.
  // CLOCK: 1* h1 | 1* 2* h0 | hit 1 | 3: both set, cleared, frame 0 goes: 3* 2 h1: 3 faults.
  CHECK(r.out ==
        "policy,frames,step,ref,fault,evicted,faults,hand,frame_0,frame_1,use_0,use_1\n"
        "lru,2,1,1,1,,1,,1,,,\n"
        "lru,2,2,2,1,,2,,1,2,,\n"
        "lru,2,3,1,0,,2,,1,2,,\n"
        "lru,2,4,3,1,2,3,,1,3,,\n"
        "clock,2,1,1,1,,1,1,1,,1,0\n"
        "clock,2,2,2,1,,2,0,1,2,1,1\n"
        "clock,2,3,1,0,,2,0,1,2,1,1\n"
        "clock,2,4,3,1,1,3,1,3,2,1,0\n");
}

TEST_CASE("textbook reference strings may have blanks around the commas", "[cli][textbook]") {
  const Result spaced = run_mmusim("textbook --frames 2 --refs ' 1, 2 ,1,3 ' --policies lru --csv");
  const Result plain = run_mmusim("textbook --frames 2 --refs 1,2,1,3 --policies lru --csv");
  REQUIRE(spaced.code == 0);
  CHECK(spaced.out == plain.out);
}

TEST_CASE("textbook wraps long tables into blocks", "[cli][textbook]") {
  std::string refs;
  for (int i = 0; i < 60; ++i) refs += (i ? "," : "") + std::to_string(i % 7);
  const Result r = run_mmusim("textbook --frames 3 --refs " + refs + " --policies fifo");
  REQUIRE(r.code == 0);
  std::size_t longest = 0, ref_rows = 0;
  std::stringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    longest = std::max(longest, line.size());
    ref_rows += line.rfind("  ref ", 0) == 0;
  }
  CHECK(longest <= 100);
  // cells are 2 wide, labels 10: (100 - 2 - 8) / 2 = 45 per block, so 60 references take 2 blocks.
  CHECK(ref_rows == 2);
}

TEST_CASE("textbook bad input: one message and exit code 2", "[cli][textbook]") {
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--frames 0 --refs 1,2", "mmusim: --frames: 0 frames: page replacement needs at least 1 frame\n"},
      {"--frames x --refs 1", "mmusim: --frames: 'x' is not a number of frames (a whole number from 1)\n"},
      {"--frames 257 --refs 1", "mmusim: --frames: 257 frames: at most 256 (the table has a row per frame)\n"},
      {"--refs 1", "mmusim: --frames: required: the number of frames, e.g. --frames 3\n"},
      {"--frames 3 --refs ''",
       "mmusim: --refs: the reference string is empty: give page numbers separated by commas, e.g. --refs 7,0,1,2\n"},
      {"--frames 3",
       "mmusim: --refs: the reference string is empty: give page numbers separated by commas, e.g. --refs 7,0,1,2\n"},
      {"--frames 3 --refs 7,0,x", "mmusim: --refs: reference 3 'x' is not a page number (a whole number from 0)\n"},
      {"--frames 3 --refs 7,-1", "mmusim: --refs: reference 2 '-1' is not a page number (a whole number from 0)\n"},
      {"--frames 3 --refs 7,,1", "mmusim: --refs: reference 2 is empty (two commas in a row, or one at an end)\n"},
      {"--frames 3 --refs 7,1,", "mmusim: --refs: reference 3 is empty (two commas in a row, or one at an end)\n"},
      {"--frames 3 --refs 1 --policies fifo,random",
       "mmusim: --policies: unknown policy 'random' (known: fifo, lru, opt, clock, second-chance)\n"},
      {"--frames 3 --refs 1 --policies lru,lru", "mmusim: --policies: 'lru' named twice\n"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    const Result r = run_mmusim("textbook " + c.args);
    CHECK(r.code == 2);
    CHECK(r.err == c.message);
    CHECK(r.out.empty());
  }
}
