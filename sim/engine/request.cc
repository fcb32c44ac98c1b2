#include "engine/request.h"

#include <fstream>
#include <iterator>

#include "input_error.h"
#include "os/safe_file.h"

namespace mmusim {

std::string run_request(const std::string& trace, const std::string& format, const std::string& config_file,
                        const std::vector<std::string>& sets) {
  std::string request = "trace " + trace + "\nformat " + format + "\nconfig " + config_file + "\n";
  for (const std::string& s : sets) request += "set " + s + "\n";
  return request;
}

void claim_folder(const std::string& out_dir, const std::string& kind, const std::string& request) {
  const std::string request_file = out_dir + "/" + kind + "-request.txt";
  if (std::ifstream old{request_file}) {
    const std::string before((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
    if (before != request)
      throw InputError(out_dir, 0, "--out", "holds a " + kind + " of another trace, config or --set (" + request_file +
                                                "); use another --out folder");
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
