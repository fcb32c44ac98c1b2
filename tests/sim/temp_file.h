// Test input files: `content` written to a fresh file in a per-process temporary folder.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mmusim::test {

inline std::string temp_file(const std::string& name, const std::string& content) {
  auto dir = std::filesystem::temp_directory_path() / ("mmusim_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  return p.string();
}

}  // namespace mmusim::test
