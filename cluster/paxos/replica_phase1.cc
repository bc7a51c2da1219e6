// Replica, phase 1: campaigning, promising, recovering the log tail from a
// majority of every configuration of the recovery chain, and becoming leader
// (see the protocol comment in replica.h).
//
// Recovery is bounded: a Promise carries at most kMaxRecordsPerMessage
// records; when a peer's answer stops short of its last LSN the candidate
// sends the same Prepare again from where the answer stopped. A peer that
// promised our ballot cannot accept anything at or below it, so the pieces
// describe one state. The candidate wins once it holds the complete answers
// of a majority (itself included) of the configuration in force at its
// commit LSN and of every configuration recovered above it; partial answers
// from others are valid phase-1b reports too, so they are merged as well.
#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

// Campaigning promises our own ballot, so a replica bound by a lease it
// granted (or that may not lead) does not campaign.
void Replica::Impl::Campaign() {
  if (removed_ || !CanLead() || !MayPromise()) return;
  LeaveLeadership();
  role_ = Role::kCandidate;
  BeginRound();
  promised_ = MakeBallot(BallotRound(std::max(promised_, seen_ballot_)) + 1, config_.self);
  hard_state_dirty_ = true;  // persisted before the Prepares leave
  for (Lsn lsn = recover_from_; lsn <= log_.last_lsn(); ++lsn) MergeRecovered(log_.At(lsn));
  PrepareChainMembers();
  ResetElectionTimer();
  MaybeBecomeLeader();  // a group of one
}

// A new group's first leader (see replica.h): phase 1 at its ballot would
// learn nothing, so it is skipped, and so is the opening record, which
// would commit a recovered tail that cannot exist.
void Replica::Impl::LeadNewGroup() {
  if (removed_ || !CanLead() || role_ != Role::kFollower || log_.last_lsn() != 0 || commit_lsn_ != 0 ||
      config_.joined_lsn != 0 || promised_ != MakeBallot(1, config_.self)) {
    return Campaign();
  }
  BeginRound();
  ResetElectionTimer();
  BecomeLeader(/*opening_record=*/false);
}

// Forgets the leader and the state of any earlier round: where phase 1
// (and leading a new group) starts from.
void Replica::Impl::BeginRound() {
  prevoting_ = false;
  leader_ = 0;
  match_lsn_ = commit_lsn_;
  flush_accepts_ = false;
  recover_from_ = commit_lsn_ + 1;
  recovered_.clear();
  recovered_configs_.clear();
  peers_.clear();
}

// Sends a Prepare to every member of the recovery chain not asked yet.
void Replica::Impl::PrepareChainMembers() {
  const Configuration* base = ConfigAt(commit_lsn_);
  CHECK(base != nullptr);  // Campaign() required it (CanLead)
  std::vector<const Configuration*> chain = {base};
  for (const auto& [lsn, c] : recovered_configs_) chain.push_back(&c);
  for (const Configuration* c : chain) {
    for (const Member& m : c->members) {
      if (m.id == config_.self || FindPeer(m.id) != nullptr) continue;
      Peer p{m.id};
      p.promise_covered = recover_from_ - 1;
      peers_.push_back(p);
      Message prepare = NewMessage(Message::Type::kPrepare, m.id);
      prepare.lsn = recover_from_;
      Send(std::move(prepare));
    }
  }
}

void Replica::Impl::HandlePrepare(const Message& m) {
  if (m.ballot < promised_) {
    Message reject = NewMessage(Message::Type::kPromise, m.from);
    reject.reject = true;
    Send(std::move(reject));
    return;
  }
  // The memory rule keeps every record above a live candidate's commit LSN
  // (trim <= every member's persisted commit). Below our first LSN can only
  // be a stale duplicate Prepare of the leader we follow now: stay silent
  // rather than report a partial log.
  if (m.lsn < log_.first_lsn()) return;
  if (!MayPromise()) {
    // Bound by a lease we granted: no promise, even for a ballot we already
    // adopted (from a refusal, say). The reject carries a ballot not above
    // the candidate's, which it ignores.
    Message reject = NewMessage(Message::Type::kPromise, m.from);
    reject.reject = true;
    Send(std::move(reject));
    return;
  }
  if (m.ballot > promised_) AdoptBallot(m.ballot);
  if (role_ != Role::kFollower) return;  // our own ballot: cannot happen
  ResetElectionTimer();  // give the candidate time to finish
  Message promise = NewMessage(Message::Type::kPromise, m.from);
  promise.lsn = log_.last_lsn();
  promise.commit_lsn = commit_lsn_;
  promise.joined_lsn = config_.joined_lsn;
  for (Lsn lsn = m.lsn; lsn <= log_.last_lsn(); ++lsn) {
    if (promise.records.size() == kMaxRecordsPerMessage) break;
    promise.records.push_back(log_.At(lsn));
  }
  Send(std::move(promise));
}

void Replica::Impl::MergeRecovered(const Record& r) {
  if (r.lsn < recover_from_) return;
  auto it = recovered_.find(r.lsn);
  if (it != recovered_.end() && r.ballot <= it->second.ballot) return;
  recovered_[r.lsn] = r;
  recovered_configs_.erase(r.lsn);
  if (r.kind != RecordKind::kConfig) return;
  Result<Configuration> c = DecodeConfiguration(r.data);
  CHECK(c.ok());  // records are checksummed on disk and in transit
  recovered_configs_.emplace(r.lsn, c.take());
}

void Replica::Impl::HandlePromise(const Message& m) {
  seen_ballot_ = std::max(seen_ballot_, m.ballot);
  if (m.reject) {
    AdoptBallot(m.ballot);  // no-op unless it is higher than ours
    return;
  }
  if (role_ != Role::kCandidate || m.ballot != promised_) return;  // stale
  Peer* p = FindPeer(m.from);
  if (p == nullptr) return;
  p->joined_lsn = m.joined_lsn;
  for (const Record& r : m.records) MergeRecovered(r);
  if (m.lsn > p->promise_last) p->promise_last = m.lsn;
  if (!m.records.empty() && m.records.back().lsn > p->promise_covered) {
    p->promise_covered = m.records.back().lsn;
  }
  bool complete = p->promise_covered >= p->promise_last;
  if (!complete) {
    Message more = NewMessage(Message::Type::kPrepare, p->id);
    more.lsn = p->promise_covered + 1;
    Send(std::move(more));
  }
  p->recovered = p->recovered || complete;
  PrepareChainMembers();  // may add peers: p is not used after this
  MaybeBecomeLeader();
}

// The candidate leads once complete answers cover a majority of every
// configuration of the chain, and only if the last one lets it lead. A peer
// counts for a configuration only if it joined at or before it.
void Replica::Impl::MaybeBecomeLeader() {
  if (role_ != Role::kCandidate) return;
  auto majority = [this](const Configuration& c, Lsn at) {
    size_t complete = 0;
    for (const Member& m : c.members) {
      if (!Votes(m.id, at)) continue;
      complete += m.id == config_.self || FindPeer(m.id)->recovered ? 1 : 0;
    }
    return complete >= c.quorum();
  };
  const Configuration* last = ConfigAt(commit_lsn_);
  if (!majority(*last, commit_lsn_)) return;
  for (const auto& [lsn, c] : recovered_configs_) {
    if (!majority(c, lsn)) return;
    last = &c;
  }
  if (!last->IsFull(config_.self)) {
    // A later configuration removed or demoted us: another member leads.
    role_ = Role::kFollower;
    recovered_.clear();
    recovered_configs_.clear();
    peers_.clear();
    return;
  }
  BecomeLeader();
}

// Re-proposes the recovered tail at our ballot: for each LSN above our commit
// LSN the highest-ballot value reported, a no-op where nobody in the majority
// reported one (nothing can have been chosen there), then one more no-op (the
// opening record) so that committing it commits the whole tail. Without an
// opening record (a new group: no tail, nothing committed or applied) the
// leader sends heartbeats instead, whose answers start its lease at once.
void Replica::Impl::BecomeLeader(bool opening_record) {
  role_ = Role::kLeader;
  leader_ = config_.self;
  Lsn end = log_.last_lsn();
  if (!recovered_.empty() && recovered_.rbegin()->first > end) end = recovered_.rbegin()->first;
  for (Lsn lsn = recover_from_; lsn <= end; ++lsn) {
    auto it = recovered_.find(lsn);
    if (it == recovered_.end()) {
      WriteRecord(Record{lsn, promised_, std::string(), RecordKind::kData});
    } else {
      WriteRecord(Record{lsn, promised_, std::move(it->second.data), it->second.kind});
    }
  }
  if (opening_record) {
    opening_lsn_ = end + 1;
    WriteRecord(Record{opening_lsn_, promised_, std::string(), RecordKind::kData});
  } else {
    opening_lsn_ = end;
  }
  recovered_.clear();
  recovered_configs_.clear();
  self_match_ = commit_lsn_;
  peers_.clear();
  SyncLeaderPeers();
  for (Peer& p : peers_) {
    p.next = recover_from_;
    p.since_tick = -1;  // nothing at our new ballot can be stale
  }
  heartbeat_elapsed_ = 0;
  flush_accepts_ = true;
  if (!opening_record) BroadcastHeartbeats(/*timed=*/false);
}

}  // namespace ddb::paxos
