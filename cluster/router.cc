// Router: route lookup with constant work to MemDS, and leader-following calls.
#include "cluster/router.h"

#include <chrono>
#include <condition_variable>
#include <thread>

namespace ddb::cluster {

namespace {
using Clock = std::chrono::steady_clock;

// One reply awaited by one request thread. Shared with the node's closure, so
// a closure dropped unanswered (a stopped node) only makes the wait time out.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  NodeReply reply;
};

// Per attempt: a live node answers within a few milliseconds.
constexpr auto kAttemptTimeout = std::chrono::milliseconds(2000);
}  // namespace

Router::Router(std::vector<MemdsNode*> memds, std::unordered_map<paxos::NodeId, StorageNode*> nodes,
               int request_timeout_ms)
    : memds_(std::move(memds)), nodes_(std::move(nodes)), request_timeout_ms_(request_timeout_ms) {}

std::shared_ptr<const TableRoute> Router::Lookup(const std::string& name) {
  MemdsNode* m = memds_[next_memds_.fetch_add(1, std::memory_order_relaxed) % memds_.size()];
  std::shared_ptr<const TableRoute> fresh = m->Lookup(name);  // always: constant work
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(name);
  bool hit = it != cache_.end() && fresh && it->second->meta.id == fresh->meta.id &&
             it->second->partitions.size() == fresh->partitions.size();
  (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  if (!fresh) {
    if (it != cache_.end()) cache_.erase(it);
    return nullptr;
  }
  if (!hit) cache_[name] = fresh;
  return fresh;
}

NodeReply Router::CallNode(paxos::NodeId node, const Call& call) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) {
    NodeReply r;
    r.status = Status::Unavailable("unknown node");
    return r;
  }
  auto w = std::make_shared<Waiter>();
  call(it->second, [w](NodeReply reply) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->reply = std::move(reply);
      w->done = true;
    }
    w->cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(w->mu);
  if (!w->cv.wait_for(lock, kAttemptTimeout, [&] { return w->done; })) {
    NodeReply r;
    // The request may still run on that node: its outcome is unknown.
    r.status = Status::Uncertain("storage node did not answer in time");
    return r;
  }
  return std::move(w->reply);
}

paxos::NodeId Router::LeaderHint(const PartitionRoute& p) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leaders_.find(p.group);
  return it != leaders_.end() ? it->second : p.members.front();
}

void Router::SetLeaderHint(uint64_t group, paxos::NodeId node) {
  std::lock_guard<std::mutex> lock(mu_);
  leaders_[group] = node;
}

NodeReply Router::ToLeader(const PartitionRoute& p, const Call& call, bool idempotent) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(request_timeout_ms_);
  paxos::NodeId target = LeaderHint(p);
  size_t next_member = 0;
  auto backoff = std::chrono::microseconds(500);
  for (;;) {
    NodeReply r = CallNode(target, call);
    if (r.status.ok()) SetLeaderHint(p.group, target);
    bool retry = r.status.IsUnavailable() || (idempotent && r.status.IsUncertain());
    if (!retry || Clock::now() >= deadline) return r;
    if (r.leader_hint != 0 && r.leader_hint != target) {
      target = r.leader_hint;
      SetLeaderHint(p.group, target);
      continue;
    }
    // No leader known (an election is under way), the target is down, or it
    // did not answer (cut off by a partition): wait a little, then ask
    // another member.
    backoffs_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::microseconds(50000));
    const paxos::NodeId failed = target;
    for (size_t i = 0; i < p.members.size() && target == failed; ++i) {
      target = p.members[next_member++ % p.members.size()];
    }
  }
}

NodeReply Router::ToAnyReplica(const PartitionRoute& p, const Call& call) {
  size_t start = next_pick_.fetch_add(1, std::memory_order_relaxed);
  NodeReply r;
  for (size_t i = 0; i < p.members.size(); ++i) {
    r = CallNode(p.members[(start + i) % p.members.size()], call);
    if (!r.status.IsUnavailable() && !r.status.IsUncertain()) return r;  // reads may be retried
  }
  return ToLeader(p, call);
}

}  // namespace ddb::cluster
