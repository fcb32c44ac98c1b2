#include "view/view_page.h"

#include <stdexcept>

#include "view_html.h"

namespace mmusim {

namespace {
// `s` as a JSON string.
std::string quoted(const std::string& s) {
  std::string j = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') j += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) j += c;
  }
  return j + '"';
}

// Replaces the one `marker` of `page` by `with`.
void fill(std::string& page, const std::string& marker, const std::string& with) {
  const std::size_t at = page.find(marker);
  if (at == std::string::npos) throw std::logic_error("view.html lacks " + marker);
  page.replace(at, marker.size(), with);
}
}  // namespace

void write_view_page(std::ostream& out, const ViewInfo& i, const std::string& events) {
  const auto n = [](std::uint64_t v) { return std::to_string(v); };
  const std::string info = "{\"trace\":" + quoted(i.trace) + ",\"mode\":" + quoted(i.mode) + ",\"aging\":" + quoted(i.aging) +
                           ",\"from\":" + n(i.from) + ",\"to\":" + n(i.to) + ",\"vms\":" + n(i.vms) + ",\"vcpus\":" + n(i.vcpus) +
                           ",\"cpus\":" + n(std::uint64_t{i.vms} * i.vcpus) + ",\"tlb\":{\"l1i_entries\":" + n(i.tlb.l1i_entries) +
                           ",\"l1i_ways\":" + n(i.tlb.l1i_ways) + ",\"l1d_entries\":" + n(i.tlb.l1d_entries) +
                           ",\"l1d_ways\":" + n(i.tlb.l1d_ways) + ",\"stlb_entries\":" + n(i.tlb.stlb_entries) +
                           ",\"stlb_ways\":" + n(i.tlb.stlb_ways) + "},\"host_frames\":" + n(i.host_frames) +
                           ",\"swap_slots\":" + n(i.swap_slots) + "}";
  // The JSON lines as one array; "</" written "<\/" so that no text ends the script element.
  std::string list = "[";
  std::size_t start = 0;
  while (start < events.size()) {
    std::size_t end = events.find('\n', start);
    if (end == std::string::npos) end = events.size();
    if (end > start) list += (list.size() > 1 ? ",\n" : "\n") + events.substr(start, end - start);
    start = end + 1;
  }
  list += "\n]";
  for (std::size_t at = list.find("</"); at != std::string::npos; at = list.find("</", at + 2)) list.replace(at, 2, "<\\/");
  std::string page = kViewHtml;
  fill(page, "/*MMUSIM_INFO*/null", info);
  fill(page, "/*MMUSIM_EVENTS*/[]", list);
  out << page;
}

}  // namespace mmusim
