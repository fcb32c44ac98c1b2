// mmusim view: a small trace (or a window of a large one) replayed in the browser, from one
// self-contained HTML file (sim/view/view_page.h).
#pragma once
#include <string>
#include <vector>

namespace mmusim {

int view_command(const std::vector<std::string>& args);

}  // namespace mmusim
