#include "base/random.h"

#include <sys/random.h>

#include <cerrno>

#include "base/check.h"

namespace ddb {

void RandomBytes(void* out, size_t size) {
  auto* b = static_cast<unsigned char*>(out);
  size_t got = 0;
  while (got < size) {
    const ssize_t n = getrandom(b + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    CHECK(n > 0);
    got += static_cast<size_t>(n);
  }
}

uint64_t RandomU64() {
  uint64_t v = 0;
  RandomBytes(&v, sizeof v);
  return v;
}

}  // namespace ddb
