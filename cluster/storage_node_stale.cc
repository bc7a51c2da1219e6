// StorageNode, stale reads on request: a follower applies committed records
// a set time late, so that the eventually consistent reads it serves can
// miss recent writes, as DynamoDB's can. Nothing else changes: records are
// persisted and acknowledged at once (the write quorum is not slowed), a
// leader applies at once and first applies anything still queued (before a
// write, a read-modify-write step or a consistent read), and after a restart
// the queue is replayed from the WAL (the store's applied LSN lags with it).
//
// The same queue holds a follower's records while its group's scrub digest
// is under way (scrub_store.h, deferred digests); then they are due when
// the digest is complete, and, with stale reads off, an eventually
// consistent read applies them first (completing the digest), so that it
// sees every write the replica knows committed, as without a digest.
#include <algorithm>
#include <cstdio>

#include "cluster/storage_node.h"

namespace ddb::cluster {

Status StorageNode::ApplyCommitted(Group* g, const paxos::Record& r, bool apply_items) {
  const int delay_ms = stale_read_ms_.load();
  // A log replica's records change no items: nothing to hold back. A
  // follower's group whose digest is under way keeps its rows as they were
  // at the marker until the digest is complete, so that the reads it
  // serves meanwhile need not wait for the whole digest.
  if (apply_items && !g->replica->IsLeader() &&
      (delay_ms > 0 || store_->scrub().DigestPending(g->row.group))) {
    g->delayed.emplace_back(std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms), r);
    return Status::Ok();
  }
  RETURN_IF_ERROR(ApplyDelayed(g, /*all=*/true));
  // A leader's digest under way is completed first (NodeStore::Apply).
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

Status StorageNode::CatchUp(Group* g) {
  if (g->delayed.empty()) return Status::Ok();
  Status s = store_->Begin();
  if (s.ok()) s = ApplyDelayed(g, /*all=*/true);
  return s.ok() ? store_->Commit() : (store_->Rollback(), s);
}

void StorageNode::ApplyDueDelayed() {
  const auto now = std::chrono::steady_clock::now();
  const bool off = stale_read_ms_.load() == 0;
  auto due = [&](const Group& g) {
    if (g.delayed.empty()) return false;
    if (g.replica->IsLeader()) return true;
    return !store_->scrub().DigestPending(g.row.group) && (off || g.delayed.front().first <= now);
  };
  // A group with records held back never sleeps: the awake ones are enough.
  if (std::none_of(awake_.begin(), awake_.end(), [&](uint64_t id) { return due(groups_.at(id)); })) return;
  Status s = store_->Begin();
  for (auto it = awake_.begin(); s.ok() && it != awake_.end(); ++it) {
    Group& g = groups_.at(*it);
    if (due(g)) s = ApplyDelayed(&g, off || g.replica->IsLeader());
  }
  s = s.ok() ? store_->Commit() : (store_->Rollback(), s);
  if (!s.ok()) {
    // As for the WAL: a node that cannot write its items stops the process.
    std::fprintf(stderr, "ddb-local: %s: cannot apply: %s\n", options_.name.c_str(), s.ToString().c_str());
    CHECK(false && "storage node could not apply committed records");
  }
}

}  // namespace ddb::cluster
