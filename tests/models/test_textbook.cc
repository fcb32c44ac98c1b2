// The textbook replacement policies (models/textbook/) against worked examples traced by hand
// below, and against simple reimplementations (and the project's own OPT bound) on random strings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <set>

#include "bounds/bounds.h"
#include "textbook/replacement_policy.h"

using namespace mmusim;

namespace {

std::vector<FrameStep> run(const std::string& policy, std::size_t frames, const std::vector<RefPage>& refs) {
  auto p = make_replacement_policy(policy, frames, refs);
  return run_replacement(*p, refs);
}

std::size_t faults(const std::vector<FrameStep>& steps) {
  return static_cast<std::size_t>(std::count_if(steps.begin(), steps.end(), [](const FrameStep& s) { return s.fault; }));
}

std::size_t faults(const std::string& policy, std::size_t frames, const std::vector<RefPage>& refs) {
  return faults(run(policy, frames, refs));
}

// Frame contents as a list, empty frames as -1.
std::vector<long> contents(const FrameStep& s) {
  std::vector<long> v;
  for (const auto& f : s.frames) v.push_back(f ? static_cast<long>(*f) : -1);
  return v;
}

const std::vector<RefPage> kSilberschatz = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};

}  // namespace

TEST_CASE("textbook FIFO LRU OPT on Silberschatz's reference string", "[textbook]") {
  // 3 frames, by hand (frames 0 1 2 after each fault; "-" a hit):
  // FIFO: 7 | 7 0 | 7 0 1 | 2 0 1 | - | 2 3 1 | 2 3 0 | 4 3 0 | 4 2 0 | 4 2 3 | 0 2 3 | - | - |
  //       0 1 3 | 0 1 2 | - | - | 7 1 2 | 7 0 2 | 7 0 1: 15 faults (Silberschatz fig. 10.12).
  // LRU:  7 | 7 0 | 7 0 1 | 2 0 1 (7 oldest) | - | 2 0 3 (1) | - | 4 0 3 (2) | 4 0 2 (3) |
  //       4 3 2 (0) | 0 3 2 (4) | - | - | 1 3 2 (0) | - | 1 0 2 (3) | - | 1 0 7 (2) | - | -: 12.
  // OPT:  7 | 7 0 | 7 0 1 | 2 0 1 (7 next used at 18) | - | 2 0 3 (1 at 14) | - | 2 4 3 (0 at 11)
  //       | - | - | 2 0 3 (4 never) | - | - | 2 0 1 (3 never) | - | - | - | 7 0 1 (2 never) | - | -: 9.
  const auto fifo = run("fifo", 3, kSilberschatz), lru = run("lru", 3, kSilberschatz),
             opt = run("opt", 3, kSilberschatz);
  CHECK(faults(fifo) == 15);
  CHECK(faults(lru) == 12);
  CHECK(faults(opt) == 9);
  CHECK(contents(fifo[5]) == std::vector<long>{2, 3, 1});
  CHECK(contents(fifo.back()) == std::vector<long>{7, 0, 1});
  CHECK(contents(lru[9]) == std::vector<long>{4, 3, 2});
  CHECK(contents(lru.back()) == std::vector<long>{1, 0, 7});
  CHECK(contents(opt[7]) == std::vector<long>{2, 4, 3});
  CHECK(contents(opt.back()) == std::vector<long>{7, 0, 1});
  REQUIRE(fifo[3].evicted);
  CHECK(*fifo[3].evicted == 7);
  CHECK(!fifo[4].fault);
  CHECK(!fifo[4].evicted);
  CHECK(opt[0].frames[1] == std::nullopt);  // frames fill in order
}

TEST_CASE("textbook Belady's anomaly: FIFO faults more with 4 frames than with 3", "[textbook]") {
  // 1 2 3 4 1 2 5 1 2 3 4 5, by hand. 3 frames (queue, oldest first): 1 | 1 2 | 1 2 3 | 2 3 4 |
  // 3 4 1 | 4 1 2 | 1 2 5 | - | - | 2 5 3 | 5 3 4 | -: 9 faults. 4 frames: 1 | 1 2 | 1 2 3 |
  // 1 2 3 4 | - | - | 2 3 4 5 | 3 4 5 1 | 4 5 1 2 | 5 1 2 3 | 1 2 3 4 | 2 3 4 5: 10 faults.
  const std::vector<RefPage> s = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
  CHECK(faults("fifo", 3, s) == 9);
  CHECK(faults("fifo", 4, s) == 10);
  // LRU and OPT are stack algorithms: no anomaly. LRU, 3 frames: 1 2 3 | 4 (1) | 1 (2) | 2 (3) |
  // 5 (4) | - | - | 3 (5) | 4 (1) | 5 (2): 10; 4 frames: 1 2 3 4 | - | - | 5 (3) | - | - |
  // 3 (4) | 4 (5) | 5 (1): 8. OPT, 3 frames: 1 2 3 | 4 (3 at 10; 1 at 5, 2 at 6) | - | - |
  // 5 (4 at 11) | - | - | 3 (1, 2 never: lowest frame, 1) | 4 (2 never) | -: 7; 4 frames:
  // 1 2 3 4 | - | - | 5 (1 at 8, 2 at 9, 3 at 10, 4 at 11: 4) | - | - | - | 4 (1, 2 never: 1) | -: 6.
  CHECK(faults("lru", 3, s) == 10);
  CHECK(faults("lru", 4, s) == 8);
  CHECK(faults("opt", 3, s) == 7);
  CHECK(faults("opt", 4, s) == 6);
}

TEST_CASE("textbook OPT tie-break: among pages never used again the lowest frame goes", "[textbook]") {
  // 1 2 3 fill frames 0 1 2; at 4 none of 1 2 3 is used again: frame 0 (page 1) is replaced.
  const auto steps = run("opt", 3, {1, 2, 3, 4, 4});
  REQUIRE(steps[3].evicted);
  CHECK(*steps[3].evicted == 1);
  CHECK(contents(steps[3]) == std::vector<long>{4, 2, 3});
  // Page 2 is used again, 1 and 3 are not: the lowest of those, frame 0, goes.
  const auto s2 = run("opt", 3, {1, 2, 3, 4, 2});
  CHECK(*s2[3].evicted == 1);
}

TEST_CASE("textbook CLOCK on Stallings' example, use bits and hand", "[textbook]") {
  // Stallings fig. 8.15: 2 3 2 1 5 2 4 5 3 2 5 2, 3 frames: OPT 3, LRU 4, FIFO 6, CLOCK 5 faults
  // after the frames fill (3 more each). CLOCK by hand (use bits as *, hand after the step):
  // 2*|- -  h1; 3* h2; hit 2; 1* h0: 2* 3* 1*. 5: all set, the sweep clears them and takes
  // frame 0: 5* 3 1 h1. 2: frame 1 clear: 5* 2* 1 h2. 4: frame 2: 5* 2* 4* h0. hit 5.
  // 3: all set again: 3* 2 4 h1. hit 2: 3* 2* 4. 5: frame 1 loses its bit, frame 2 goes:
  // 3* 2 5* h0. hit 2: 3* 2* 5*. Faults: 2 3 1 5 2 4 3 5 = 8.
  const std::vector<RefPage> s = {2, 3, 2, 1, 5, 2, 4, 5, 3, 2, 5, 2};
  CHECK(faults("opt", 3, s) == 6);
  CHECK(faults("lru", 3, s) == 7);
  CHECK(faults("fifo", 3, s) == 9);
  const auto clock = run("clock", 3, s);
  CHECK(faults(clock) == 8);
  CHECK(contents(clock[4]) == std::vector<long>{5, 3, 1});
  CHECK(clock[4].use == std::vector<bool>{true, false, false});
  CHECK(clock[4].hand == std::size_t{1});
  CHECK(contents(clock.back()) == std::vector<long>{3, 2, 5});
  CHECK(clock.back().use == std::vector<bool>{true, true, true});
  CHECK(clock.back().hand == std::size_t{0});
  CHECK(!run("fifo", 3, s).back().hand);
  CHECK(run("lru", 3, s).back().use.empty());
}

TEST_CASE("textbook second-chance gives the same table as CLOCK", "[textbook]") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t frames = 1 + rng() % 6, len = 1 + rng() % 60, pages = 1 + rng() % 10;
    std::vector<RefPage> s;
    for (std::size_t i = 0; i < len; ++i) s.push_back(rng() % pages);
    const auto clock = run("clock", frames, s), sc = run("second-chance", frames, s);
    for (std::size_t i = 0; i < len; ++i) {
      INFO("trial " << trial << " step " << i);
      CHECK(clock[i].fault == sc[i].fault);
      CHECK(contents(clock[i]) == contents(sc[i]));
      CHECK(clock[i].use == sc[i].use);
      CHECK(clock[i].hand == sc[i].hand);
    }
  }
}

namespace {

// The policies again, as simply as they can be said: the set of resident pages after each step.
std::vector<std::set<RefPage>> simple(const std::string& policy, std::size_t frames, const std::vector<RefPage>& s) {
  std::vector<std::set<RefPage>> out;
  std::deque<RefPage> queue;  // FIFO: arrival order
  std::set<RefPage> resident;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!resident.count(s[i])) {
      if (resident.size() == frames) {
        RefPage v = 0;
        if (policy == "fifo") {
          v = queue.front();
          queue.pop_front();
        } else if (policy == "lru") {  // the resident page whose last reference before i is earliest
          std::size_t best = s.size();
          for (RefPage p : resident) {
            std::size_t last = i;
            while (s[--last] != p) {}
            if (best == s.size() || last < best) best = last, v = p;
          }
        }
        resident.erase(v);
      }
      resident.insert(s[i]);
      queue.push_back(s[i]);
    }
    out.push_back(resident);
  }
  return out;
}

std::set<RefPage> as_set(const FrameStep& st) {
  std::set<RefPage> r;
  for (const auto& f : st.frames)
    if (f) r.insert(*f);
  return r;
}

}  // namespace

TEST_CASE("textbook FIFO and LRU match simple reimplementations, OPT matches the OPT bound", "[textbook]") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t frames = 1 + rng() % 6, len = 1 + rng() % 80, pages = 1 + rng() % 12;
    std::vector<RefPage> s;
    std::vector<std::uint32_t> s32;
    for (std::size_t i = 0; i < len; ++i) {
      s.push_back(rng() % pages);
      s32.push_back(static_cast<std::uint32_t>(s.back()));
    }
    INFO("trial " << trial);
    for (const std::string p : {"fifo", "lru"}) {
      const auto steps = run(p, frames, s);
      const auto ref = simple(p, frames, s);
      for (std::size_t i = 0; i < len; ++i) CHECK(as_set(steps[i]) == ref[i]);
    }
    // bounds.h's OPT counts first touches and refaults separately; a fault is either.
    const BoundResult b = opt_bound(s32, static_cast<std::uint32_t>(pages), frames);
    const std::size_t opt = faults("opt", frames, s);
    CHECK(opt == b.distinct_pages + b.swap_ins);
    // OPT is the floor; LRU and OPT never fault more with one more frame.
    for (const std::string& p : replacement_policy_names()) CHECK(opt <= faults(p, frames, s));
    CHECK(faults("lru", frames + 1, s) <= faults("lru", frames, s));
    CHECK(faults("opt", frames + 1, s) <= opt);
  }
}

TEST_CASE("textbook policies refuse zero frames and unknown names", "[textbook]") {
  CHECK_THROWS_AS(make_replacement_policy("fifo", 0, {}), std::invalid_argument);
  CHECK_THROWS_AS(make_replacement_policy("random", 3, {}), std::invalid_argument);
  CHECK(replacement_policy_names() == std::vector<std::string>{"fifo", "lru", "opt", "clock", "second-chance"});
}
