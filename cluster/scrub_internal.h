// Helpers shared by the scrubber's files (scrub.cc, archiver.cc); not an
// interface for anything else.
//
// Thread safety: pure functions, or as StorageNode::Inspect.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/status.h"
#include "cluster/storage_node.h"

namespace ddb::cluster::scrub_internal {

// How long a call to one node may take before the node counts as silent.
inline constexpr auto kNodeTimeout = std::chrono::milliseconds(2000);

int64_t NowMs();  // Unix epoch milliseconds
// Runs `fn` on `node`'s thread and waits for it (at most `timeout`). `fn`
// keeps its results in state it owns, so a late answer is harmless.
Status CallNode(StorageNode* node, uint64_t group, StorageNode::InspectFn fn,
                std::chrono::milliseconds timeout = kNodeTimeout);
inline bool IsCorruption(const Status& s) { return s.code() == Status::Code::kCorruption; }

}  // namespace ddb::cluster::scrub_internal
