// Replica, phase 2: proposing, accepting, acknowledging, committing,
// heartbeats, catching up lagging peers and advancing the trim LSN (see the
// protocol comment in replica.h for why a follower may apply what it applies).
#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

Result<Lsn> Replica::Impl::Propose(std::string data) {
  if (role_ != Role::kLeader) return Status::Unavailable("not the leader");
  if (queued_config_) {
    return Status::Unavailable(
        "writes are held while a configuration change waits for the log to commit");
  }
  idle_ticks_ = 0;
  Lsn lsn = log_.last_lsn() + 1;
  WriteRecord(Record{lsn, promised_, std::move(data), RecordKind::kData});
  proposals_.insert(lsn);
  flush_accepts_ = true;  // batched into one Accept per peer at TakeReady
  return lsn;
}

// A message from the leader of a ballot at least ours: follow it. Every
// answer to it then acknowledges the leader, which binds us by its lease.
bool Replica::Impl::FollowLeader(const Message& m) {
  AdoptBallot(m.ballot);
  if (role_ != Role::kFollower) return false;  // our own ballot: cannot happen
  leader_ = m.from;
  ResetElectionTimer();
  HeardLeader();
  return true;
}

// The leader's commit LSN covers only what we hold equal to its log.
void Replica::Impl::LearnCommit(const Message& m) {
  SetCommit(std::min(m.commit_lsn, match_lsn_));
  SetTrim(m.trim_lsn);
}

// Answers an Accept, a Heartbeat or a Snapshot, echoing its send tick.
// Refusals carry our match too: when we promised the sender's current
// ballot, it tells the sender where we are.
void Replica::Impl::Reply(Message::Type type, const Message& to, bool reject) {
  Message reply = NewMessage(type, to.from);
  reply.reject = reject;
  reply.lsn = match_lsn_;
  reply.commit_lsn = commit_lsn_;
  reply.tick = to.tick;
  reply.joined_lsn = config_.joined_lsn;
  Send(std::move(reply));
}

void Replica::Impl::HandleAccept(const Message& m) {
  if (m.ballot < promised_ || !FollowLeader(m)) {
    return Reply(Message::Type::kAccepted, m, /*reject=*/true);
  }
  bool gap = false;
  for (const Record& r : m.records) {
    if (r.lsn <= match_lsn_) continue;  // held already, equal to the leader's
    if (r.lsn != match_lsn_ + 1) {
      gap = true;  // the leader resends from match + 1
      break;
    }
    WriteRecord(Record{r.lsn, m.ballot, r.data, r.kind});
    match_lsn_ = r.lsn;
  }
  LearnCommit(m);
  Reply(Message::Type::kAccepted, m, gap);
}

void Replica::Impl::HandleHeartbeat(const Message& m) {
  if (m.ballot < promised_ || !FollowLeader(m)) {
    return Reply(Message::Type::kHeartbeatAck, m, /*reject=*/true);
  }
  LearnCommit(m);
  if (m.quiesce && match_lsn_ == m.lsn && commit_lsn_ == m.lsn) {
    quiescent_ = true;  // not answered: an answer would wake the leader
    return;
  }
  Reply(Message::Type::kHeartbeatAck, m, /*reject=*/false);
}

void Replica::Impl::HandleAccepted(const Message& m) {
  if (m.ballot > promised_) {
    AdoptBallot(m.ballot);  // rejected: a higher ballot was promised
    return;
  }
  if (role_ != Role::kLeader || m.ballot != promised_) return;  // stale
  Peer* p = FindPeer(m.from);
  if (p == nullptr) {
    if (!InActiveConfigs(m.from)) SendRemoved(m.from);
    return;
  }
  if (static_cast<int64_t>(m.tick) <= p->since_tick) return;  // sent before it was added
  if (m.reject) p->next = m.lsn + 1;  // resend what follows its match
  OnAck(*p, m);
}

// A heartbeat answer below our last LSN means the peer is missing records
// (lost Accepts, or a restart): rewind to what it holds and resend.
void Replica::Impl::HandleHeartbeatAck(const Message& m) {
  if (m.ballot > promised_) {
    AdoptBallot(m.ballot);
    return;
  }
  if (role_ != Role::kLeader || m.ballot != promised_) return;  // stale
  Peer* p = FindPeer(m.from);
  if (p == nullptr) {
    if (!InActiveConfigs(m.from)) SendRemoved(m.from);
    return;
  }
  if (static_cast<int64_t>(m.tick) <= p->since_tick) return;  // sent before it was added
  if (m.lsn < log_.last_lsn() && m.lsn + 1 < p->next) p->next = m.lsn + 1;
  OnAck(*p, m);
}

// An answer at our ballot: the peer follows us (leases, check-quorum) and
// reports its matched prefix and commit LSN. `p` may not be used after
// AdvanceLeaderCommit, which may drop peers.
void Replica::Impl::OnAck(Peer& p, const Message& m) {
  p.joined_lsn = m.joined_lsn;
  p.heard_tick = now_;
  p.acked_tick = std::max(p.acked_tick, static_cast<int64_t>(m.tick));
  if (m.lsn > p.match) p.match = std::min(m.lsn, log_.last_lsn());
  if (m.commit_lsn > p.acked_commit) p.acked_commit = m.commit_lsn;
  if (p.needs_snapshot && p.match + 1 >= log_.first_lsn()) {
    p.needs_snapshot = false;  // it installed one
    p.next = p.match + 1;
  }
  SendAccepts(p);
  AdvanceLeaderCommit();
  UpdateLeaderTrim();
}

bool Replica::Impl::Sendable(const Peer& p) const {
  return !p.needs_snapshot && p.next <= log_.last_lsn() && p.next <= p.match + kMaxInflightRecords;
}

// Sends one batch from p.next. Below our first in-memory LSN: a stale reply
// (resume after the match we know), or a peer that needs records we dropped
// (a member added after they were trimmed): it gets Snapshot messages at
// heartbeat pace instead, until an ack shows it installed one.
void Replica::Impl::SendAccepts(Peer& p) {
  if (p.needs_snapshot) return;
  if (p.next < log_.first_lsn()) {
    if (p.match + 1 < log_.first_lsn()) {
      p.needs_snapshot = true;
      p.next = log_.last_lsn() + 1;
      return;
    }
    p.next = p.match + 1;
  }
  if (!Sendable(p)) return;
  Message m = NewMessage(Message::Type::kAccept, p.id);
  m.lsn = log_.last_lsn();
  m.commit_lsn = commit_lsn_;
  m.trim_lsn = trim_lsn_;
  m.tick = now_;
  for (Lsn lsn = p.next; lsn <= log_.last_lsn(); ++lsn) {
    if (m.records.size() == kMaxRecordsPerMessage) break;
    const Record& r = log_.At(lsn);
    m.records.push_back(Record{r.lsn, promised_, r.data, r.kind});  // stamped: see replica.h
  }
  p.next = m.records.back().lsn + 1;
  Send(std::move(m));
}

// Timed heartbeats also carry Snapshot requests to peers that need one;
// commit notices between them skip those peers.
void Replica::Impl::BroadcastHeartbeats(bool timed) {
  for (const Peer& p : peers_) {
    Message m;
    if (p.needs_snapshot) {
      if (!timed) continue;
      m = NewMessage(Message::Type::kSnapshot, p.id);
      m.lsn = log_.first_lsn() - 1;
    } else {
      m = NewMessage(Message::Type::kHeartbeat, p.id);
      m.lsn = log_.last_lsn();
    }
    m.commit_lsn = commit_lsn_;
    m.trim_lsn = trim_lsn_;
    m.tick = now_;
    Send(std::move(m));
  }
}

// Commits the longest prefix in which each LSN was persisted at our ballot by
// a majority of the configuration in force there. LSNs up to our commit LSN
// at election were chosen before; a peer that skipped them holds the same
// chosen values.
void Replica::Impl::AdvanceLeaderCommit() {
  Lsn commit = commit_lsn_;
  while (commit < log_.last_lsn()) {
    Lsn lsn = commit + 1;
    const Configuration* c = ConfigAt(lsn);
    size_t votes = 0;
    for (const Member& m : c->members) {
      if (m.id == config_.self) {
        votes += self_match_ >= lsn ? 1 : 0;
      } else if (Votes(m.id, lsn)) {
        votes += FindPeer(m.id)->match >= lsn ? 1 : 0;
      }
    }
    if (votes < c->quorum()) break;
    commit = lsn;
  }
  SetCommit(commit);
  MaybeAppendQueuedConfig();
}

// The trim LSN is the lowest persisted commit LSN of the members of the
// configurations in force (our peers): a removed member no longer counts.
void Replica::Impl::UpdateLeaderTrim() {
  Lsn trim = durable_.commit_lsn;
  for (const Peer& p : peers_) trim = std::min(trim, p.acked_commit);
  SetTrim(trim);
}

}  // namespace ddb::paxos
