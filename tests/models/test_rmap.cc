// KVM's reverse map: sptes per gfn in the order added, whichever one is removed.
#include <catch2/catch.hpp>

#include "kvm/rmap.h"

using namespace mmusim;

TEST_CASE("rmap keeps the sptes of each gfn in the order they were added", "[kvm][rmap]") {
  Pte a, b, c, d;
  Rmap r;
  CHECK(r.list(7).empty());
  r.add(7, &a);
  r.add(7, &b);
  r.add(7, &c);
  r.add(1000, &d);
  CHECK(r.list(7) == std::vector<Pte*>{&a, &b, &c});
  CHECK(r.list(1000) == std::vector<Pte*>{&d});
  CHECK(r.list(8).empty());
  CHECK(r.size() == 4);
  CHECK(r.contains(7, &b));
  CHECK_FALSE(r.contains(1000, &b));

  CHECK(r.remove(7, &a));  // the first: the next moves up
  CHECK(r.list(7) == std::vector<Pte*>{&b, &c});
  CHECK(r.remove(7, &c));
  CHECK(r.list(7) == std::vector<Pte*>{&b});
  CHECK_FALSE(r.remove(7, &c));     // not there any more
  CHECK_FALSE(r.remove(5000, &a));  // beyond every gfn mapped
  CHECK(r.remove(7, &b));
  CHECK(r.list(7).empty());
  r.add(7, &d);
  CHECK(r.list(7) == std::vector<Pte*>{&d});
  CHECK(r.size() == 2);  // d under 7 and under 1000
}

TEST_CASE("rmap: a gfn's word holds one spte, becomes a list at the second and one spte again at one left",
          "[kvm][rmap]") {
  Pte a, b, c;
  Rmap r;
  r.add(3, &a);
  r.add(3, &b);  // a list of two
  CHECK(r.remove(3, &b));  // one left: back in the word
  CHECK(r.list(3) == std::vector<Pte*>{&a});
  CHECK_FALSE(r.remove(3, &b));
  r.add(3, &c);  // a list again, after the one kept
  CHECK(r.list(3) == std::vector<Pte*>{&a, &c});
  CHECK(r.remove(3, &a));
  CHECK(r.list(3) == std::vector<Pte*>{&c});
  CHECK_FALSE(r.remove(3, &a));
  r.add(3, &a);
  r.add(3, &b);
  CHECK(r.list(3) == std::vector<Pte*>{&c, &a, &b});
  CHECK(r.size() == 3);
}  // destroyed with a list in use: its descriptor is freed (valgrind, ASan)
