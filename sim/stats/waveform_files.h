// The files beside a run's waveforms (`--vcd FILE.vcd`): the VCD's times made exact, and a
// GTKWave save file (FILE.gtkw) that opens it with every signal shown.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mmusim {

// SystemC writes VCD times in its own picoseconds: cycles x the period rounded to a whole
// picosecond (333 ps at 3,000 MHz, 0.1% short). Rewrites every "#T" of `path` to the exact time,
// cycles x 10^6 / cpu_mhz ps rounded to the nearest, so that the VCD ends at summary.csv's
// sim_seconds. `end_ps` is SystemC's time when it closed the file, in its picoseconds: SystemC
// never checks its writes (a full disk, a file size limit), so a file whose last line is not
// that time was cut short. Throws InputError when the file was cut short or cannot be
// rewritten, and then removes it: no waveform that looks complete is left.
void exact_vcd_times(const std::string& path, std::uint64_t period_ps, std::uint64_t cpu_mhz, std::uint64_t end_ps);

// The exact time in ps of `cycles` at `cpu_mhz`, rounded to the nearest.
std::uint64_t cycles_to_ps(std::uint64_t cycles, std::uint64_t cpu_mhz);

struct WaveSignal {
  std::string name;  // as sc_trace named it
  unsigned bits;     // 1: a flag; more: a number
  bool level;        // a level (free pages, list lengths): drawn as analog steps; else a count, in decimal
};

// The text of a GTKWave save file for `vcd_path` (named as the user gave it) whose run ends at
// `end_ps`: every signal in `signals`, numbers in decimal, levels also as analog steps, zoomed
// to show the whole run.
std::string gtkwave_save(const std::string& vcd_path, const std::vector<WaveSignal>& signals, std::uint64_t end_ps);

}  // namespace mmusim
