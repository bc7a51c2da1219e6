// StorageNode: the node thread's loop, group commit, and request handling.
#include "cluster/storage_node.h"

#include <chrono>
#include <cstdio>

namespace ddb::cluster {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kMaxReadyRounds = 16;

NodeReply Reply(Status s, paxos::NodeId hint = 0) {
  NodeReply r;
  r.status = std::move(s);
  r.leader_hint = hint;
  return r;
}
}  // namespace

StorageNode::StorageNode(NodeOptions options, Transport* transport)
    : options_(std::move(options)), transport_(transport) {}

StorageNode::~StorageNode() { Stop(); }

Status StorageNode::Open() {
  auto store = NodeStore::Open(options_.path, options_.fsync);
  if (!store.ok()) return store.status();
  store_ = store.take();
  auto rows = store_->LoadReplicas();
  if (!rows.ok()) return rows.status();
  for (ReplicaRow& row : rows.value()) AddGroup(std::move(row));
  return Status::Ok();
}

void StorageNode::Start() { thread_ = std::thread([this] { Run(); }); }

void StorageNode::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StorageNode::Post(Task t) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A stopped node drops what it is sent, as a powered-off one would; the
    // caller's wait times out and it tries another replica.
    if (stopping_) return;
    inbox_.push_back(std::move(t));
  }
  cv_.notify_one();
}

void StorageNode::Deliver(paxos::Message m) { Post(Task{std::move(m), nullptr}); }

void StorageNode::Run() {
  const auto tick = std::chrono::milliseconds(options_.tick_ms);
  auto next_tick = Clock::now() + tick;
  for (;;) {
    std::deque<Task> batch;
    bool stop;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_tick, [&] { return !inbox_.empty() || stopping_; });
      batch.swap(inbox_);
      stop = stopping_;
    }
    for (Task& t : batch) RunTask(t);
    if (Clock::now() >= next_tick) {
      TickAll();
      next_tick = Clock::now() + tick;
    }
    FlushReady();
    if (stop) break;
  }
  for (auto& [id, g] : groups_) {
    for (auto& [lsn, p] : g.pending) p.done(Reply(Status::Unavailable("storage node stopped")));
    for (auto& [lsn, w] : g.after_commit) w.second(Reply(Status::Unavailable("storage node stopped")));
    g.pending.clear();
    g.after_commit.clear();
  }
}

void StorageNode::RunTask(Task& t) {
  if (t.fn) {
    t.fn();
    return;
  }
  Group* g = FindGroup(t.message->group);
  if (g != nullptr) g->replica->Step(*t.message);
}

void StorageNode::TickAll() {
  for (auto& [id, g] : groups_) g.replica->Tick();
}

void StorageNode::FlushReady() {
  for (size_t round = 0; round < kMaxReadyRounds; ++round) {
    std::vector<std::pair<Group*, paxos::Ready>> readies;
    for (auto& [id, g] : groups_) {
      if (g.replica->HasReady()) readies.emplace_back(&g, g.replica->TakeReady());
    }
    if (readies.empty()) return;
    Status s = PersistAndApply(readies);
    if (!s.ok()) {
      // Nothing may be sent or acknowledged that is not on disk; a node that
      // cannot write its WAL stops the process rather than lie.
      std::fprintf(stderr, "ddb-local: %s: cannot persist: %s\n", options_.name.c_str(),
                   s.ToString().c_str());
      CHECK(false && "storage node could not persist its WAL");
    }
    Finish(readies);
  }
}

Status StorageNode::PersistAndApply(std::vector<std::pair<Group*, paxos::Ready>>& readies) {
  RETURN_IF_ERROR(store_->Begin());
  for (auto& [g, ready] : readies) {
    uint64_t group = g->row.group;
    Status s;
    if (ready.hard_state) s = store_->SaveHardState(group, *ready.hard_state);
    for (size_t i = 0; s.ok() && i < ready.entries.size(); ++i) s = store_->SaveRecord(group, ready.entries[i]);
    for (size_t i = 0; s.ok() && i < ready.committed.size(); ++i) s = store_->Apply(group, ready.committed[i]);
    if (!s.ok()) {
      store_->Rollback();
      return s;
    }
  }
  return store_->Commit();
}

void StorageNode::Finish(std::vector<std::pair<Group*, paxos::Ready>>& readies) {
  for (auto& [g, ready] : readies) {
    for (paxos::Message& m : ready.messages) transport_->Send(std::move(m));
    g->replica->Advance(ready);
    Settle(g, ready);
  }
}

void StorageNode::AddGroup(ReplicaRow row) {
  paxos::ReplicaConfig config;
  config.group = row.group;
  config.self = options_.id;
  config.members = row.members;
  config.election_ticks = options_.election_ticks;
  config.heartbeat_ticks = options_.heartbeat_ticks;
  config.random_seed = (row.group << 16) ^ options_.id;
  Group g;
  g.replica = std::make_unique<paxos::Replica>(config, row.state);
  row.state = paxos::PersistedState();  // the replica owns the records now
  g.row = std::move(row);
  uint64_t id = g.row.group;
  groups_[id] = std::move(g);
}

StorageNode::Group* StorageNode::FindGroup(uint64_t group) {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second;
}

bool StorageNode::RefuseUnlessLeader(Group* g, const ReplyFn& reply) {
  if (g == nullptr) {
    reply(Reply(Status::NotFound("no such replica on this node")));
    return true;
  }
  if (!g->replica->IsLeader()) {
    reply(Reply(Status::Unavailable("not the leader"), g->replica->leader_hint()));
    return true;
  }
  return false;
}

void StorageNode::CreateReplica(ReplicaRow row, ReplyFn reply) {
  Post(Task{std::nullopt, [this, row = std::move(row), reply = std::move(reply)]() mutable {
              if (FindGroup(row.group) != nullptr) return reply(Reply(Status::Ok()));
              Status s = store_->CreateReplica(row);
              if (s.ok()) AddGroup(std::move(row));
              reply(Reply(s));
            }});
}

void StorageNode::Campaign(uint64_t group) {
  Post(Task{std::nullopt, [this, group] {
              if (Group* g = FindGroup(group)) g->replica->Campaign();
            }});
}

void StorageNode::DropReplica(uint64_t group, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, reply = std::move(reply)] {
              if (Group* g = FindGroup(group)) {
                for (auto& [lsn, p] : g->pending) p.done(Reply(Status::NotFound("table deleted")));
                for (auto& [lsn, w] : g->after_commit) w.second(Reply(Status::NotFound("table deleted")));
                groups_.erase(group);
              }
              reply(Reply(store_->DropReplica(group)));
            }});
}

void StorageNode::Write(uint64_t group, WalRecord record, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, record = std::move(record), reply = std::move(reply)]() mutable {
              Group* g = FindGroup(group);
              if (RefuseUnlessLeader(g, reply)) return;
              Propose(g, record, NodeReply(), std::move(reply));
            }});
}

void StorageNode::Mutate(uint64_t group, Key key, Mutator mutator, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, key = std::move(key), mutator = std::move(mutator),
                           reply = std::move(reply)]() mutable {
              Group* g = FindGroup(group);
              if (RefuseUnlessLeader(g, reply)) return;
              RunMutator(g, key, mutator, std::move(reply));
            }});
}

void StorageNode::Get(uint64_t group, Key key, bool consistent, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, key = std::move(key), consistent, reply = std::move(reply)] {
              Group* g = FindGroup(group);
              if (g == nullptr || consistent) {
                if (RefuseUnlessLeader(g, reply)) return;
              }
              auto item = store_->Get(group, key);
              NodeReply r = Reply(item.status());
              if (item.ok()) r.item = std::move(item.value());
              reply(std::move(r));
            }});
}

void StorageNode::Scan(uint64_t group, std::optional<Key> after, size_t limit, size_t max_bytes,
                       bool consistent, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, after = std::move(after), limit, max_bytes, consistent,
                           reply = std::move(reply)] {
              Group* g = FindGroup(group);
              if (g == nullptr || consistent) {
                if (RefuseUnlessLeader(g, reply)) return;
              }
              NodeReply r;
              r.status = store_->Scan(group, after, limit, max_bytes, &r.page);
              reply(std::move(r));
            }});
}

void StorageNode::Query(uint64_t group, QuerySpec spec, bool consistent, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, spec = std::move(spec), consistent, reply = std::move(reply)] {
              Group* g = FindGroup(group);
              if (g == nullptr || consistent) {
                if (RefuseUnlessLeader(g, reply)) return;
              }
              NodeReply r;
              r.status = store_->Query(group, spec, &r.page);
              reply(std::move(r));
            }});
}

void StorageNode::Stats(uint64_t group, ReplyFn reply) {
  Post(Task{std::nullopt, [this, group, reply = std::move(reply)] {
              NodeReply r;
              r.status = store_->Stats(group, &r.stats);
              reply(std::move(r));
            }});
}

}  // namespace ddb::cluster
