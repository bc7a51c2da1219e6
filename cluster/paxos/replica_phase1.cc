// Replica, phase 1: campaigning, promising, recovering the log tail from a
// majority, and becoming leader (see the protocol comment in replica.h).
//
// Recovery is bounded: a Promise carries at most kMaxRecordsPerMessage
// records; when a peer's answer stops short of its last LSN the candidate
// sends the same Prepare again from where the answer stopped. A peer that
// promised our ballot cannot accept anything at or below it, so the pieces
// describe one state. The candidate wins once it holds the complete answers
// of a majority (itself included); partial answers from others are valid
// phase-1b reports too, so they are merged as well.
#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

// A pre-vote round (a later issue, with leases) would go before this, so a
// replica cut off from the leader does not depose it on return.
void Replica::Impl::Campaign() {
  if (role_ == Role::kLeader) AbandonProposals();
  role_ = Role::kCandidate;
  promised_ = MakeBallot(BallotRound(promised_) + 1, config_.self);
  hard_state_dirty_ = true;  // persisted before the Prepares leave
  leader_ = 0;
  match_lsn_ = commit_lsn_;
  flush_accepts_ = false;
  recover_from_ = commit_lsn_ + 1;
  recovered_.clear();
  for (Peer& p : peers_) {
    p = Peer{p.id};
    p.promise_covered = recover_from_ - 1;
    Message m = NewMessage(Message::Type::kPrepare, p.id);
    m.lsn = recover_from_;
    Send(std::move(m));
  }
  ResetElectionTimer();
  MaybeBecomeLeader();  // a group of one
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
  if (m.ballot > promised_) AdoptBallot(m.ballot);
  if (role_ != Role::kFollower) return;  // our own ballot: cannot happen
  ResetElectionTimer();  // give the candidate time to finish
  Message promise = NewMessage(Message::Type::kPromise, m.from);
  promise.lsn = log_.last_lsn();
  promise.commit_lsn = commit_lsn_;
  for (Lsn lsn = m.lsn; lsn <= log_.last_lsn(); ++lsn) {
    if (promise.records.size() == kMaxRecordsPerMessage) break;
    promise.records.push_back(log_.At(lsn));
  }
  Send(std::move(promise));
}

void Replica::Impl::MergeRecovered(const Record& r) {
  if (r.lsn < recover_from_) return;
  auto it = recovered_.find(r.lsn);
  if (it == recovered_.end()) {
    recovered_.emplace(r.lsn, r);
  } else if (r.ballot > it->second.ballot) {
    it->second = r;
  }
}

void Replica::Impl::HandlePromise(const Message& m) {
  if (m.reject) {
    AdoptBallot(m.ballot);  // no-op unless it is higher than ours
    return;
  }
  if (role_ != Role::kCandidate || m.ballot != promised_) return;  // stale
  Peer* p = FindPeer(m.from);
  for (const Record& r : m.records) MergeRecovered(r);
  if (m.lsn > p->promise_last) p->promise_last = m.lsn;
  if (!m.records.empty() && m.records.back().lsn > p->promise_covered) {
    p->promise_covered = m.records.back().lsn;
  }
  if (p->promise_covered >= p->promise_last) {
    p->recovered = true;
    MaybeBecomeLeader();
    return;
  }
  Message more = NewMessage(Message::Type::kPrepare, p->id);
  more.lsn = p->promise_covered + 1;
  Send(std::move(more));
}

void Replica::Impl::MaybeBecomeLeader() {
  if (role_ != Role::kCandidate) return;
  size_t complete = 1;  // ourselves
  for (const Peer& p : peers_) complete += p.recovered ? 1 : 0;
  if (complete >= quorum_) BecomeLeader();
}

// Re-proposes the recovered tail at our ballot: for each LSN above our commit
// LSN the highest-ballot value reported, a no-op where nobody in the majority
// reported one (nothing can have been chosen there), then one more no-op so
// that committing it commits the whole tail.
void Replica::Impl::BecomeLeader() {
  role_ = Role::kLeader;
  leader_ = config_.self;
  for (Lsn lsn = recover_from_; lsn <= log_.last_lsn(); ++lsn) MergeRecovered(log_.At(lsn));
  Lsn end = log_.last_lsn();
  if (!recovered_.empty() && recovered_.rbegin()->first > end) end = recovered_.rbegin()->first;
  for (Lsn lsn = recover_from_; lsn <= end; ++lsn) {
    auto it = recovered_.find(lsn);
    std::string data = it == recovered_.end() ? std::string() : std::move(it->second.data);
    WriteRecord(Record{lsn, promised_, std::move(data)});
  }
  WriteRecord(Record{end + 1, promised_, std::string()});
  recovered_.clear();
  self_match_ = commit_lsn_;
  for (Peer& p : peers_) {
    p = Peer{p.id};
    p.next = recover_from_;
  }
  heartbeat_elapsed_ = 0;
  flush_accepts_ = true;
}

}  // namespace ddb::paxos
