// libFuzzer target: the configuration parser. The input is an INI file (Config::load_file) or,
// for odd lengths, one --set assignment per line (Config::set); then the checks across keys
// (Config::validate). InputError is the only acceptable failure.
#include <sstream>

#include "config/config.h"
#include "fuzz_input.h"
#include "util/input_error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mmusim::fuzz::MemFile file;
  const std::string path = file.write(data, size);
  try {
    mmusim::Config c;
    if (mmusim::fuzz::variant(size) & 1) {
      std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
      for (std::string line; std::getline(in, line);) c.set(line);
    } else {
      c.load_file(path);
    }
    c.validate();
    for (const auto& [key, value] : c.effective()) (void)c.origin(key);
  } catch (const mmusim::InputError&) {
  }
  return 0;
}
