// Random bytes from the kernel's CSPRNG (getrandom(2)), for ids and seeds.
// Not std::random_device: libstdc++'s asks the CPU whether it has RDRAND
// (CPUID, a trap to the hypervisor on a VM) and then opens and reads
// /dev/urandom; the HTTP worker that answers a start's first request seeded
// its request ids that way.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ddb {

// Fills `size` bytes at `out`.
void RandomBytes(void* out, size_t size);
uint64_t RandomU64();

}  // namespace ddb
