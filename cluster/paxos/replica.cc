// Replica: construction, the public API, the Ready cycle, ticks and the
// helpers both Paxos phases share. Elections are in replica_phase1.cc,
// replication in replica_phase2.cc; the protocol is described in replica.h.
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
  bool member = false;
  for (NodeId id : config_.members) {
    if (id == config_.self) {
      member = true;
    } else {
      peers_.push_back(Peer{id});
    }
  }
  CHECK(member);
  quorum_ = config_.members.size() / 2 + 1;

  durable_ = state.hard_state;
  promised_ = durable_.promised;
  commit_lsn_ = durable_.commit_lsn;
  trim_lsn_ = durable_.trim_lsn;
  applied_lsn_ = state.applied_lsn;
  handed_out_lsn_ = applied_lsn_;
  for (const Record& r : state.records) {
    CHECK(r.lsn == log_.last_lsn() + 1);  // sorted, no holes
    log_.Put(r);
  }
  // Committed records not yet applied must be there to hand out again.
  CHECK(applied_lsn_ <= commit_lsn_);
  CHECK(log_.first_lsn() <= applied_lsn_ + 1 && log_.last_lsn() >= commit_lsn_);
  match_lsn_ = commit_lsn_;
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

void Replica::Impl::ResetElectionTimer() {
  election_elapsed_ = 0;
  election_timeout_ =
      config_.election_ticks + static_cast<int>(rng_.Uniform(config_.election_ticks));
}

// Promising a higher ballot is always safe; whatever we were doing at a lower
// one is over. Our match with the new leader restarts at our commit LSN.
void Replica::Impl::AdoptBallot(Ballot b) {
  if (b <= promised_) return;
  if (role_ == Role::kLeader) AbandonProposals();
  role_ = Role::kFollower;
  promised_ = b;
  hard_state_dirty_ = true;
  leader_ = 0;
  match_lsn_ = commit_lsn_;
  recovered_.clear();
  flush_accepts_ = false;
}

void Replica::Impl::AbandonProposals() {
  for (Lsn lsn : proposals_) {
    if (lsn > commit_lsn_) abandoned_.push_back(lsn);
  }
  proposals_.clear();
}

void Replica::Impl::WriteRecord(Record r) {
  CHECK(r.lsn > commit_lsn_);  // committed records never change
  dirty_.insert(r.lsn);
  log_.Put(std::move(r));
}

void Replica::Impl::SetCommit(Lsn lsn) {
  if (lsn <= commit_lsn_) return;
  CHECK(lsn <= log_.last_lsn());
  commit_lsn_ = lsn;
  hard_state_dirty_ = true;
  proposals_.erase(proposals_.begin(), proposals_.upper_bound(lsn));
}

void Replica::Impl::SetTrim(Lsn lsn) {
  if (lsn > commit_lsn_) lsn = commit_lsn_;
  if (lsn <= trim_lsn_) return;
  trim_lsn_ = lsn;
  hard_state_dirty_ = true;
  DropApplied();
}

// Leases (a later issue) go here: a leader will also step down when it has
// not heard from a majority within its lease, and a follower will not
// campaign (pre-vote) while it still hears a leader's lease.
void Replica::Impl::Tick() {
  if (role_ == Role::kLeader) {
    if (++heartbeat_elapsed_ < config_.heartbeat_ticks) return;
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeats();
    return;
  }
  if (++election_elapsed_ < election_timeout_) return;
  if (config_.auto_elect) {
    Campaign();
  } else if (role_ == Role::kCandidate) {
    role_ = Role::kFollower;  // give up; only Campaign() tries again
    recovered_.clear();
    ResetElectionTimer();
  }
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
         handed_out_lsn_ < commit_lsn_ || !abandoned_.empty() || AnyPeerSendable();
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
    BroadcastHeartbeats();
    notified_commit_ = commit_lsn_;
  }
  Ready ready;
  if (hard_state_dirty_) ready.hard_state = HardState{promised_, commit_lsn_, trim_lsn_};
  hard_state_dirty_ = false;
  for (Lsn lsn : dirty_) ready.entries.push_back(log_.At(lsn));
  dirty_.clear();
  ready.messages.swap(outbox_);
  while (handed_out_lsn_ < commit_lsn_ && ready.committed.size() < kMaxCommittedPerReady) {
    ready.committed.push_back(log_.At(++handed_out_lsn_));
  }
  ready.abandoned.swap(abandoned_);
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
  DropApplied();
}

// --- Replica: the public API forwards to Impl. ---

Replica::Replica(const ReplicaConfig& config, const PersistedState& state)
    : impl_(std::make_unique<Impl>(config, state)) {}
Replica::~Replica() = default;
Replica::Replica(Replica&&) noexcept = default;
Replica& Replica::operator=(Replica&&) noexcept = default;

Result<Lsn> Replica::Propose(std::string data) { return impl_->Propose(std::move(data)); }
void Replica::Campaign() { impl_->Campaign(); }
void Replica::Tick() { impl_->Tick(); }
bool Replica::HasReady() const { return impl_->HasReady(); }
Ready Replica::TakeReady() { return impl_->TakeReady(); }
void Replica::Advance(const Ready& ready) { impl_->Advance(ready); }

void Replica::Step(const Message& m) {
  Impl& r = *impl_;
  if (m.group != r.config_.group || m.to != r.config_.self || r.FindPeer(m.from) == nullptr) {
    return;  // not ours
  }
  switch (m.type) {
    case Message::Type::kPrepare: r.HandlePrepare(m); break;
    case Message::Type::kPromise: r.HandlePromise(m); break;
    case Message::Type::kAccept: r.HandleAccept(m); break;
    case Message::Type::kAccepted: r.HandleAccepted(m); break;
    case Message::Type::kHeartbeat: r.HandleHeartbeat(m); break;
    case Message::Type::kHeartbeatAck: r.HandleHeartbeatAck(m); break;
  }
}

bool Replica::IsLeader() const { return impl_->role_ == Role::kLeader; }
NodeId Replica::leader_hint() const {
  return IsLeader() ? impl_->config_.self : impl_->leader_;
}
Ballot Replica::ballot() const { return impl_->promised_; }
Lsn Replica::commit_lsn() const { return impl_->commit_lsn_; }
Lsn Replica::applied_lsn() const { return impl_->applied_lsn_; }
Lsn Replica::last_lsn() const { return impl_->log_.last_lsn(); }
Lsn Replica::trim_lsn() const { return impl_->trim_lsn_; }

}  // namespace ddb::paxos
