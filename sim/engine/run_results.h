// Reading back a finished run's summary.csv (compare, sweep): by header name, never by position,
// so that a summary made by another version of mmusim (other columns) is refused by name instead
// of being shifted into the wrong columns.
#pragma once
#include <map>
#include <optional>
#include <string>

namespace mmusim {

// Column -> value of the run's summary.csv; nothing if the file is missing or has no row (the run
// did not complete: never zeros). Throws InputError naming the file, line and column when the
// header is not this mmusim's summary columns (`mmusim columns`) or the row does not match it.
std::optional<std::map<std::string, std::string>> read_run_summary(const std::string& path);

// How a run ended, for its status cell: "exit N", "killed by SIGNAME" (see engine.h), "-1" for a
// run that ended without a result.
std::string run_status_text(int status);

}  // namespace mmusim
