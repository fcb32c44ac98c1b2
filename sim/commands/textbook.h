// `mmusim textbook`: the step-by-step frame table OS textbooks draw for page replacement (a column
// per reference, a row per frame, faults marked) and the fault count of each policy, from the
// plain models of models/textbook/. --csv prints the same steps machine-readable.
#pragma once
#include <string>
#include <vector>

namespace mmusim {

int textbook_command(const std::vector<std::string>& args);

}  // namespace mmusim
