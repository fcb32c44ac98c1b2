#include "commands/cli_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "util/input_error.h"
#include "util/printable.h"
#include "os/safe_file.h"

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
  if (lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      throw InputError(dir, 0, "--out", "is a symbolic link; mmusim does not write through links (give the folder it names)");
    if (!S_ISDIR(st.st_mode)) throw InputError(dir, 0, "--out", "exists and is not a directory");
  } else if (mkdir(dir.c_str(), 0777) != 0) {
    throw InputError(dir, 0, "--out", std::string("cannot create: ") + std::strerror(errno));
  }
  std::string probe = dir + "/.mmusim-write-test.XXXXXX";  // a fresh name: never a link someone left
  const int fd = mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) throw InputError(dir, 0, "--out", std::string("cannot write: ") + std::strerror(errno));
  close(fd);
  unlink(probe.c_str());
}

void save_config(const std::string& path, const Config& c) {
  AtomicFile file(path, "--out");
  std::ostream& out = file.out();
  out << "# Effective configuration of this run: every key, as `mmusim run --config " << path << "` reads it.\n";
  std::string section;
  for (const auto& [key, value] : c.effective()) {
    const std::string sec = key.substr(0, key.find('.'));
    if (sec != section) out << (section.empty() ? "" : "\n") << '[' << (section = sec) << "]\n";
    out << key.substr(key.find('.') + 1) << " = " << value << '\n';
  }
  file.commit();
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void refuse_read_once_trace(const std::string& trace, const std::string& command) {
  struct stat st {};
  const bool fifo = trace != "-" && stat(trace.c_str(), &st) == 0 &&
                    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode));
  if (trace == "-" || fifo)
    throw InputError(trace == "-" ? "<stdin>" : trace, 0, "--trace",
                     std::string(trace == "-" ? "standard input" : "a FIFO or device") + " can be read only once, and " +
                         command + " reads the trace more than once; save it to a file first (`mmusim run` reads it once)");
}

namespace {
template <class T>
bool is_unsigned(const po::value_semantic* s) {
  return dynamic_cast<const po::typed_value<T>*>(s) != nullptr;
}
}  // namespace

bool parse_args(const std::vector<std::string>& args, const po::options_description& desc, po::variables_map& vm) {
  const po::parsed_options parsed = po::command_line_parser(args).options(desc).run();
  for (const po::option& o : parsed.options) {
    if (o.position_key >= 0 || o.string_key.empty())  // a word that is no option's value
      throw InputError("", 0, "", "unexpected argument '" + printable(o.value.empty() ? "" : o.value.front(), 200) +
                                      "' (options start with --; `mmusim COMMAND --help` lists them)");
    // Boost reads "-1" into an unsigned option as 2^32 - 1 or 2^64 - 1: refuse a negative count.
    const po::option_description* d = desc.find_nothrow(o.string_key, false);
    if (!d) continue;
    const po::value_semantic* sem = d->semantic().get();
    if (!(is_unsigned<unsigned>(sem) || is_unsigned<unsigned long>(sem) || is_unsigned<unsigned long long>(sem) ||
          is_unsigned<unsigned short>(sem)))
      continue;
    for (const std::string& v : o.value)
      if (v.find_first_not_of(" \t") != std::string::npos && v[v.find_first_not_of(" \t")] == '-')
        throw InputError("--" + o.string_key, 0, "", "'" + printable(v, 200) + "' is negative; it must be a whole number from 0");
  }
  po::store(parsed, vm);
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
