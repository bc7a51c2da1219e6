// Status rendering and the CHECK failure path.
#include "base/status.h"

#include <cstdio>
#include <cstdlib>

namespace ddb {

void CheckFailed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "ddb-local: CHECK failed at %s:%d: %s\n", file, line, expr);
  std::fflush(stderr);
  std::abort();
}

std::string Status::ToString() const {
  static const char* const kNames[] = {"OK",          "NotFound",    "AlreadyExists",
                                       "InvalidArgument", "Unavailable", "IoError",
                                       "Corruption",  "Internal",    "ConditionFailed",
                                       "Busy",        "Uncertain",   "Conflict"};
  std::string out = kNames[static_cast<int>(code_)];
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace ddb
