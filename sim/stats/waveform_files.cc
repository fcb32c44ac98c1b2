#include "stats/waveform_files.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/input_error.h"
#include "os/safe_file.h"

namespace mmusim {

std::uint64_t cycles_to_ps(std::uint64_t cycles, std::uint64_t cpu_mhz) {
  const unsigned __int128 ps = (static_cast<unsigned __int128>(cycles) * 1000000u + cpu_mhz / 2) / cpu_mhz;
  return static_cast<std::uint64_t>(ps);
}

namespace {
// SystemC 2.3.4 writes its VCD through a FILE* whose errors it never checks, and when the file
// closes (~vcd_trace_file, sc_vcd_trace.cpp) its last line is the time of the close if that is
// past the first time written (0). The rewrite copies the file and checks that it ends so.
void rewrite_vcd_times(const std::string& path, std::uint64_t period_ps, std::uint64_t cpu_mhz, std::uint64_t end_ps) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "--vcd", std::string("cannot rewrite: ") + std::strerror(errno));
  AtomicFile file(path, "--vcd");  // os/safe_file.h: a new file under a temporary name, renamed
  std::ostream& out = file.out();
  std::string last;
  bool whole_line = true;
  std::uint64_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    bytes += line.size() + (in.eof() ? 0 : 1);
    whole_line = !in.eof();
    last = line;
    if (line.size() > 1 && line[0] == '#' && line.find_first_not_of("0123456789", 1) == std::string::npos)
      line = "#" + std::to_string(cycles_to_ps(std::stoull(line.substr(1)) / period_ps, cpu_mhz));
    out << line << '\n';
  }
  if (in.bad()) throw InputError(path, 0, "--vcd", std::string("cannot rewrite: ") + std::strerror(errno));
  if (end_ps > 0 && !(whole_line && last == "#" + std::to_string(end_ps)))
    throw InputError(path, 0, "--vcd",
                     "cannot write: the waveforms stop after " + std::to_string(bytes) +
                         " bytes, before the end of the run (a full disk, or a file size limit); the partial file is removed");
  file.commit();
}
}  // namespace

void exact_vcd_times(const std::string& path, std::uint64_t period_ps, std::uint64_t cpu_mhz, std::uint64_t end_ps) {
  try {
    rewrite_vcd_times(path, period_ps, cpu_mhz, end_ps);
  } catch (const InputError&) {
    unlink(path.c_str());
    throw;
  }
}

std::string gtkwave_save(const std::string& vcd_path, const std::vector<WaveSignal>& signals, std::uint64_t end_ps) {
  // GTKWave's zoom z shows about 3.8 x 2^-z time units in the wave pane of a 1280 x 720 window
  // (measured with GTKWave 3.3.118): the largest zoom that shows the whole run.
  const double span = static_cast<double>(end_ps > 4 ? end_ps : 4) / 3.8;
  const double zoom = -std::ceil(std::log2(span));
  std::ostringstream s;
  s << "[*] mmusim --vcd " << vcd_path << ": counts in decimal, levels as analog steps\n"
    << "[dumpfile] \"" << vcd_path << "\"\n"
    << "[timestart] 0\n"
    << "[size] 1280 720\n"
    << "[pos] -1 -1\n"
    << "*" << std::fixed;
  s.precision(6);
  s << zoom << " -1";
  for (int i = 0; i < 26; ++i) s << " -1";  // no markers
  s << "\n[sst_width] 200\n[signals_width] 220\n[sst_expanded] 1\n[sst_vpaned_height] 150\n";
  // Trace flags (GTKWave's analyzer.h): 0x20 right-justified, 0x4 decimal, 0x8 binary,
  // 0x8000 analog steps, 0x20000 a blank row that makes the analog trace above it taller.
  for (const WaveSignal& w : signals) {
    const std::string name = "SystemC." + w.name + (w.bits > 1 ? "[" + std::to_string(w.bits - 1) + ":0]" : "");
    if (w.bits == 1) {
      s << "@28\n" << name << '\n';
    } else if (w.level) {
      s << "@8024\n" << name << "\n@20000\n-\n-\n";
    } else {
      s << "@24\n" << name << '\n';
    }
  }
  s << "[pattern_trace] 1\n[pattern_trace] 0\n";
  return s.str();
}

}  // namespace mmusim
