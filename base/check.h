// CHECK: always-on assertions. A failed CHECK is a bug (or corruption that must
// not spread): it prints where and why, then aborts. Not for expected errors,
// which are Status values (base/status.h).
//
// Thread safety: may be used from any thread.
#pragma once

namespace ddb {
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr);
}  // namespace ddb

#define CHECK(cond)                                              \
  do {                                                           \
    if (__builtin_expect(!(cond), 0))                            \
      ::ddb::CheckFailed(__FILE__, __LINE__, #cond);             \
  } while (0)
