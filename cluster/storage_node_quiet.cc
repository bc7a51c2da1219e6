// StorageNode, quiet groups: sleeping replicas, the per-node heartbeats that
// watch over them, consistent reads that wait for a lease, and requests that
// wait for an election (see "Quiet groups" in storage_node.h and
// "Quiescence" in paxos/replica.h).
#include <algorithm>

#include "cluster/storage_node.h"

namespace ddb::cluster {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

// A sleeping replica missed every node tick since it fell asleep; its leader
// is alive unless that is another node we no longer hear, or `gone` (a node
// that just restarted: its replicas lead nothing).
void StorageNode::Wake(Group* g, paxos::NodeId gone) {
  if (!g->asleep) return;
  const paxos::NodeId leader = g->replica->leader_hint();
  bool leader_alive = leader != 0 && leader != gone;
  if (leader_alive && leader != options_.id) {
    auto it = peer_nodes_.find(leader);
    leader_alive = it == peer_nodes_.end() || it->second.alive;
  }
  g->replica->Wake(node_tick_ - g->asleep_since, leader_alive);
  g->asleep = false;
  awake_.insert(g->row.group);
  ++group_changes_;
}

// After each round: a quiet replica with nothing left to do falls asleep.
void StorageNode::SleepQuietGroups() {
  for (auto it = awake_.begin(); it != awake_.end();) {
    Group& g = groups_.at(*it);
    if (!g.replica->quiescent() || g.replica->HasReady() || !g.pending.empty() || !g.after_commit.empty() ||
        !g.delayed.empty() || !g.parked.empty() || g.snapshot_in_flight) {
      ++it;
      continue;
    }
    g.asleep = true;
    g.asleep_since = node_tick_;
    it = awake_.erase(it);
  }
  const uint64_t still = awake_.empty() ? group_changes_ : 0;
  if (still != stillness_.load(std::memory_order_relaxed)) stillness_.store(still, std::memory_order_release);
}

void StorageNode::SendNodeHeartbeats() {
  for (const auto& [id, peer] : peer_nodes_) {
    paxos::Message m;
    m.type = paxos::Message::Type::kHeartbeat;
    m.group = kNodeHeartbeatGroup;
    m.from = options_.id;
    m.to = id;
    m.ballot = incarnation_;
    transport_->Send(std::move(m));
  }
}

void StorageNode::NoteHeartbeat(paxos::NodeId from, uint64_t incarnation) {
  bool restarted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (off_) return;  // dropped, as every message to a node that is off
    Heard& h = heard_[from];
    restarted = h.incarnation != incarnation;
    h.incarnation = incarnation;
    h.fresh = any_heard_ = true;
    wake_for_heard_ = wake_for_heard_ || restarted;
    // A node whose thread waits to be made (Start's defer_thread): the
    // peers' heartbeats are its clock.
    if (thread_deferred_ && !inbox_.empty() && std::chrono::steady_clock::now() - first_post_ >= deferred_grace_) {
      StartDeferredThreadLocked();
    }
  }
  if (restarted) cv_.notify_one();
}

void StorageNode::TakeHeard(std::vector<std::pair<paxos::NodeId, uint64_t>>* heard) {
  any_heard_ = wake_for_heard_ = false;
  for (auto& [id, h] : heard_) {
    if (!h.fresh) continue;
    h.fresh = false;
    heard->emplace_back(id, h.incarnation);
  }
}

void StorageNode::HearNode(paxos::NodeId from, uint64_t incarnation) {
  auto it = peer_nodes_.find(from);
  if (it == peer_nodes_.end()) return;
  PeerNode& p = it->second;
  const bool restarted = p.incarnation != 0 && p.incarnation != incarnation;
  p.heard_tick = node_tick_;
  p.incarnation = incarnation;
  p.alive = true;
  if (restarted) WakeGroupsWith(from);
}

// A peer silent for an election timeout is taken for dead, once.
void StorageNode::WatchPeers() {
  for (auto& [id, p] : peer_nodes_) {
    if (!p.alive || node_tick_ - p.heard_tick < static_cast<uint64_t>(options_.election_ticks)) continue;
    p.alive = false;
    WakeGroupsWith(id);
  }
}

// Rare (a node died, was cut off or restarted), so a walk over every group.
void StorageNode::WakeGroupsWith(paxos::NodeId node) {
  for (auto& [id, g] : groups_) {
    if (g.asleep && g.replica->configuration().Contains(node)) Wake(&g, node);
  }
}

bool StorageNode::WaitForLease(Group* g, const ReplyFn& done) {
  if (g->replica->CanServeConsistentRead()) return false;
  // Our own election under way: its outcome first (then a lease, if won).
  if (!g->replica->IsLeader() && g->replica->leader_hint() == 0 && WaitForElection(g, done)) return true;
  const auto now = Clock::now();
  // A request parked for the first time may wait an election timeout.
  const auto deadline = running_deadline_ != Clock::time_point{}
                            ? running_deadline_
                            : now + std::chrono::milliseconds(options_.tick_ms * options_.election_ticks);
  if (!g->replica->IsLeader() || running_ == nullptr || now >= deadline) {
    done(Reply(Status::Unavailable("no leader with a valid lease here"),
               g->replica->IsLeader() ? 0 : g->replica->leader_hint()));
    return true;
  }
  Wake(g);  // a quiet leader asks its followers at once
  return Park(g, Group::ParkedRequest{deadline, *running_, done});
}

bool StorageNode::Park(Group* g, Group::ParkedRequest request) {
  g->parked.push_back(std::move(request));
  parked_groups_.insert(g->row.group);
  return true;
}

// Decided: no election of this replica's under way, and if it won, its
// opening record applied (it takes writes).
bool StorageNode::ElectionDecided(const Group& g) {
  return !g.replica->Campaigning() && (!g.replica->IsLeader() || g.replica->OpeningApplied());
}

bool StorageNode::WaitForElection(Group* g, const ReplyFn& done) {
  if (ElectionDecided(*g) || running_ == nullptr) return false;
  const auto now = Clock::now();
  // An election timeout, but well within the router's wait for an answer.
  const auto wait = std::chrono::milliseconds(std::min(options_.tick_ms * options_.election_ticks, 1000));
  const auto deadline = running_deadline_ != Clock::time_point{} ? running_deadline_ : now + wait;
  if (now >= deadline) return false;
  return Park(g, Group::ParkedRequest{deadline, *running_, done, Group::ParkedRequest::For::kElection});
}

bool StorageNode::WaitForApplied(Group* g, const ReplyFn& done) {
  const paxos::Lsn commit = g->replica->commit_lsn();
  // Parked once only: a read run again does not wait for later commits.
  if (g->replica->applied_lsn() >= commit || running_ == nullptr || running_deadline_ != Clock::time_point{}) {
    return false;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.tick_ms * options_.election_ticks);
  return Park(g, Group::ParkedRequest{deadline, *running_, done, Group::ParkedRequest::For::kApplied, commit});
}

// Parked reads run again once the lease is back, leadership is lost, or
// their time is up (then they are refused, as before waiting); parked
// writes once the election they wait for is decided, either way.
void StorageNode::RunParked() {
  if (parked_groups_.empty()) return;
  const auto now = Clock::now();
  std::vector<Group::ParkedRequest> ready;
  for (auto it = parked_groups_.begin(); it != parked_groups_.end();) {
    Group* g = FindGroup(*it);
    if (g != nullptr) {
      const bool lease_settled = g->replica->CanServeConsistentRead() || !g->replica->IsLeader();
      const bool election_settled = ElectionDecided(*g);
      auto& requests = g->parked;
      for (auto w = requests.begin(); w != requests.end();) {
        bool settled = lease_settled;
        if (w->what == Group::ParkedRequest::For::kElection) settled = election_settled;
        if (w->what == Group::ParkedRequest::For::kApplied) settled = g->replica->applied_lsn() >= w->applied;
        if (settled || now >= w->deadline) {
          ready.push_back(std::move(*w));
          w = requests.erase(w);
        } else {
          ++w;
        }
      }
      if (!requests.empty()) {
        ++it;
        continue;
      }
    }
    it = parked_groups_.erase(it);
  }
  for (Group::ParkedRequest& w : ready) {
    running_ = &w.fn;
    running_deadline_ = w.deadline;
    w.fn(std::move(w.reply));
    running_ = nullptr;
  }
}

}  // namespace ddb::cluster
