// Bad input from a user (trace line, config key, impossible configuration): one clear message
// naming the file, the line and the key, and exit code 2 (sim/commands/main.cc). Never a crash.
#pragma once
#include <cctype>
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

  // At most this many bytes of a value quoted in a message ('...'), of a file name and of a key.
  static constexpr std::size_t kMaxQuoted = 200;

  // "file:line: key: what", leaving out the parts that are empty; every part and every quoted
  // value in `what` at most kMaxQuoted bytes (a 100 MB argument gives a message of one line).
  static std::string format(const std::string& file, std::uint64_t line, const std::string& key,
                            const std::string& what) {
    std::string s;
    if (!file.empty()) s += cut(file) + (line ? ":" + std::to_string(line) : std::string()) + ": ";
    if (!key.empty()) s += cut(key) + ": ";
    return s + cut_quotes(what);
  }

 private:
  static std::string cut(const std::string& s) { return s.size() <= kMaxQuoted ? s : s.substr(0, kMaxQuoted) + "..."; }
  static bool word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
  // Shortens each '...' longer than kMaxQuoted: a quote opens after a non-letter (an apostrophe in
  // "file's" opens none) and closes before one.
  static std::string cut_quotes(const std::string& what) {
    if (what.size() <= kMaxQuoted) return what;
    std::string out;
    std::size_t i = 0;
    while (i < what.size()) {
      const std::size_t open = what.find('\'', i);
      if (open == std::string::npos || (open > 0 && word(what[open - 1]))) {
        const std::size_t end = open == std::string::npos ? what.size() : open + 1;
        out += what.substr(i, end - i);
        i = end;
        continue;
      }
      std::size_t close = open + 1;
      while ((close = what.find('\'', close)) != std::string::npos && close + 1 < what.size() && word(what[close + 1])) ++close;
      if (close == std::string::npos) close = what.size();
      out += what.substr(i, open + 1 - i) + cut(what.substr(open + 1, close - open - 1));
      i = close;  // the closing quote is copied as the next piece starts with it
      if (i < what.size()) {
        out += '\'';
        ++i;
      }
    }
    return out;
  }

 public:

 private:
  std::string file_;
  std::uint64_t line_;
  std::string key_;
};

}  // namespace mmusim
