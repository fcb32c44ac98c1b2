// Bad input from a user (trace line, config key, impossible configuration): one clear message
// naming the file, the line and the key, and exit code 2 (sim/main.cc). Never a crash.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace mmusim {

class InputError : public std::runtime_error {
 public:
  // file: the file or the command-line option the value came from ("" if none);
  // line: 1-based line number, 0 if not from a line; key: the config key or trace column, "" if none.
  InputError(std::string file, std::uint64_t line, std::string key, const std::string& what)
      : std::runtime_error(format(file, line, key, what)), file_(std::move(file)), line_(line), key_(std::move(key)) {}

  const std::string& file() const { return file_; }
  std::uint64_t line() const { return line_; }
  const std::string& key() const { return key_; }

  // "file:line: key: what", leaving out the parts that are empty.
  static std::string format(const std::string& file, std::uint64_t line, const std::string& key,
                            const std::string& what) {
    std::string s;
    if (!file.empty()) s += file + (line ? ":" + std::to_string(line) : std::string()) + ": ";
    if (!key.empty()) s += key + ": ";
    return s + what;
  }

 private:
  std::string file_;
  std::uint64_t line_;
  std::string key_;
};

}  // namespace mmusim
