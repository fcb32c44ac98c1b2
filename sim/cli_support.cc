#include "cli_support.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "input_error.h"

namespace po = boost::program_options;

namespace mmusim {

Config load_config(const std::string& file, const std::vector<std::string>& sets) {
  Config c;
  if (!file.empty()) c.load_file(file);
  for (const std::string& s : sets) c.set(s);
  c.validate();
  return c;
}

void make_dir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw InputError(dir, 0, "--out", "exists and is not a directory");
  } else if (mkdir(dir.c_str(), 0777) != 0) {
    throw InputError(dir, 0, "--out", std::string("cannot create: ") + std::strerror(errno));
  }
  const std::string probe = dir + "/.mmusim-write-test";
  if (!std::ofstream(probe)) throw InputError(dir, 0, "--out", std::string("cannot write: ") + std::strerror(errno));
  std::remove(probe.c_str());
}

void save_config(const std::string& path, const Config& c) {
  std::ofstream out(path);
  out << "# Effective configuration of this run: every key, as `mmusim run --config " << path << "` reads it.\n";
  std::string section;
  for (const auto& [key, value] : c.effective()) {
    const std::string sec = key.substr(0, key.find('.'));
    if (sec != section) out << (section.empty() ? "" : "\n") << '[' << (section = sec) << "]\n";
    out << key.substr(key.find('.') + 1) << " = " << value << '\n';
  }
  if (!out) throw InputError(path, 0, "--out", "cannot write");
}

bool parse_args(const std::vector<std::string>& args, const po::options_description& desc, po::variables_map& vm) {
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  if (!vm.count("help")) return true;
  std::cout << desc;
  return false;
}

void check_csv_text(const std::string& text, const std::string& option) {
  if (text.find_first_of(",\"\n\r") != std::string::npos)
    throw InputError(option, 0, "", "'" + text + "' holds a comma, quote or line break, which a CSV cell of the results cannot");
}

std::string trace_folder(const std::string& out_dir, const std::vector<std::string>& traces, std::size_t i) {
  if (traces.size() == 1) return out_dir;
  std::string base = traces[i].substr(traces[i].find_last_of('/') + 1);
  for (char& c : base)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  return out_dir + "/t" + std::to_string(i) + "_" + base;
}

void add_trace_list(const std::string& file, std::vector<std::string>& traces) {
  std::ifstream in(file);
  if (!in) throw InputError(file, 0, "--traces", std::string("cannot read: ") + std::strerror(errno));
  std::size_t named = 0;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    traces.push_back(line);
    ++named;
  }
  if (named == 0) throw InputError(file, 0, "--traces", "names no trace (one path a line)");
}

}  // namespace mmusim
