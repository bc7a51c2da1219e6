// Replica, phase 2: proposing, accepting, acknowledging, committing,
// heartbeats, catching up lagging peers and advancing the trim LSN (see the
// protocol comment in replica.h for why a follower may apply what it applies).
#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

Result<Lsn> Replica::Impl::Propose(std::string data) {
  if (role_ != Role::kLeader) return Status::Unavailable("not the leader");
  Lsn lsn = log_.last_lsn() + 1;
  WriteRecord(Record{lsn, promised_, std::move(data)});
  proposals_.insert(lsn);
  flush_accepts_ = true;  // batched into one Accept per peer at TakeReady
  return lsn;
}

// A message from the leader of a ballot at least ours: follow it.
bool Replica::Impl::FollowLeader(const Message& m) {
  AdoptBallot(m.ballot);
  if (role_ != Role::kFollower) return false;  // our own ballot: cannot happen
  leader_ = m.from;
  ResetElectionTimer();
  return true;
}

// The leader's commit LSN covers only what we hold equal to its log.
void Replica::Impl::LearnCommit(const Message& m) {
  SetCommit(std::min(m.commit_lsn, match_lsn_));
  SetTrim(m.trim_lsn);
}

// Answers an Accept or a Heartbeat. Refusals carry our match too: when we
// promised the sender's current ballot, it tells the sender where we are.
void Replica::Impl::Reply(Message::Type type, NodeId to, bool reject) {
  Message reply = NewMessage(type, to);
  reply.reject = reject;
  reply.lsn = match_lsn_;
  reply.commit_lsn = commit_lsn_;
  Send(std::move(reply));
}

void Replica::Impl::HandleAccept(const Message& m) {
  if (m.ballot < promised_ || !FollowLeader(m)) {
    return Reply(Message::Type::kAccepted, m.from, /*reject=*/true);
  }
  bool gap = false;
  for (const Record& r : m.records) {
    if (r.lsn <= match_lsn_) continue;  // held already, equal to the leader's
    if (r.lsn != match_lsn_ + 1) {
      gap = true;  // the leader resends from match + 1
      break;
    }
    WriteRecord(Record{r.lsn, m.ballot, r.data});
    match_lsn_ = r.lsn;
  }
  LearnCommit(m);
  Reply(Message::Type::kAccepted, m.from, gap);
}

void Replica::Impl::HandleHeartbeat(const Message& m) {
  if (m.ballot < promised_ || !FollowLeader(m)) {
    return Reply(Message::Type::kHeartbeatAck, m.from, /*reject=*/true);
  }
  LearnCommit(m);
  Reply(Message::Type::kHeartbeatAck, m.from, /*reject=*/false);
}

void Replica::Impl::HandleAccepted(const Message& m) {
  if (m.ballot > promised_) {
    AdoptBallot(m.ballot);  // rejected: a higher ballot was promised
    return;
  }
  if (role_ != Role::kLeader || m.ballot != promised_) return;  // stale
  Peer& p = *FindPeer(m.from);
  if (m.reject) p.next = m.lsn + 1;  // resend what follows its match
  // Below our first in-memory LSN: a stale reply (resume after the match we
  // know), or a driver that broke the restart contract (retry at heartbeat
  // pace rather than in a tight loop).
  if (p.next < log_.first_lsn()) {
    p.next = p.match + 1 >= log_.first_lsn() ? p.match + 1 : log_.last_lsn() + 1;
  }
  OnAck(p, m);
}

// A heartbeat answer below our last LSN means the peer is missing records
// (lost Accepts, or a restart): rewind to what it holds and resend.
void Replica::Impl::HandleHeartbeatAck(const Message& m) {
  if (m.ballot > promised_) {
    AdoptBallot(m.ballot);
    return;
  }
  if (role_ != Role::kLeader || m.ballot != promised_) return;  // stale
  Peer& p = *FindPeer(m.from);
  if (m.lsn < log_.last_lsn() && m.lsn + 1 < p.next) p.next = m.lsn + 1;
  OnAck(p, m);
}

void Replica::Impl::OnAck(Peer& p, const Message& m) {
  if (m.lsn > p.match) p.match = std::min(m.lsn, log_.last_lsn());
  if (m.commit_lsn > p.acked_commit) p.acked_commit = m.commit_lsn;
  SendAccepts(p);
  AdvanceLeaderCommit();
  UpdateLeaderTrim();
}

bool Replica::Impl::Sendable(const Peer& p) const {
  return p.next <= log_.last_lsn() && p.next <= p.match + kMaxInflightRecords;
}

// Sends one batch from p.next. Records below our first in-memory LSN are
// committed on every member (the memory rule), so p.next is raised to it.
void Replica::Impl::SendAccepts(Peer& p) {
  if (p.next < log_.first_lsn()) p.next = log_.first_lsn();
  if (!Sendable(p)) return;
  Message m = NewMessage(Message::Type::kAccept, p.id);
  m.lsn = log_.last_lsn();
  m.commit_lsn = commit_lsn_;
  m.trim_lsn = trim_lsn_;
  for (Lsn lsn = p.next; lsn <= log_.last_lsn(); ++lsn) {
    if (m.records.size() == kMaxRecordsPerMessage) break;
    const Record& r = log_.At(lsn);
    m.records.push_back(Record{r.lsn, promised_, r.data});  // stamped: see replica.h
  }
  p.next = m.records.back().lsn + 1;
  Send(std::move(m));
}

void Replica::Impl::BroadcastHeartbeats() {
  for (const Peer& p : peers_) {
    Message m = NewMessage(Message::Type::kHeartbeat, p.id);
    m.lsn = log_.last_lsn();
    m.commit_lsn = commit_lsn_;
    m.trim_lsn = trim_lsn_;
    Send(std::move(m));
  }
}

// Commits the longest prefix that a majority persisted at our ballot. LSNs up
// to our commit LSN at election were chosen before; a peer that skipped them
// holds the same chosen values.
void Replica::Impl::AdvanceLeaderCommit() {
  Lsn commit = commit_lsn_;
  while (commit < log_.last_lsn()) {
    Lsn lsn = commit + 1;
    size_t votes = self_match_ >= lsn ? 1 : 0;
    for (const Peer& p : peers_) votes += p.match >= lsn ? 1 : 0;
    if (votes < quorum_) break;
    commit = lsn;
  }
  SetCommit(commit);
}

// The trim LSN is the lowest persisted commit LSN of all members.
void Replica::Impl::UpdateLeaderTrim() {
  Lsn trim = durable_.commit_lsn;
  for (const Peer& p : peers_) trim = std::min(trim, p.acked_commit);
  SetTrim(trim);
}

}  // namespace ddb::paxos
