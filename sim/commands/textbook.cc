#include "commands/textbook.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands/cli_support.h"
#include "util/input_error.h"
#include "textbook/replacement_policy.h"

namespace po = boost::program_options;

namespace mmusim {

namespace {

constexpr std::size_t kMaxFrames = 256;      // a table row per frame
constexpr std::size_t kMaxRefs = 10000;      // a table column per reference (and a copy of the frames each)
constexpr std::size_t kLineWidth = 100;      // terminal columns: longer tables wrap into blocks

const char* kCsvHeaderHelp =
    "--csv prints one row per policy and reference, after the header\n"
    "  policy,frames,step,ref,fault,evicted,faults,hand,frame_0,...,frame_<N-1>,use_0,...,use_<N-1>\n"
    "step counts references from 1; fault is 1 for a page fault, 0 for a hit; evicted is the page\n"
    "the fault replaced (empty if none); faults counts the policy's faults so far (its last row holds\n"
    "the total); hand is the frame the clock hand (second-chance: the queue head) points at; frame_i\n"
    "is frame i's page after the reference (empty: free); use_i its use bit (0/1). hand and use_i are\n"
    "empty for fifo, lru and opt.\n";

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> v;
  std::string item;
  std::stringstream in(s);
  while (std::getline(in, item, ',')) v.push_back(trim(item));
  if (!s.empty() && s.back() == ',') v.push_back("");  // a trailing comma leaves an empty item
  return v;
}

std::size_t parse_frames(const std::string& text) {
  const std::string t = trim(text);
  if (!all_digits(t)) throw InputError("--frames", 0, "", "'" + text + "' is not a number of frames (a whole number from 1)");
  if (t.size() > 9 || std::stoull(t) > kMaxFrames)
    throw InputError("--frames", 0, "", t + " frames: at most " + std::to_string(kMaxFrames) + " (the table has a row per frame)");
  const std::size_t n = std::stoull(t);
  if (n == 0) throw InputError("--frames", 0, "", "0 frames: page replacement needs at least 1 frame");
  return n;
}

std::vector<RefPage> parse_refs(const std::string& text) {
  if (trim(text).empty())
    throw InputError("--refs", 0, "", "the reference string is empty: give page numbers separated by commas, e.g. --refs 7,0,1,2");
  std::vector<RefPage> refs;
  const std::vector<std::string> items = split_commas(text);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& t = items[i];
    const std::string where = "reference " + std::to_string(i + 1) + " ";
    if (t.empty()) throw InputError("--refs", 0, "", where + "is empty (two commas in a row, or one at an end)");
    if (!all_digits(t)) throw InputError("--refs", 0, "", where + "'" + t + "' is not a page number (a whole number from 0)");
    if (t.size() > 18) throw InputError("--refs", 0, "", where + "'" + t + "' is too large (at most 18 digits)");
    refs.push_back(std::stoull(t));
  }
  if (refs.size() > kMaxRefs)
    throw InputError("--refs", 0, "", std::to_string(refs.size()) + " references: at most " + std::to_string(kMaxRefs) +
                                          " (the table has a column per reference)");
  return refs;
}

std::vector<std::string> parse_policies(const std::string& text) {
  const std::vector<std::string>& known = replacement_policy_names();
  if (text.empty()) return known;
  std::string names;
  for (const std::string& k : known) names += (names.empty() ? "" : ", ") + k;
  std::vector<std::string> policies = split_commas(text);
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (std::find(known.begin(), known.end(), policies[i]) == known.end())
      throw InputError("--policies", 0, "", "unknown policy '" + policies[i] + "' (known: " + names + ")");
    if (std::find(policies.begin(), policies.begin() + i, policies[i]) != policies.begin() + i)
      throw InputError("--policies", 0, "", "'" + policies[i] + "' named twice");
  }
  return policies;
}

std::size_t fault_count(const std::vector<FrameStep>& steps) {
  return static_cast<std::size_t>(std::count_if(steps.begin(), steps.end(), [](const FrameStep& s) { return s.fault; }));
}

// One policy's table: rows ref, frame 0.., fault, out (the evicted page) and, for policies with use
// bits, hand; a page whose use bit is set is shown with '*'. Wraps into blocks of kLineWidth.
void print_table(std::ostream& out, const std::string& policy, const std::vector<FrameStep>& steps) {
  const std::size_t frames = steps.front().frames.size();
  const bool has_use = !steps.front().use.empty();
  std::vector<std::string> labels = {"ref"};
  for (std::size_t f = 0; f < frames; ++f) labels.push_back("frame " + std::to_string(f));
  labels.push_back("fault");
  labels.push_back("out");
  if (has_use) labels.push_back("hand");
  // cells[row][column]
  std::vector<std::vector<std::string>> cells(labels.size());
  for (const FrameStep& s : steps) {
    std::size_t r = 0;
    cells[r++].push_back(std::to_string(s.page));
    for (std::size_t f = 0; f < frames; ++f)
      cells[r++].push_back(s.frames[f] ? std::to_string(*s.frames[f]) + (has_use && s.use[f] ? "*" : "") : "");
    cells[r++].push_back(s.fault ? "F" : "");
    cells[r++].push_back(s.evicted ? std::to_string(*s.evicted) : "");
    if (has_use) cells[r++].push_back(std::to_string(*s.hand));
  }
  std::size_t label_w = 0, cell_w = 0;
  for (const std::string& l : labels) label_w = std::max(label_w, l.size());
  for (const auto& row : cells)
    for (const std::string& c : row) cell_w = std::max(cell_w, c.size());
  label_w += 1;
  cell_w += 1;
  const std::size_t per_block = std::max<std::size_t>(1, (kLineWidth - 2 - label_w) / cell_w);
  const std::size_t faults = fault_count(steps);
  out << policy << ", " << frames << (frames == 1 ? " frame: " : " frames: ") << faults
      << (faults == 1 ? " fault" : " faults") << " in " << steps.size() << (steps.size() == 1 ? " reference\n" : " references\n");
  for (std::size_t first = 0; first < steps.size(); first += per_block) {
    if (first) out << '\n';
    const std::size_t last = std::min(steps.size(), first + per_block);
    for (std::size_t r = 0; r < labels.size(); ++r) {
      std::string line = "  " + labels[r] + std::string(label_w - labels[r].size(), ' ');
      for (std::size_t c = first; c < last; ++c)
        line += std::string(cell_w - cells[r][c].size(), ' ') + cells[r][c];
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << '\n';
    }
  }
}

void print_csv(std::ostream& out, const std::string& policy, const std::vector<FrameStep>& steps, bool header) {
  const std::size_t frames = steps.front().frames.size();
  if (header) {
    out << "policy,frames,step,ref,fault,evicted,faults,hand";
    for (std::size_t f = 0; f < frames; ++f) out << ",frame_" << f;
    for (std::size_t f = 0; f < frames; ++f) out << ",use_" << f;
    out << '\n';
  }
  std::size_t faults = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const FrameStep& s = steps[i];
    faults += s.fault;
    out << policy << ',' << frames << ',' << i + 1 << ',' << s.page << ',' << (s.fault ? 1 : 0) << ','
        << (s.evicted ? std::to_string(*s.evicted) : "") << ',' << faults << ','
        << (s.hand ? std::to_string(*s.hand) : "");
    for (std::size_t f = 0; f < frames; ++f) out << ',' << (s.frames[f] ? std::to_string(*s.frames[f]) : "");
    for (std::size_t f = 0; f < frames; ++f) out << ',' << (s.use.empty() ? "" : s.use[f] ? "1" : "0");
    out << '\n';
  }
}

}  // namespace

int textbook_command(const std::vector<std::string>& args) {
  std::string frames_arg, refs_arg, policies_arg;
  bool csv = false;
  po::options_description desc(
      "mmusim textbook --frames N --refs P,P,... [--policies a,b,...] [--csv]\n"
      "The page-replacement frame table of OS textbooks: a column per reference, a row per frame\n"
      "(a '*' after a page: its use bit is set), F under each fault, the evicted page under it, and\n"
      "the fault count of each policy. Policies: fifo, lru (exact), opt (Belady; among pages never\n"
      "used again the lowest frame goes), clock (use bit and hand), second-chance (FIFO queue with\n"
      "a reference bit: the same faults as clock). Empty frames fill from frame 0.\n" +
      std::string(kCsvHeaderHelp) + "Options",
      100);
  desc.add_options()("help,h", "this help")("frames,f", po::value(&frames_arg), "number of frames, 1..256")(
      "refs,r", po::value(&refs_arg), "the reference string: page numbers separated by commas (blanks around them are ignored), at most 10000")(
      "policies,p", po::value(&policies_arg), "comma-separated (default: fifo,lru,opt,clock,second-chance)")(
      "csv", po::bool_switch(&csv), "machine-readable steps (header above) instead of the tables");
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (!vm.count("frames")) throw InputError("--frames", 0, "", "required: the number of frames, e.g. --frames 3");
  const std::size_t frames = parse_frames(frames_arg);
  const std::vector<RefPage> refs = parse_refs(refs_arg);
  const std::vector<std::string> policies = parse_policies(policies_arg);

  std::vector<std::vector<FrameStep>> runs;
  for (const std::string& p : policies) {
    auto policy = make_replacement_policy(p, frames, refs);
    runs.push_back(run_replacement(*policy, refs));
  }
  if (csv) {
    for (std::size_t i = 0; i < policies.size(); ++i) print_csv(std::cout, policies[i], runs[i], i == 0);
    return 0;
  }
  std::size_t name_w = 6;  // "policy"
  for (const std::string& p : policies) name_w = std::max(name_w, p.size());
  std::cout << refs.size() << (refs.size() == 1 ? " reference, " : " references, ") << frames
            << (frames == 1 ? " frame\n" : " frames\n");
  for (std::size_t i = 0; i < policies.size(); ++i) {
    std::cout << '\n';
    print_table(std::cout, policies[i], runs[i]);
  }
  std::cout << '\n' << std::left << std::setw(name_w + 2) << "policy" << std::right << "faults    hits  fault rate\n";
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const std::size_t faults = fault_count(runs[i]);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f%%", 100.0 * faults / refs.size());
    std::cout << std::left << std::setw(name_w + 2) << policies[i] << std::right << std::setw(6) << faults
              << std::setw(8) << refs.size() - faults << std::setw(12) << rate << '\n';
  }
  return 0;
}

}  // namespace mmusim
