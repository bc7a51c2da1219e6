// Text helpers for HTTP's case-insensitive tokens (header names, codings).
//
// Pure functions; thread-safe.
#pragma once

#include <strings.h>

#include <string_view>

namespace ddb {

// a and b equal, ASCII letters compared without case.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ddb
