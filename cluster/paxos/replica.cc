// Replica: construction, the public API, the Ready cycle and the helpers
// every part shares. Elections are in replica_phase1.cc, replication in
// replica_phase2.cc, time (leases, check-quorum, pre-vote) in
// replica_timers.cc, configurations in replica_membership.cc; the protocol
// is described in replica.h.
#include "cluster/paxos/replica.h"

#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

namespace {

// The first LSN the restored in-memory log holds.
Lsn FirstLsn(const PersistedState& state) {
  return state.records.empty() ? state.applied_lsn + 1 : state.records.front().lsn;
}

}  // namespace

Replica::Impl::Impl(const ReplicaConfig& config, const PersistedState& state)
    : config_(config),
      rng_(config.random_seed ^ (0x9E3779B97F4A7C15ull * (uint64_t{config.self} + 1))),
      log_(FirstLsn(state)) {
  CHECK(config_.self != 0);
  CHECK(config_.election_ticks > 0);
  if (config_.heartbeat_ticks < 1) config_.heartbeat_ticks = 1;
  if (config_.lease_ticks <= 0) config_.lease_ticks = config_.election_ticks * 3 / 4;
  CHECK(config_.lease_ticks < config_.election_ticks);

  durable_ = state.hard_state;
  promised_ = durable_.promised;
  commit_lsn_ = durable_.commit_lsn;
  trim_lsn_ = durable_.trim_lsn;
  applied_lsn_ = state.applied_lsn;
  if (commit_lsn_ < applied_lsn_) {
    // A snapshot was installed and the process stopped before the hard
    // state that goes with it was written: what is applied is committed.
    commit_lsn_ = applied_lsn_;
    hard_state_dirty_ = true;
  }
  handed_out_lsn_ = applied_lsn_;
  for (const Record& r : state.records) {
    CHECK(r.lsn == log_.last_lsn() + 1);  // sorted, no holes
    log_.Put(r);
  }
  // Committed records not yet applied must be there to hand out again.
  CHECK(log_.first_lsn() <= applied_lsn_ + 1 && log_.last_lsn() >= commit_lsn_);

  if (!state.configuration.empty()) {
    configs_[applied_lsn_] = state.configuration;
  } else if (config_.joined_lsn == 0) {
    Configuration first = Configuration::AllFull(config_.members);
    CHECK(first.Contains(config_.self));
    configs_[applied_lsn_] = std::move(first);
  }
  for (Lsn lsn = std::max(applied_lsn_ + 1, log_.first_lsn()); lsn <= log_.last_lsn(); ++lsn) {
    NoteRecord(log_.At(lsn));
  }
  match_lsn_ = commit_lsn_;
  // We may have acknowledged a leader just before we stopped: honour the
  // lease we may have granted (see replica.h) — unless every member restarted
  // at once, when no such lease can still be in force.
  if (promised_ > 0 && config_.lease_ticks > 0 && !config_.whole_group_restarted) {
    promise_after_tick_ = config_.lease_ticks + 1;
  }
  CheckRemoved();
  ResetElectionTimer();
}

Message Replica::Impl::NewMessage(Message::Type type, NodeId to) const {
  Message m;
  m.type = type;
  m.group = config_.group;
  m.from = config_.self;
  m.to = to;
  m.ballot = promised_;
  return m;
}

Peer* Replica::Impl::FindPeer(NodeId id) {
  for (Peer& p : peers_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const Peer* Replica::Impl::FindPeer(NodeId id) const {
  for (const Peer& p : peers_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

// Promising a higher ballot is always safe; whatever we were doing at a lower
// one is over. Our match with the new leader restarts at our commit LSN.
void Replica::Impl::AdoptBallot(Ballot b) {
  if (b <= promised_) return;
  LeaveLeadership();
  role_ = Role::kFollower;
  promised_ = b;
  hard_state_dirty_ = true;
  leader_ = 0;
  match_lsn_ = commit_lsn_;
  recovered_.clear();
  recovered_configs_.clear();
  flush_accepts_ = false;
  prevoting_ = false;
}

void Replica::Impl::AbandonProposals() {
  for (Lsn lsn : proposals_) {
    if (lsn > commit_lsn_) abandoned_.push_back(lsn);
  }
  proposals_.clear();
  if (queued_config_) abandoned_.push_back(queued_config_lsn_);
  queued_config_.reset();
}

void Replica::Impl::WriteRecord(Record r) {
  CHECK(r.lsn > commit_lsn_);  // committed records never change
  dirty_.insert(r.lsn);
  Lsn lsn = r.lsn;
  log_.Put(std::move(r));
  NoteRecord(log_.At(lsn));
}

void Replica::Impl::SetCommit(Lsn lsn) {
  if (lsn <= commit_lsn_) return;
  CHECK(lsn <= log_.last_lsn());
  Lsn old = commit_lsn_;
  commit_lsn_ = lsn;
  hard_state_dirty_ = true;
  proposals_.erase(proposals_.begin(), proposals_.upper_bound(lsn));
  OnCommitMoved(old);
}

void Replica::Impl::SetTrim(Lsn lsn) {
  if (lsn > commit_lsn_) lsn = commit_lsn_;
  if (lsn <= trim_lsn_) return;
  trim_lsn_ = lsn;
  hard_state_dirty_ = true;
  DropApplied();
}

bool Replica::Impl::AnyPeerSendable() const {
  if (role_ != Role::kLeader || !flush_accepts_) return false;
  for (const Peer& p : peers_) {
    if (Sendable(p)) return true;
  }
  return false;
}

bool Replica::Impl::HasReady() const {
  return hard_state_dirty_ || !dirty_.empty() || !outbox_.empty() ||
         handed_out_lsn_ < commit_lsn_ || !abandoned_.empty() || snapshot_request_ ||
         AnyPeerSendable();
}

// A replica applies items at LSN x unless it is a log replica there; while
// it does not know its configuration it applies them (extra work only).
bool Replica::Impl::AppliesItemsAt(Lsn lsn) const {
  const Configuration* c = ConfigAt(lsn);
  if (c == nullptr) return true;
  const Member* m = c->Find(config_.self);
  return m == nullptr || m->role == MemberRole::kFull;
}

Ready Replica::Impl::TakeReady() {
  if (flush_accepts_ && role_ == Role::kLeader) {
    for (Peer& p : peers_) SendAccepts(p);
  }
  flush_accepts_ = false;
  // Tell followers at once when the commit LSN moved, rather than at the next
  // heartbeat, so that they apply (and serve eventually consistent reads of)
  // a write within one message delay. One notice per Ready, not per ack.
  if (role_ == Role::kLeader && commit_lsn_ > notified_commit_) {
    BroadcastHeartbeats(/*timed=*/false);
    notified_commit_ = commit_lsn_;
  }
  Ready ready;
  if (hard_state_dirty_) ready.hard_state = HardState{promised_, commit_lsn_, trim_lsn_};
  hard_state_dirty_ = false;
  for (Lsn lsn : dirty_) ready.entries.push_back(log_.At(lsn));
  dirty_.clear();
  ready.messages.swap(outbox_);
  // One Ready never spans a change of this replica's role.
  while (handed_out_lsn_ < commit_lsn_ && ready.committed.size() < kMaxCommittedPerReady) {
    Lsn lsn = handed_out_lsn_ + 1;
    bool items = AppliesItemsAt(lsn);
    if (ready.committed.empty()) {
      ready.apply_items = items;
    } else if (items != ready.apply_items) {
      break;
    }
    ready.committed.push_back(log_.At(lsn));
    handed_out_lsn_ = lsn;
  }
  ready.abandoned.swap(abandoned_);
  ready.snapshot = snapshot_request_;
  snapshot_request_.reset();
  return ready;
}

// The leader counts its own acceptance of a record only once it is persisted
// at the leader's ballot, in order: entries come sorted by LSN.
void Replica::Impl::Advance(const Ready& ready) {
  if (ready.hard_state) durable_ = *ready.hard_state;
  if (role_ == Role::kLeader) {
    for (const Record& e : ready.entries) {
      if (e.lsn == self_match_ + 1 && e.ballot == promised_) self_match_ = e.lsn;
    }
  }
  if (!ready.committed.empty()) {
    CHECK(ready.committed.front().lsn == applied_lsn_ + 1);
    applied_lsn_ = ready.committed.back().lsn;
  }
  if (role_ == Role::kLeader) {
    AdvanceLeaderCommit();
    UpdateLeaderTrim();
  }
  FoldConfigs();
  DropApplied();
}

void Replica::Impl::Step(const Message& m) {
  if (removed_) return;
  if (m.group != config_.group || m.to != config_.self || m.from == 0 || m.from == config_.self) {
    return;  // not ours
  }
  switch (m.type) {
    case Message::Type::kPrepare: return HandlePrepare(m);
    case Message::Type::kPromise: return HandlePromise(m);
    case Message::Type::kAccept: return HandleAccept(m);
    case Message::Type::kAccepted: return HandleAccepted(m);
    case Message::Type::kHeartbeat: return HandleHeartbeat(m);
    case Message::Type::kHeartbeatAck: return HandleHeartbeatAck(m);
    case Message::Type::kPreVote: return HandlePreVote(m);
    case Message::Type::kPreVoteResponse: return HandlePreVoteResponse(m);
    case Message::Type::kSnapshot: return HandleSnapshot(m);
    case Message::Type::kRemoved: return HandleRemoved(m);
  }
}

// --- Replica: the public API forwards to Impl. ---

Replica::Replica(const ReplicaConfig& config, const PersistedState& state)
    : impl_(std::make_unique<Impl>(config, state)) {}
Replica::~Replica() = default;
Replica::Replica(Replica&&) noexcept = default;
Replica& Replica::operator=(Replica&&) noexcept = default;

// A quiet replica reached without Wake wakes as if no tick was missed: its
// clock is behind, which only makes it wait longer before promising.
Result<Lsn> Replica::Propose(std::string data) {
  impl_->Wake(0, true);
  return impl_->Propose(std::move(data));
}
Result<Lsn> Replica::ProposeConfig(Configuration next) {
  impl_->Wake(0, true);
  return impl_->ProposeConfig(std::move(next));
}
void Replica::Campaign() {
  impl_->Wake(0, true);
  impl_->Campaign();
}
void Replica::LeadNewGroup() {
  impl_->Wake(0, true);
  impl_->LeadNewGroup();
}
void Replica::Step(const Message& m) {
  impl_->Wake(0, true);
  impl_->Step(m);
}
void Replica::Tick() { impl_->Tick(); }
bool Replica::quiescent() const { return impl_->quiescent_; }
void Replica::Wake(uint64_t ticks_missed, bool leader_alive) { impl_->Wake(ticks_missed, leader_alive); }
bool Replica::HasReady() const { return impl_->HasReady(); }
Ready Replica::TakeReady() { return impl_->TakeReady(); }
void Replica::Advance(const Ready& ready) { impl_->Advance(ready); }
void Replica::InstallSnapshot(Lsn lsn, const Configuration& configuration) {
  impl_->Wake(0, true);
  impl_->InstallSnapshot(lsn, configuration);
}

bool Replica::IsLeader() const { return impl_->role_ == Role::kLeader; }
bool Replica::Campaigning() const { return impl_->role_ == Role::kCandidate || impl_->prevoting_; }
bool Replica::CanServeConsistentRead() const { return impl_->CanServeConsistentRead(); }
bool Replica::OpeningApplied() const {
  return impl_->role_ == Role::kLeader && !impl_->removed_ && impl_->applied_lsn_ >= impl_->opening_lsn_;
}
int Replica::lease_ticks_left() const {
  if (!impl_->LeaseValid()) return 0;
  return static_cast<int>(impl_->LeaseStart() + impl_->config_.lease_ticks -
                          static_cast<int64_t>(impl_->now_));
}
NodeId Replica::leader_hint() const {
  return IsLeader() ? impl_->config_.self : impl_->leader_;
}
Ballot Replica::ballot() const { return impl_->promised_; }
Lsn Replica::commit_lsn() const { return impl_->commit_lsn_; }
Lsn Replica::applied_lsn() const { return impl_->applied_lsn_; }
Lsn Replica::last_lsn() const { return impl_->log_.last_lsn(); }
Lsn Replica::trim_lsn() const { return impl_->trim_lsn_; }
bool Replica::removed() const { return impl_->removed_; }

const Configuration& Replica::configuration() const {
  static const Configuration kUnknown;
  const Configuration* c = impl_->Effective();
  return c != nullptr ? *c : kUnknown;
}

}  // namespace ddb::paxos
