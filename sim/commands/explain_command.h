// mmusim explain: a small trace (or a window of a large one) replayed with every event in words.
#pragma once
#include <string>
#include <vector>

namespace mmusim {

int explain_command(const std::vector<std::string>& args);

}  // namespace mmusim
