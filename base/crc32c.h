// CRC-32C (Castagnoli, the checksum of iSCSI and ext4 metadata): with the
// SSE4.2 crc32 instruction where the CPU has it, a table otherwise (same
// values). Used where a checksum never leaves the process, so that its
// algorithm is free to choose: the transport's message checksums
// (cluster/transport.cc). Stored checksums stay zlib's CRC-32.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ddb {

// Extends `crc` (0 to start) over `size` bytes at `data`.
uint32_t Crc32c(uint32_t crc, const void* data, size_t size);
// The same, always by table (what a CPU without SSE4.2 runs; for tests).
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t size);

}  // namespace ddb
