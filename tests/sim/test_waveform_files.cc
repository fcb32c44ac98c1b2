// The files beside a VCD: exact times and the GTKWave save file.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/input_error.h"
#include "stats/waveform_files.h"
#include "temp_file.h"

using namespace mmusim;
using mmusim::test::temp_file;

TEST_CASE("cycles to exact picoseconds, rounded to the nearest", "[vcd]") {
  CHECK(cycles_to_ps(1, 3000) == 333);        // 333.33
  CHECK(cycles_to_ps(2, 3000) == 667);        // 666.67
  CHECK(cycles_to_ps(65334888, 3000) == 21778296000);  // 65,334,888 / 3 GHz = 21.778296 ms
  CHECK(cycles_to_ps(7, 1000) == 7000);
  // 2^50 cycles at 1,000 MHz: the product 2^50 x 10^6 is past 2^64, the result 2^50 x 1000 is not.
  CHECK(cycles_to_ps(std::uint64_t{1} << 50, 1000) == (std::uint64_t{1} << 50) * 1000);
}

TEST_CASE("a VCD's times are rewritten from SystemC's rounded period to exact times", "[vcd]") {
  // Period 333 ps at 3,000 MHz: #666 is cycle 2 (667 ps), #21756517704 cycle 65,334,888.
  const std::string path = temp_file("w.vcd", "$timescale\n     1 ps\n$end\n#0\nb1 aa\n#666\nb10 aa\n\n#21756517704\n");
  exact_vcd_times(path, 333, 3000, 21756517704);
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  CHECK(s.str() == "$timescale\n     1 ps\n$end\n#0\nb1 aa\n#667\nb10 aa\n\n#21778296000\n");
}

TEST_CASE("a VCD that SystemC's failed writes cut short is an error, and is removed", "[vcd][errors]") {
  // SystemC ends a whole file with the time it closed it (#21756517704); a write that failed
  // (a full disk) leaves it shorter, at a line's end or inside one.
  for (const std::string& cut : {std::string("$timescale\n     1 ps\n$end\n#0\nb1 aa\n#666\nb10 aa\n\n"),
                                 std::string("$timescale\n     1 ps\n$end\n#0\nb1 aa\n#666\nb10 aa\n\n#2175651")}) {
    const std::string path = temp_file("cut.vcd", cut);
    try {
      exact_vcd_times(path, 333, 3000, 21756517704);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()) == path + ": --vcd: cannot write: the waveforms stop after " + std::to_string(cut.size()) +
                                         " bytes, before the end of the run (a full disk, or a file size limit); the "
                                         "partial file is removed");
    }
    CHECK_FALSE(std::filesystem::exists(path));
  }
}

TEST_CASE("the GTKWave save file: dump file, zoom to the whole run, each signal's format", "[vcd]") {
  const std::string g = gtkwave_save("run.vcd", {{"free_pages", 64, true}, {"vmexits", 64, false}, {"kswapd_running", 1, false}},
                                     21778296000);
  CHECK(g.find("[dumpfile] \"run.vcd\"\n") != std::string::npos);
  // 21,778,296,000 ps / 3.8 = 5.73e9, log2 = 32.4: zoom -33.
  CHECK(g.find("\n*-33.000000 -1 ") != std::string::npos);
  CHECK(g.find("@8024\nSystemC.free_pages[63:0]\n@20000\n-\n-\n@24\nSystemC.vmexits[63:0]\n@28\nSystemC.kswapd_running\n") !=
        std::string::npos);
}
