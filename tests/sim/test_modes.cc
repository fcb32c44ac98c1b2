// sim.mode is a type: every mode in the registry parses from its name and back, has its help in
// `mmusim config --list`, and a name outside the registry is one clear error.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "config/config.h"
#include "modes/sim_mode.h"

using namespace mmusim;

TEST_CASE("every sim.mode parses from its name and back", "[config][modes]") {
  REQUIRE(sim_modes().size() == sim_mode_names().size());
  for (const SimModeSpec& m : sim_modes()) {
    INFO(m.name);
    CHECK(parse_sim_mode(m.name) == m.mode);
    CHECK(std::string(mode_name(m.mode)) == m.name);
    CHECK(&mode_spec(m.mode) != nullptr);
    Config c;
    c.set(std::string("sim.mode=") + m.name);
    CHECK(c.values().sim.mode == m.mode);
    // sim.mode's help names each mode with its own help.
    CHECK(find_key("sim.mode")->help.find(std::string(m.name) + " (" + m.help + ")") != std::string::npos);
  }
  CHECK(find_key("sim.mode")->choices == sim_mode_names());
}

TEST_CASE("a sim.mode outside the registry lists the known ones", "[config][modes]") {
  try {
    parse_sim_mode("hybrid");
    FAIL("no error");
  } catch (const std::invalid_argument& e) {
    std::string list;
    for (const std::string& n : sim_mode_names()) list += (list.empty() ? "" : ", ") + n;
    CHECK(std::string(e.what()) == "'hybrid' is not one of: " + list);
  }
}

TEST_CASE("only the modes with KVM have aging policies and guests' frames in the summary", "[config][modes]") {
  CHECK_FALSE(mode_spec(SimMode::Native).has_aging_policy);
  CHECK(mode_spec(SimMode::Shadow).has_aging_policy);
  CHECK(std::string(mode_spec(SimMode::Native).walk_entry) == "pte");
  CHECK(std::string(mode_spec(SimMode::Shadow).walk_entry) == "spte");
}

TEST_CASE("every configuration key changes the runs of at least one mode", "[config][modes]") {
  // uses_key lists what a mode leaves out; a key no mode uses would be a key nothing reads.
  for (const KeySpec& k : config_keys()) {
    INFO(k.name);
    bool used = false;
    for (const SimModeSpec& m : sim_modes()) used |= m.uses_key(k.name);
    CHECK(used);
  }
  CHECK_FALSE(mode_spec(SimMode::Native).uses_key("kvm.aging"));
  CHECK_FALSE(mode_spec(SimMode::Shadow).uses_key("ept.ntlb_entries"));
  CHECK(mode_spec(SimMode::Nested).uses_key("ept.ntlb_entries"));
  CHECK_FALSE(mode_spec(SimMode::Nested).uses_key("kvm.max_mmu_pages"));
}
