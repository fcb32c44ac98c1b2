// Trace format names and open_trace with format detection.
//
// Detection looks at the start of the file (up to 64 KiB, kept and replayed to the reader, so
// pipes and stdin work and no record is lost):
//   - the first non-empty line is a header naming the columns op and gva  -> CSV
//   - one of the first 16 non-empty lines starts with "==", "I  ", " L ", " S " or " M " -> lackey
//     (lackey's own "==pid==" banner normally comes first; program output may precede it)
//   - otherwise an InputError asks for --format.
// A name ending in .champsimtrace (and .gz, .xz, .zst) is ChampSim's format, which has no magic.
// A compressed file is detected by its own magic bytes first (input_file.h) and looked at
// decompressed.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

#include "util/input_error.h"
#include "trace/mtr_format.h"
#include "util/printable.h"
#include "trace/readers_impl.h"

namespace mmusim {

// The rest of record_problem, for a record that does not fit: which key, and why.
const char* record_problem_found(const TraceRecord& r, const RecordLimits& limits, std::string& why) {
  if (r.vm == kHostVm) {
    if (limits.host_cpus == 0) {
      why = limits.host_cpus_possible
                ? "host (a process of the host) needs host.cpus of at least 1 (the host CPUs its processes run on)"
                : "host (a process of the host) runs only in shadow or nested mode (in native mode every record is one)";
      return "vm";
    }
    if (r.vcpu >= limits.host_cpus) {
      why = std::to_string(r.vcpu) + " is not below host.cpus = " + std::to_string(limits.host_cpus) + " (a host record's vcpu is its host CPU)";
      return "vcpu";
    }
  } else if (r.vm >= limits.vms) {
    why = std::to_string(r.vm) + " is not below guest.vms = " + std::to_string(limits.vms) +
          (limits.host_cpus_possible && limits.vms != ~0u ? " (and is not host)" : "");
    return "vm";
  } else if (r.vcpu >= limits.vcpus) {
    why = std::to_string(r.vcpu) + " is not below guest.vcpus = " + std::to_string(limits.vcpus);
    return "vcpu";
  }
  if (r.gap > limits.max_gap) {
    why = std::to_string(r.gap) + " cycles is above the limit of " + std::to_string(limits.max_gap);
    return "gap";
  }
  char buf[80];
  std::snprintf(buf, sizeof buf, "0x%llx size %u leaves the canonical 48-bit address space",
                static_cast<unsigned long long>(r.gva), r.size);
  why = buf;
  return "gva";
}

const std::vector<TraceFormatSpec>& trace_formats() {
  static const std::vector<TraceFormatSpec> formats = {
      {"auto", TraceFormat::Auto, "told by the content; ChampSim by a name ending in .champsimtrace[.gz|.xz|.zst]"},
      {"csv", TraceFormat::Csv, "CSV with a header row naming op and gva"},
      {"lackey", TraceFormat::Lackey, "valgrind lackey --trace-mem=yes output"},
      {"mtr", TraceFormat::Mtr, "mmusim's binary .mtr"},
      {"champsim", TraceFormat::Champsim, "ChampSim's 64-byte input_instr records"},
  };
  return formats;
}

std::string trace_format_names(const std::string& separator, const std::string& last_separator) {
  const auto& formats = trace_formats();
  std::string s;
  for (std::size_t i = 0; i < formats.size(); ++i)
    s += (i == 0 ? "" : i + 1 == formats.size() && !last_separator.empty() ? last_separator : separator) + formats[i].name;
  return s;
}

TraceFormat parse_trace_format(const std::string& s, const std::string& option) {
  for (const TraceFormatSpec& f : trace_formats())
    if (s == f.name) return f.format;
  throw InputError(option, 0, "", "'" + s + "' is not a trace format (" + trace_format_names(", ", " or ") + ")");
}

const char* trace_format_name(TraceFormat f) {
  for (const TraceFormatSpec& spec : trace_formats())
    if (spec.format == f) return spec.name;
  return "?";
}

namespace {

constexpr std::size_t kPeekBytes = 64 * 1024;
constexpr int kDetectLines = 16;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The first line names columns op and gva (comma separated, blanks around names allowed, any case).
bool is_csv_header(const std::string& line) {
  bool op = false, gva = false;
  std::size_t i = 0;
  while (i <= line.size()) {
    std::size_t j = line.find(',', i);
    if (j == std::string::npos) j = line.size();
    std::size_t a = i, b = j;
    while (a < b && is_blank(line[a])) ++a;
    while (b > a && is_blank(line[b - 1])) --b;
    std::string tok = line.substr(a, b - a);
    for (char& c : tok) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));  // OP,GVA too
    if (tok == "op") op = true;
    if (tok == "gva") gva = true;
    i = j + 1;
  }
  return op && gva;
}

bool is_lackey_line(const std::string& l) {
  auto starts = [&](const char* p) { return l.compare(0, std::char_traits<char>::length(p), p) == 0; };
  return starts("==") || starts("I  ") || starts(" L ") || starts(" S ") || starts(" M ");
}

// ChampSim's own naming: NAME.champsimtrace, compressed NAME.champsimtrace.xz (or .gz, .zst).
bool is_champsim_name(std::string path) {
  for (const char* z : {".gz", ".xz", ".zst"}) {
    const std::size_t n = std::strlen(z);
    if (path.size() > n && path.compare(path.size() - n, n, z) == 0) path.resize(path.size() - n);
  }
  const std::string c = ".champsimtrace";
  return path.size() > c.size() && path.compare(path.size() - c.size(), c.size(), c) == 0;
}

}  // namespace

std::unique_ptr<TraceReader> open_trace(const std::string& path, const TraceOptions& options) {
  TraceFormat format = options.format;
  auto file = std::make_unique<trace_detail::InputFile>(path);
  const std::string& head = file->peek(kPeekBytes);
  std::size_t start = head.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 BOM
  bool blank = std::all_of(head.begin() + static_cast<std::ptrdiff_t>(start), head.end(),
                           [](char c) { return is_blank(c) || c == '\n'; });
  if (blank && file->peek_has_all()) throw InputError(file->name(), 0, "", "empty trace file");

  if (format == TraceFormat::Auto && is_champsim_name(path)) format = TraceFormat::Champsim;
  if (format == TraceFormat::Champsim)
    return trace_detail::make_champsim_reader(std::move(file), options.as_host ? kHostVm : options.champsim_vm,
                                              options.champsim_pid);
  if (format == TraceFormat::Auto && head.compare(0, 8, std::string(mtr::kMagic, 8)) == 0) format = TraceFormat::Mtr;
  if (format == TraceFormat::Auto) {
    std::string first;
    int seen = 0;
    std::size_t i = start;
    while (i < head.size() && seen < kDetectLines) {
      std::size_t j = head.find('\n', i);
      if (j == std::string::npos) j = head.size();
      std::string line = head.substr(i, j - i);
      i = j + 1;
      if (std::all_of(line.begin(), line.end(), is_blank)) continue;
      if (seen++ == 0) {
        first = line;
        if (is_csv_header(line)) {
          format = TraceFormat::Csv;
          break;
        }
      }
      if (is_lackey_line(line)) {
        format = TraceFormat::Lackey;
        break;
      }
    }
    if (format == TraceFormat::Auto) {
      while (!first.empty() && first.back() == '\r') first.pop_back();
      first = printable(first, 60);
      throw InputError(file->name(), 0, "",
                       "cannot tell the trace format (first line: '" + first +
                           "'; a CSV trace starts with a header row naming op and gva, a lackey trace "
                           "has '==', 'I  ', ' L ', ' S ', ' M ' lines); use --format csv|lackey");
    }
  }
  if (format == TraceFormat::Mtr) return trace_detail::make_mtr_reader(std::move(file));
  if (format == TraceFormat::Csv) return trace_detail::make_csv_reader(std::move(file));
  return trace_detail::make_lackey_reader(std::move(file), options.as_host ? kHostVm : 0);
}

}  // namespace mmusim
