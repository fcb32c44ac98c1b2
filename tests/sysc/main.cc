// SystemC test runner: libsystemc.so's main() calls sc_main, which runs Catch2. One SystemC design
// per process, so CTest runs every TEST_CASE as its own process (catch_discover_tests).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <systemc>

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  return Catch::Session().run(argc, argv);
}

// As in mmusim: silence the SystemC banner before the kernel starts.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
