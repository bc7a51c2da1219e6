// Replica, time: ticks, election timers, leader leases, check-quorum and
// pre-vote (see "Leases" and "Elections" in replica.h).
//
// Lease arithmetic, in this replica's ticks (now_):
//   - a leader's lease runs from T, the latest send tick that a majority of
//     every configuration in force acknowledged (its own vote counts at
//     now_), and is valid while now_ < T + lease_ticks;
//   - a follower that acknowledges a leader at tick t promises no other
//     ballot before t + lease_ticks + 1 (one tick of margin for two
//     replicas' ticks not falling at the same instant).
// A follower receives a message after it was sent, so t >= T, and a new
// ballot is promised by such a follower only after every lease it helped to
// grant has run out.
#include <functional>
#include <limits>
#include <utility>

#include "cluster/paxos/replica_impl.h"

namespace ddb::paxos {

void Replica::Impl::Tick() {
  if (removed_) return;
  ++now_;
  if (quiescent_) return;  // only time passes
  if (role_ == Role::kLeader) {
    if (!QuorumHeard()) return StepDown();
    if (++heartbeat_elapsed_ < config_.heartbeat_ticks) return;
    heartbeat_elapsed_ = 0;
    if (config_.quiesce_ticks > 0 && CaughtUpAndIdle()) {
      idle_ticks_ += config_.heartbeat_ticks;
      if (idle_ticks_ >= config_.quiesce_ticks) return GoQuiet();
    } else {
      idle_ticks_ = 0;
    }
    BroadcastHeartbeats(/*timed=*/true);
    return;
  }
  if (++election_elapsed_ < election_timeout_) return;
  OnElectionTimeout();
}

void Replica::Impl::ResetElectionTimer() {
  election_elapsed_ = 0;
  election_timeout_ =
      config_.election_ticks + static_cast<int>(rng_.Uniform(config_.election_ticks));
}

// A candidate that did not win in time gives this round up; with auto_elect
// the replica then asks its peers before campaigning again.
void Replica::Impl::OnElectionTimeout() {
  ResetElectionTimer();
  if (role_ == Role::kCandidate) {
    role_ = Role::kFollower;
    recovered_.clear();
    recovered_configs_.clear();
    peers_.clear();
  }
  if (config_.auto_elect) StartPreVote();
}

bool Replica::Impl::MayPromise() const {
  if (now_ < promise_after_tick_) return false;
  return !(role_ == Role::kLeader && LeaseValid());
}

void Replica::Impl::HeardLeader() {
  leader_contact_tick_ = static_cast<int64_t>(now_);
  prevoting_ = false;
  if (config_.lease_ticks > 0) {
    promise_after_tick_ = std::max<uint64_t>(promise_after_tick_, now_ + config_.lease_ticks + 1);
  }
}

// A leader deposed (by a higher ballot) while its lease runs stays bound by
// it as a follower: no new leader is elected with its promise before the
// lease has expired, so leases never overlap, even within a tick.
void Replica::Impl::LeaveLeadership() {
  if (role_ != Role::kLeader) return;
  int64_t start = LeaseStart();
  if (start >= 0) {
    promise_after_tick_ =
        std::max<uint64_t>(promise_after_tick_, static_cast<uint64_t>(start + config_.lease_ticks));
  }
  AbandonProposals();
}

int64_t Replica::Impl::LeaseStart() const {
  if (role_ != Role::kLeader || config_.lease_ticks <= 0) return -1;
  int64_t start = std::numeric_limits<int64_t>::max();
  for (const InForce& f : ActiveConfigs()) {
    std::vector<int64_t> ticks;
    for (const Member& m : f.config->members) {
      if (m.id == config_.self) {
        ticks.push_back(static_cast<int64_t>(now_));
      } else if (Votes(m.id, f.at)) {
        ticks.push_back(FindPeer(m.id)->acked_tick);
      } else {
        ticks.push_back(-1);
      }
    }
    std::sort(ticks.begin(), ticks.end(), std::greater<int64_t>());
    start = std::min(start, ticks[f.config->quorum() - 1]);
  }
  return start == std::numeric_limits<int64_t>::max() ? -1 : start;
}

bool Replica::Impl::LeaseValid() const {
  if (quiescent_) return false;  // given up (GoQuiet)
  int64_t start = LeaseStart();
  return start >= 0 && static_cast<int64_t>(now_) < start + config_.lease_ticks;
}

// The opening record applied means every record an earlier leader may have
// acknowledged is applied here too (it was recovered below the opening).
bool Replica::Impl::CanServeConsistentRead() const {
  return role_ == Role::kLeader && !removed_ && applied_lsn_ >= opening_lsn_ && LeaseValid();
}

bool Replica::Impl::QuorumHeard() const {
  for (const InForce& f : ActiveConfigs()) {
    size_t heard = 0;
    for (const Member& m : f.config->members) {
      if (m.id == config_.self) {
        ++heard;
      } else if (Votes(m.id, f.at)) {
        uint64_t silent_ticks = now_ - FindPeer(m.id)->heard_tick;
        heard += silent_ticks < static_cast<uint64_t>(config_.election_ticks) ? 1 : 0;
      }
    }
    if (heard < f.config->quorum()) return false;
  }
  return true;
}

// Check-quorum: a leader cut off from a majority stops leading; its ballot
// stays promised, so it accepts the next leader's records as any follower.
void Replica::Impl::StepDown() {
  LeaveLeadership();
  role_ = Role::kFollower;
  leader_ = 0;
  flush_accepts_ = false;
  peers_.clear();
  ResetElectionTimer();
}

// Asks the members of our configuration whether they too have lost the
// leader. A replica that may not lead still sends the question as a probe:
// a leader that no longer lists it answers with Removed.
void Replica::Impl::StartPreVote() {
  prevoting_ = false;
  const Configuration* c = Effective();
  if (c == nullptr) return;  // an added replica that knows nobody yet
  prevoting_ = CanLead() && MayPromise();
  prevote_tick_ = now_;
  prevote_grants_ = {config_.self};
  for (const Member& m : c->members) {
    if (m.id == config_.self) continue;
    Message pv = NewMessage(Message::Type::kPreVote, m.id);
    pv.tick = now_;
    pv.lsn = commit_lsn_;
    Send(std::move(pv));
  }
  MaybeWinPreVote();
}

void Replica::Impl::MaybeWinPreVote() {
  if (!prevoting_) return;
  const Configuration* c = Effective();
  if (c == nullptr) return;
  size_t grants = 0;
  for (const Member& m : c->members) grants += prevote_grants_.count(m.id);
  if (grants < c->quorum()) return;
  prevoting_ = false;
  Campaign();
}

// Granted when we have not acknowledged a leader for election_ticks and may
// promise a new ballot; a leader never grants, and tells a non-member it was
// removed.
void Replica::Impl::HandlePreVote(const Message& m) {
  bool grant = false;
  if (role_ == Role::kLeader) {
    if (!InActiveConfigs(m.from)) SendRemoved(m.from);
  } else {
    bool recent = leader_contact_tick_ >= 0 &&
                  static_cast<int64_t>(now_) - leader_contact_tick_ < config_.election_ticks;
    grant = !recent && MayPromise();
  }
  Message answer = NewMessage(Message::Type::kPreVoteResponse, m.from);
  answer.reject = !grant;
  answer.tick = m.tick;
  Send(std::move(answer));
}

void Replica::Impl::HandlePreVoteResponse(const Message& m) {
  seen_ballot_ = std::max(seen_ballot_, m.ballot);
  if (!prevoting_ || m.tick != prevote_tick_ || m.reject) return;
  prevote_grants_.insert(m.from);
  MaybeWinPreVote();
}

// Quiescence (see replica.h). Idle: nothing proposed or queued, the whole
// log committed, persisted and applied here, and every peer heard within
// election_ticks holding and knowing committed all of it (a silent peer does
// not keep the group awake: when it comes back, its pre-vote wakes us).
bool Replica::Impl::CaughtUpAndIdle() const {
  const Lsn last = log_.last_lsn();
  if (!proposals_.empty() || queued_config_ || commit_lsn_ != last || applied_lsn_ != last ||
      self_match_ != last) {
    return false;
  }
  for (const Peer& p : peers_) {
    if (now_ - p.heard_tick >= static_cast<uint64_t>(config_.election_ticks)) continue;
    if (p.needs_snapshot || p.match != last || p.acked_commit != last) return false;
  }
  return true;
}

// The last heartbeat says "go quiet"; the lease is given up, since a quiet
// leader's clock may stand still until the driver wakes it.
void Replica::Impl::GoQuiet() {
  for (Peer& p : peers_) {
    Message m = NewMessage(Message::Type::kHeartbeat, p.id);
    m.lsn = log_.last_lsn();
    m.commit_lsn = commit_lsn_;
    m.trim_lsn = trim_lsn_;
    m.tick = now_;
    m.quiesce = true;
    Send(std::move(m));
    p.acked_tick = -1;
  }
  quiescent_ = true;
  idle_ticks_ = 0;
}

void Replica::Impl::Wake(uint64_t ticks_missed, bool leader_alive) {
  if (!quiescent_) return;
  quiescent_ = false;
  now_ += ticks_missed;
  idle_ticks_ = 0;
  if (role_ == Role::kLeader) {
    for (Peer& p : peers_) p.heard_tick = now_;
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeats(/*timed=*/true);
    return;
  }
  ResetElectionTimer();
  if (leader_alive) leader_contact_tick_ = static_cast<int64_t>(now_);
}

}  // namespace ddb::paxos
