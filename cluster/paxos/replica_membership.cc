// Replica, membership: which configuration is in force where, proposing a
// change, the leader's set of peers, snapshots for members added after the
// log was trimmed, and removal (see "Configurations" in replica.h).
#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

const Configuration* Replica::Impl::ConfigAt(Lsn lsn) const {
  auto it = configs_.upper_bound(lsn);
  if (it == configs_.begin()) return nullptr;
  return &std::prev(it)->second;
}

// A follower's log equals its leader's through match, so the configuration
// there is its leader's; records above it may be stale.
Lsn Replica::Impl::ConfigPoint() const {
  return role_ == Role::kLeader ? log_.last_lsn() : std::max(match_lsn_, commit_lsn_);
}

std::vector<InForce> Replica::Impl::ActiveConfigs() const {
  std::vector<InForce> out;
  if (const Configuration* committed = ConfigAt(commit_lsn_)) {
    out.push_back({commit_lsn_, committed});
  }
  for (auto it = configs_.upper_bound(commit_lsn_); it != configs_.end(); ++it) {
    out.push_back({it->first, &it->second});
  }
  return out;
}

bool Replica::Impl::InActiveConfigs(NodeId id) const {
  for (const InForce& f : ActiveConfigs()) {
    if (f.config->Contains(id)) return true;
  }
  return false;
}

bool Replica::Impl::Votes(NodeId id, Lsn at) const {
  if (id == config_.self) return true;
  const Peer* p = FindPeer(id);
  return p != nullptr && p->joined_lsn <= at;
}

bool Replica::Impl::CanLead() const {
  if (removed_ || commit_lsn_ < config_.joined_lsn) return false;
  const Configuration* c = ConfigAt(commit_lsn_);
  return c != nullptr && c->IsFull(config_.self);
}

// The record goes right after a fully committed log (see "Configurations"
// in replica.h): when the log is not committed yet, the change is queued at
// the next LSN and writes are held until it can be appended.
Result<Lsn> Replica::Impl::ProposeConfig(Configuration next) {
  if (role_ != Role::kLeader) return Status::Unavailable("not the leader");
  auto pending = configs_.upper_bound(commit_lsn_);
  if (queued_config_ || pending != configs_.end()) {
    Lsn at = queued_config_ ? queued_config_lsn_ : pending->first;
    return Status::Busy("a configuration change is in progress: the one at LSN " +
                        std::to_string(at) + " is not committed yet");
  }
  RETURN_IF_ERROR(ValidateConfigurationChange(*ConfigAt(log_.last_lsn()), next));
  if (!next.IsFull(config_.self)) {
    return Status::InvalidArgument("configuration: the leader cannot remove or demote itself");
  }
  queued_config_ = std::move(next);
  queued_config_lsn_ = log_.last_lsn() + 1;
  MaybeAppendQueuedConfig();
  return queued_config_lsn_;
}

void Replica::Impl::MaybeAppendQueuedConfig() {
  if (!queued_config_ || role_ != Role::kLeader || commit_lsn_ != log_.last_lsn()) return;
  CHECK(queued_config_lsn_ == log_.last_lsn() + 1);  // writes were held
  WriteRecord(Record{queued_config_lsn_, promised_, EncodeConfiguration(*queued_config_),
                     RecordKind::kConfig});
  proposals_.insert(queued_config_lsn_);
  queued_config_.reset();
  SyncLeaderPeers();
  flush_accepts_ = true;
}

void Replica::Impl::NoteRecord(const Record& r) {
  if (r.kind != RecordKind::kConfig) {
    configs_.erase(r.lsn);
    return;
  }
  Result<Configuration> c = DecodeConfiguration(r.data);
  CHECK(c.ok());  // records are checksummed on disk and in transit
  configs_[r.lsn] = c.take();
}

// The leader's peers are the members of the configurations in force from its
// commit LSN on. A new one starts from our first in-memory record; its
// answers tell where it really is.
void Replica::Impl::SyncLeaderPeers() {
  std::vector<Peer> kept;
  for (const InForce& f : ActiveConfigs()) {
    for (const Member& m : f.config->members) {
      if (m.id == config_.self) continue;
      bool have = false;
      for (const Peer& p : kept) have = have || p.id == m.id;
      if (have) continue;
      if (const Peer* old = FindPeer(m.id)) {
        kept.push_back(*old);
        continue;
      }
      Peer p{m.id};
      p.next = log_.first_lsn();
      p.heard_tick = now_;  // check-quorum grace
      if (role_ == Role::kLeader) p.since_tick = static_cast<int64_t>(now_);
      kept.push_back(p);
    }
  }
  peers_.swap(kept);
}

// A committed configuration may remove members (a leader stops sending to
// them and tells them) or this replica.
void Replica::Impl::OnCommitMoved(Lsn old_commit) {
  CheckRemoved();
  if (role_ != Role::kLeader) return;
  if (configs_.upper_bound(old_commit) == configs_.upper_bound(commit_lsn_)) return;
  std::vector<NodeId> before;
  for (const Peer& p : peers_) before.push_back(p.id);
  SyncLeaderPeers();
  for (NodeId id : before) {
    if (FindPeer(id) == nullptr) SendRemoved(id);
  }
}

void Replica::Impl::CheckRemoved() {
  if (removed_ || commit_lsn_ < config_.joined_lsn) return;
  const Configuration* c = ConfigAt(commit_lsn_);
  if (c != nullptr && !c->Contains(config_.self)) MarkRemoved();
}

void Replica::Impl::MarkRemoved() {
  LeaveLeadership();
  removed_ = true;
  role_ = Role::kFollower;
  leader_ = 0;
  prevoting_ = false;
  flush_accepts_ = false;
  peers_.clear();
  recovered_.clear();
  recovered_configs_.clear();
}

// Keeps only the configuration in force at applied_lsn_ and later ones.
void Replica::Impl::FoldConfigs() {
  auto it = configs_.upper_bound(applied_lsn_);
  if (it == configs_.begin()) return;
  configs_.erase(configs_.begin(), std::prev(it));
}

// `lsn` names the committed configuration without us: the LSN from which it
// is known to be in force, at least its record's LSN.
void Replica::Impl::SendRemoved(NodeId to) {
  auto it = configs_.upper_bound(commit_lsn_);
  if (it == configs_.begin()) return;
  Message m = NewMessage(Message::Type::kRemoved, to);
  m.lsn = std::prev(it)->first;
  m.commit_lsn = commit_lsn_;
  Send(std::move(m));
}

// Believed unless we know a configuration newer than the one it names (we
// were added again since), or it predates our own addition.
void Replica::Impl::HandleRemoved(const Message& m) {
  if (configs_.empty() || m.lsn < config_.joined_lsn) return;
  auto newest = configs_.rbegin();
  if (newest->first > m.lsn) return;
  if (newest->first == m.lsn && newest->second.Contains(config_.self)) return;
  MarkRemoved();
}

void Replica::Impl::HandleSnapshot(const Message& m) {
  if (m.ballot < promised_ || !FollowLeader(m)) {
    return Reply(Message::Type::kHeartbeatAck, m, /*reject=*/true);
  }
  if (match_lsn_ < m.lsn) {
    snapshot_request_ = SnapshotRequest{m.from, m.lsn};
    snapshot_message_ = m;
  }
  LearnCommit(m);
  Reply(Message::Type::kHeartbeatAck, m, /*reject=*/false);
}

// The driver holds the applied state through `lsn`, which is committed: drop
// what it covers and go on from there. Records above it are kept (they may
// be accepted values the group counts on).
void Replica::Impl::InstallSnapshot(Lsn lsn, const Configuration& configuration) {
  if (removed_ || role_ != Role::kFollower || lsn <= applied_lsn_) return;
  CHECK(ValidateConfiguration(configuration).ok());
  dirty_.erase(dirty_.begin(), dirty_.upper_bound(lsn));
  if (lsn >= log_.last_lsn()) {
    log_ = MemoryLog(lsn + 1);
  } else {
    log_.DropThrough(lsn);
  }
  applied_lsn_ = lsn;
  handed_out_lsn_ = lsn;
  if (commit_lsn_ < lsn) {
    commit_lsn_ = lsn;
    hard_state_dirty_ = true;
  }
  match_lsn_ = std::max(match_lsn_, lsn);
  configs_.erase(configs_.begin(), configs_.upper_bound(lsn));
  configs_[lsn] = configuration;
  snapshot_request_.reset();
  CheckRemoved();
  // Tell the leader at once rather than at its next heartbeat.
  if (!removed_ && snapshot_message_.ballot == promised_) {
    Reply(Message::Type::kHeartbeatAck, snapshot_message_, /*reject=*/false);
  }
}

}  // namespace ddb::paxos
