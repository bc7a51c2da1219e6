// Router: sends each request to the right replica of the right partition.
//
// A router keeps a local cache of table routes, but every lookup also goes to
// a MemDS node, hit or miss (constant work: MemDS load never jumps when caches
// go cold, the lesson "predictability over efficiency"). MemDS's answer wins
// when it differs from the cache; the cache only serves when MemDS cannot.
// Writes and consistent reads go to the group's leader: the router remembers a
// leader hint per group, follows the hint a replica returns, and otherwise
// tries the members in turn with a short backoff, until a deadline.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/memds.h"
#include "cluster/storage_node.h"

namespace ddb::cluster {

class Router {
 public:
  Router(std::vector<MemdsNode*> memds, std::unordered_map<paxos::NodeId, StorageNode*> nodes,
         int request_timeout_ms);

  // nullptr when the table does not exist.
  std::shared_ptr<const TableRoute> Lookup(const std::string& name);

  // Sends `call` to the leader of `p`, following hints and retrying while
  // replicas refuse it (Unavailable: not the leader, powered off). A call
  // whose outcome is unknown (Uncertain: timed out, leadership lost with the
  // write in flight) is retried only when `idempotent`; otherwise the caller
  // gets the uncertainty, as a DynamoDB client gets a 500. Or, with
  // ToAnyReplica to the replicas in turn, spreading reads (others on failure).
  using Call = std::function<void(StorageNode*, ReplyFn)>;
  NodeReply ToLeader(const PartitionRoute& p, const Call& call, bool idempotent = true);
  NodeReply ToAnyReplica(const PartitionRoute& p, const Call& call);

  // The member believed to lead `p` (the first member when unknown).
  paxos::NodeId LeaderHint(const PartitionRoute& p);
  StorageNode* Node(paxos::NodeId id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : it->second;
  }

  uint64_t cache_hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t cache_misses() const { return misses_.load(std::memory_order_relaxed); }
  // How often ToLeader slept before asking again (no leader known, a member
  // down or cut off).
  uint64_t backoffs() const { return backoffs_.load(std::memory_order_relaxed); }

 private:
  NodeReply CallNode(paxos::NodeId node, const Call& call);
  void SetLeaderHint(uint64_t group, paxos::NodeId node);

  std::vector<MemdsNode*> memds_;
  std::unordered_map<paxos::NodeId, StorageNode*> nodes_;
  int request_timeout_ms_;
  std::atomic<uint64_t> next_memds_{0};
  std::atomic<uint64_t> next_pick_{0};
  std::atomic<uint64_t> hits_{0}, misses_{0};
  std::atomic<uint64_t> backoffs_{0};

  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const TableRoute>> cache_;  // guarded by mu_
  std::unordered_map<uint64_t, paxos::NodeId> leaders_;                      // guarded by mu_
};

}  // namespace ddb::cluster
