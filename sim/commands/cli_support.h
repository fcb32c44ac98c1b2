// Pieces the mmusim commands share: loading the configuration, the output folder, argument parsing.
#pragma once
#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "config/config.h"

namespace mmusim {

// Defaults, then `file` (if any), then each --set; validated. Throws InputError.
Config load_config(const std::string& file, const std::vector<std::string>& sets);
// Creates `dir` if needed; throws InputError naming --out if it cannot be created or written.
void make_dir(const std::string& dir);
// Writes every key as an INI file that --config reads back.
void save_config(const std::string& path, const Config& c);
// Text that goes into a CSV cell unquoted (a trace path, a varied value) must hold no comma, quote
// or line break; throws InputError naming `option` otherwise.
void check_csv_text(const std::string& text, const std::string& option);
// True if `path` names a regular file (after links).
bool is_regular_file(const std::string& path);
// Commands that read the trace more than once (compare, sweep, explain) refuse stdin ("-") and a
// FIFO, which can be read only once (InputError naming --trace and `command`).
void refuse_read_once_trace(const std::string& trace, const std::string& command);
// --traces FILE: the traces FILE names, one a line (blank lines and lines starting with # are
// skipped), after those of `traces`; throws InputError naming the file (and line) when it cannot be
// read or names none.
void add_trace_list(const std::string& file, std::vector<std::string>& traces);
// compare and sweep on several traces: the folder of trace `i` (DIR/tI_NAME, NAME the file's name
// made safe); with one trace, DIR itself.
std::string trace_folder(const std::string& out_dir, const std::vector<std::string>& traces, std::size_t i);
// Parses `args` against `desc`; prints the help and returns false when --help was asked for.
bool parse_args(const std::vector<std::string>& args, const boost::program_options::options_description& desc,
                boost::program_options::variables_map& vm);

}  // namespace mmusim
