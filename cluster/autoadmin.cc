// Healer: log replicas, rebuilt full replicas, and the partition map (see
// autoadmin.h for the rules of a pass).
#include "cluster/autoadmin.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "cluster/node_replies.h"

namespace ddb::cluster {

namespace {

constexpr auto kPassMs = std::chrono::milliseconds(200);
constexpr auto kNodeWait = std::chrono::milliseconds(1000);

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

NodeReply CallOne(const std::function<void(ReplyFn)>& call) {
  NodeReplies r(1);
  call(r.Slot(0));
  r.WaitAll(kNodeWait);
  auto out = r.Take(0);
  if (!out) return Reply(Status::Unavailable("the node did not answer"));
  return std::move(*out);
}

bool Has(const std::vector<uint32_t>& v, uint32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

Healer::Healer(const ClusterOptions& options, std::vector<StorageNode*> nodes, Hooks hooks)
    : options_(options), nodes_(std::move(nodes)), hooks_(std::move(hooks)) {
  for (StorageNode* n : nodes_) by_id_[n->id()] = n;
}

Healer::~Healer() { Stop(); }

void Healer::Start() {
  if (options_.heal_after_ms <= 0) return;
  thread_ = std::thread([this] { Run(); });
}

void Healer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Healer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, kPassMs, [&] { return stop_; })) {
    lock.unlock();
    const uint64_t fingerprint = Fingerprint();
    const uint64_t still = Stillness();
    const int64_t now = SteadyMs();
    const bool safety_net =
        now - last_pass_ms_ >= options_.heal_recheck_ms && (still == 0 || still != last_stillness_);
    if (!settled_ || fingerprint != last_fingerprint_ || safety_net) {
      passes_.fetch_add(1, std::memory_order_relaxed);
      settled_ = Pass();
      last_fingerprint_ = fingerprint;
      last_stillness_ = still;
      last_pass_ms_ = now;
    }
    lock.lock();
  }
}

uint64_t Healer::Fingerprint() const {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
  for (StorageNode* n : nodes_) {
    mix(n->powered_on() ? 1 : 2);
    for (StorageNode* m : nodes_) mix(hooks_.link_cut(n->id(), m->id()) ? 3 : 4);
  }
  mix(hooks_.routes_version());
  return h;
}

uint64_t Healer::Stillness() const {
  uint64_t h = 0xcbf29ce484222325ull;
  for (StorageNode* n : nodes_) {
    if (!n->powered_on()) continue;  // in the fingerprint
    const uint64_t still = n->stillness();
    if (still == 0) return 0;
    h = (h ^ still ^ (static_cast<uint64_t>(n->id()) << 56)) * 0x100000001b3ull;
  }
  return h == 0 ? 1 : h;
}

bool Healer::Pass() {
  NodeReplies described(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i]->Describe(described.Slot(i), /*item_totals=*/false);
  described.WaitAll(kNodeWait);
  std::map<uint64_t, std::vector<Seen>> by_group;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto answer = described.Take(i);
    if (!answer || !answer->status.ok() || !nodes_[i]->powered_on()) continue;
    for (const ReplicaInfo& r : answer->replicas) by_group[r.group].push_back(Seen{nodes_[i], r});
  }
  lost_seen_.clear();
  const auto routes = hooks_.routes();
  bool settled = DropForgotten(by_group, routes);
  for (const auto& route : routes) {
    if (route->meta.state != TableState::kActive) {
      settled = false;  // being created or deleted: look again
      continue;
    }
    for (const PartitionRoute& p : route->partitions) settled = HealGroup(*route, p, by_group[p.group]) && settled;
  }
  for (auto it = lost_since_ms_.begin(); it != lost_since_ms_.end();) {
    it = lost_seen_.count(it->first) ? std::next(it) : lost_since_ms_.erase(it);
  }
  return settled && lost_since_ms_.empty();
}

bool Healer::DropForgotten(const std::map<uint64_t, std::vector<Seen>>& by_group,
                           const std::vector<std::shared_ptr<const TableRoute>>& routes) {
  std::set<uint64_t> routed;
  for (const auto& route : routes) {
    for (const PartitionRoute& p : route->partitions) routed.insert(p.group);
  }
  std::vector<uint64_t> unrouted;
  for (const auto& [group, seen] : by_group) {
    if (routed.count(group) == 0) unrouted.push_back(group);
  }
  if (unrouted.empty() || !hooks_.forgotten) return true;
  // The others belong to a table being created (or one whose creation
  // failed): its route, once published, changes the fingerprint.
  const std::vector<uint64_t> forgotten = hooks_.forgotten(unrouted);
  for (uint64_t group : forgotten) {
    for (const Seen& s : by_group.at(group)) {
      CallOne([&](ReplyFn done) { s.node->DropReplica(group, std::move(done)); });
    }
  }
  return forgotten.empty();
}

bool Healer::Lost(paxos::NodeId node, paxos::NodeId leader, int64_t now_ms, bool holds_replica) {
  auto it = by_id_.find(node);
  bool lost = it == by_id_.end() || !it->second->powered_on() || hooks_.link_cut(leader, node) || !holds_replica;
  const auto key = std::make_pair(leader, node);
  if (!lost) return false;
  lost_seen_[key] = now_ms;
  auto since = lost_since_ms_.emplace(key, now_ms).first->second;
  return now_ms - since >= options_.heal_after_ms;
}

bool Healer::Free(paxos::NodeId node, const ReplicaInfo& leader, const std::vector<Seen>& seen) const {
  auto it = by_id_.find(node);
  if (it == by_id_.end() || !it->second->powered_on()) return false;
  if (Has(leader.full_members, node) || Has(leader.log_members, node)) return false;
  if (hooks_.link_cut(leader.node, node)) return false;
  for (const Seen& s : seen) {
    if (s.node->id() == node) return false;  // a stale replica still to drop
  }
  return true;
}

paxos::NodeId Healer::PickFree(int az, const ReplicaInfo& leader, const std::vector<Seen>& seen) const {
  for (int i = 0; i < options_.nodes_per_az; ++i) {
    auto id = static_cast<paxos::NodeId>(az * options_.nodes_per_az + i + 1);
    if (Free(id, leader, seen)) return id;
  }
  return 0;
}

bool Healer::HealGroup(const TableRoute& route, const PartitionRoute& p, const std::vector<Seen>& seen) {
  const Seen* leader = nullptr;
  for (const Seen& s : seen) {
    if (s.info.leader && (leader == nullptr || s.info.ballot > leader->info.ballot)) leader = &s;
  }
  if (leader == nullptr || leader->info.full_members.empty()) return false;
  // A replica promised to a higher ballot: this leader may be deposed and
  // not know it yet (its configuration may be old). Wait for the next pass.
  for (const Seen& s : seen) {
    if (s.info.ballot > leader->info.ballot) return false;
  }
  bool settled = true;
  const ReplicaInfo& c = leader->info;

  // 1. Replicas the group no longer lists.
  for (const Seen& s : seen) {
    if (Has(c.full_members, s.node->id()) || Has(c.log_members, s.node->id())) continue;
    CallOne([&](ReplyFn done) { s.node->DropReplica(p.group, std::move(done)); });
    settled = false;
  }

  // The partition map: full members that are founding or caught up.
  std::vector<paxos::NodeId> serving, logs = c.log_members;
  std::vector<paxos::NodeId> catching_up;
  for (paxos::NodeId id : c.full_members) {
    bool caught_up = Has(p.members, id);
    for (const Seen& s : seen) {
      if (s.node->id() == id && !s.info.log_replica && s.info.applied_lsn >= s.info.joined_lsn) caught_up = true;
    }
    (caught_up ? serving : catching_up).push_back(id);
  }
  std::sort(serving.begin(), serving.end());
  std::sort(logs.begin(), logs.end());
  if (serving != p.members || logs != p.log_members) {
    settled = false;
    Status s = hooks_.set_members(route.meta.name, route.meta.id, p.group, serving, logs);
    if (!s.ok()) std::fprintf(stderr, "ddb-local: autoadmin: partition map of group %llu: %s\n",
                              static_cast<unsigned long long>(p.group), s.ToString().c_str());
  }

  paxos::Configuration config;
  for (paxos::NodeId id : c.full_members) config.members.push_back({id, paxos::MemberRole::kFull});
  for (paxos::NodeId id : c.log_members) config.members.push_back({id, paxos::MemberRole::kLog});
  const int64_t now = SteadyMs();

  // 2. A lost member: a log replica first, then the member goes. (Every
  // member's timer is looked at, so each keeps running.)
  std::vector<paxos::Member> lost;
  for (const paxos::Member& m : config.members) {
    bool holds = false;  // a member whose node is on but holds no replica (its creation failed) is lost too
    for (const Seen& s : seen) holds = holds || s.node->id() == m.id;
    if (m.id != c.node && Lost(m.id, c.node, now, holds)) lost.push_back(m);
  }
  for (const paxos::Member& m : lost) {
    paxos::Configuration next = config;
    if (c.log_members.empty()) {
      paxos::NodeId target = PickFree(AzOf(m.id), c, seen);
      for (int az = 0; target == 0 && az < options_.azs; ++az) target = PickFree(az, c, seen);
      if (target == 0) return false;
      next.members.push_back({target, paxos::MemberRole::kLog});
      Change(route, p, *leader, next, target, /*log_replica=*/true);
      return false;
    }
    if (config.members.size() <= 2) return false;
    next.members.erase(std::remove(next.members.begin(), next.members.end(), m), next.members.end());
    Change(route, p, *leader, next, 0, false);
    return false;
  }

  // 3. Fewer than three full members: rebuild one in an AZ that has none,
  // after removing a log replica there.
  if (c.full_members.size() < 3 && catching_up.empty()) {
    std::set<int> covered;
    for (paxos::NodeId id : c.full_members) covered.insert(AzOf(id));
    for (int az = 0; az < options_.azs; ++az) {
      if (covered.count(az)) continue;
      for (paxos::NodeId log : c.log_members) {
        if (AzOf(log) != az || config.members.size() <= 2) continue;
        paxos::Configuration next = config;
        next.members.erase(std::remove(next.members.begin(), next.members.end(),
                                       paxos::Member{log, paxos::MemberRole::kLog}),
                           next.members.end());
        Change(route, p, *leader, next, 0, false);
        return false;
      }
      if (paxos::NodeId target = PickFree(az, c, seen)) {
        paxos::Configuration next = config;
        next.members.push_back({target, paxos::MemberRole::kFull});
        Change(route, p, *leader, next, target, /*log_replica=*/false);
        return false;
      }
    }
    return false;
  }

  // 4. Healed: the log replica goes.
  if (!c.log_members.empty() && c.full_members.size() >= 3 && catching_up.empty()) {
    paxos::Configuration next = config;
    next.members.erase(std::remove(next.members.begin(), next.members.end(),
                                   paxos::Member{c.log_members.front(), paxos::MemberRole::kLog}),
                       next.members.end());
    Change(route, p, *leader, next, 0, false);
    return false;
  }
  return settled && catching_up.empty() && c.full_members.size() >= 3 && c.log_members.empty() &&
         seen.size() == c.full_members.size();
}

void Healer::Change(const TableRoute& route, const PartitionRoute& p, const Seen& leader, paxos::Configuration next,
                    paxos::NodeId added, bool log_replica) {
  NodeReply r = CallOne([&](ReplyFn done) { leader.node->ChangeMembership(p.group, next, std::move(done)); });
  if (!r.status.ok()) return;  // busy with an earlier change, or leadership moved: next pass
  std::string what;
  for (const paxos::Member& m : next.members) {
    what += (what.empty() ? "" : ",") + std::to_string(m.id) + (m.role == paxos::MemberRole::kLog ? "L" : "");
  }
  std::fprintf(stderr, "ddb-local: autoadmin: group %llu of %s: members %s (LSN %llu)\n",
               static_cast<unsigned long long>(p.group), route.meta.name.c_str(), what.c_str(),
               static_cast<unsigned long long>(r.lsn));
  if (added == 0) return;
  ReplicaRow row;
  row.group = p.group;
  row.table_id = route.meta.id;
  for (const paxos::Member& m : next.members) {
    if (m.role == paxos::MemberRole::kFull && m.id != added) row.members.push_back(m.id);
  }
  row.hash_lo = p.hash_lo;
  row.hash_hi = p.hash_hi;
  row.joined_lsn = r.lsn;
  row.log_replica = log_replica;
  row.state.hard_state.promised = r.ballot;
  // If this fails (the node went off), the member looks lost and is removed.
  CallOne([&](ReplyFn done) { by_id_.at(added)->CreateReplica(row, std::move(done)); });
}

}  // namespace ddb::cluster
