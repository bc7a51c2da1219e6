// MemDS nodes: the partition map held in memory.
#include "cluster/memds.h"

#include <mutex>

namespace ddb::cluster {

const PartitionRoute& TableRoute::ForHash(uint64_t h) const {
  CHECK(!partitions.empty());
  for (const PartitionRoute& p : partitions) {
    if (h >= p.hash_lo && h <= p.hash_hi) return p;
  }
  CHECK(false && "partition map does not cover the hash ring");
  return partitions.front();
}

std::shared_ptr<const TableRoute> MemdsNode::Lookup(const std::string& name) {
  lookups_.fetch_add(1, std::memory_order_relaxed);
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const TableRoute>> MemdsNode::List(const std::string& prefix) {
  lookups_.fetch_add(1, std::memory_order_relaxed);
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<std::shared_ptr<const TableRoute>> out;
  for (auto it = tables_.lower_bound(prefix); it != tables_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->second);
  }
  return out;
}

void MemdsNode::Put(std::shared_ptr<const TableRoute> route) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  tables_[route->meta.name] = std::move(route);
  version_.fetch_add(1, std::memory_order_release);
}

void MemdsNode::Erase(const std::string& name) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  tables_.erase(name);
  version_.fetch_add(1, std::memory_order_release);
}

}  // namespace ddb::cluster
