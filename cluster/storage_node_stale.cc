// StorageNode, stale reads on request: a follower applies committed records
// a set time late, so that the eventually consistent reads it serves can
// miss recent writes, as DynamoDB's can. Nothing else changes: records are
// persisted and acknowledged at once (the write quorum is not slowed), a
// leader applies at once and first applies anything still queued (before a
// write, a read-modify-write step or a consistent read), and after a restart
// the queue is replayed from the WAL (the store's applied LSN lags with it).
#include <cstdio>

#include "cluster/storage_node.h"

namespace ddb::cluster {

Status StorageNode::ApplyCommitted(Group* g, const paxos::Record& r, bool apply_items) {
  const int delay_ms = stale_read_ms_.load();
  // A log replica's records change no items: nothing to hold back.
  if (delay_ms > 0 && !g->replica->IsLeader() && apply_items) {
    g->delayed.emplace_back(std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms), r);
    return Status::Ok();
  }
  RETURN_IF_ERROR(ApplyDelayed(g, /*all=*/true));
  return store_->Apply(g->row.group, r, apply_items);
}

Status StorageNode::ApplyDelayed(Group* g, bool all) {
  const auto now = std::chrono::steady_clock::now();
  while (!g->delayed.empty() && (all || g->delayed.front().first <= now)) {
    RETURN_IF_ERROR(store_->Apply(g->row.group, g->delayed.front().second, !g->row.log_replica));
    g->delayed.pop_front();
  }
  return Status::Ok();
}

void StorageNode::ApplyDueDelayed() {
  const auto now = std::chrono::steady_clock::now();
  const bool off = stale_read_ms_.load() == 0;
  bool due = false;
  // A group with records held back never sleeps: the awake ones are enough.
  for (uint64_t id : awake_) {
    const Group& g = groups_.at(id);
    due |= !g.delayed.empty() && (off || g.replica->IsLeader() || g.delayed.front().first <= now);
  }
  if (!due) return;
  Status s = store_->Begin();
  for (auto it = awake_.begin(); s.ok() && it != awake_.end(); ++it) {
    Group& g = groups_.at(*it);
    s = ApplyDelayed(&g, off || g.replica->IsLeader());
  }
  s = s.ok() ? store_->Commit() : (store_->Rollback(), s);
  if (!s.ok()) {
    // As for the WAL: a node that cannot write its items stops the process.
    std::fprintf(stderr, "ddb-local: %s: cannot apply: %s\n", options_.name.c_str(), s.ToString().c_str());
    CHECK(false && "storage node could not apply committed records");
  }
}

}  // namespace ddb::cluster
