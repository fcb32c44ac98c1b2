// Resuming in an output folder (sweep; compare on Slurm) is only safe for the same request: the
// folder remembers what it was made for in DIR/KIND-request.txt.
#pragma once
#include <string>
#include <vector>

namespace mmusim {

// What the runs of a folder share: trace, format, config file, --set overrides, and the size and
// modification time of the trace and config files (a file rewritten under its name is another request).
std::string run_request(const std::string& trace, const std::string& format, const std::string& config_file,
                        const std::vector<std::string>& sets);
// Writes the request the first time; throws InputError naming --out when the folder was made for
// another one.
void claim_folder(const std::string& out_dir, const std::string& kind, const std::string& request);
// Records `request` as the folder's, whatever it held (a run that redoes every run of the folder):
// a later resume of another request is then refused.
void record_request(const std::string& out_dir, const std::string& kind, const std::string& request);

}  // namespace mmusim
