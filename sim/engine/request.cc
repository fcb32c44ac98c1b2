#include "engine/request.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "util/input_error.h"
#include "os/safe_file.h"

namespace mmusim {

namespace {
// The contents a file had, as far as its size and modification time tell: a resume reuses results
// only if they are the same (a trace or config rewritten under the same name is another request).
std::string file_identity(const std::string& path) {
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0) return "-";
  return std::to_string(st.st_size) + " bytes, modified " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}
}  // namespace

std::string run_request(const std::string& trace, const std::string& format, const std::string& config_file,
                        const std::vector<std::string>& sets) {
  std::string request = "trace " + trace + "\ntrace-file " + file_identity(trace) + "\nformat " + format + "\nconfig " +
                        config_file + "\nconfig-file " + file_identity(config_file) + "\n";
  for (const std::string& s : sets) request += "set " + s + "\n";
  return request;
}

void claim_folder(const std::string& out_dir, const std::string& kind, const std::string& request) {
  const std::string request_file = out_dir + "/" + kind + "-request.txt";
  if (std::ifstream old{request_file}) {
    const std::string before((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
    if (before != request)
      throw InputError(out_dir, 0, "--out", "holds a " + kind + " of another trace, config or --set, or of other contents of "
                                            "them (" + request_file + ": size and modification time); use another --out folder");
  } else {
    record_request(out_dir, kind, request);
  }
}

void record_request(const std::string& out_dir, const std::string& kind, const std::string& request) {
  AtomicFile file(out_dir + "/" + kind + "-request.txt", "--out");
  file.out() << request;
  file.commit();
}

}  // namespace mmusim
