// MemDS: the in-memory partition map service. Each MemDS node holds the whole
// map (table -> partitions -> replica group and members); autoadmin writes to
// every MemDS node, routers read from one.
//
// The map is loaded from meta.sqlite at start (MetaStore) and kept in step by
// the table operations. Lookups are counted: routers send every lookup here,
// cache hit or not (constant work), so this load follows traffic.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/paxos/replica.h"

namespace ddb::cluster {

struct PartitionRoute {
  uint64_t group = 0;
  uint64_t hash_lo = 0;  // inclusive
  uint64_t hash_hi = 0;  // inclusive
  // The full replicas that serve requests, in node order (so AZ a first); a
  // full replica being rebuilt joins once it has caught up (autoadmin.h).
  std::vector<paxos::NodeId> members;
  std::vector<paxos::NodeId> log_members;  // log replicas: WAL only, never routed to
};

struct TableRoute {
  TableMeta meta;
  std::vector<PartitionRoute> partitions;  // in hash order, covering the whole ring
  const PartitionRoute& ForHash(uint64_t h) const;
};

class MemdsNode {
 public:
  std::shared_ptr<const TableRoute> Lookup(const std::string& name);
  std::vector<std::shared_ptr<const TableRoute>> List(const std::string& prefix);
  void Put(std::shared_ptr<const TableRoute> route);
  void Erase(const std::string& name);
  uint64_t lookups() const { return lookups_.load(std::memory_order_relaxed); }
  // Moves at every Put and Erase: unchanged means the map is the same.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const TableRoute>> tables_;  // guarded by mu_
  std::atomic<uint64_t> lookups_{0};
  std::atomic<uint64_t> version_{0};
};

}  // namespace ddb::cluster
