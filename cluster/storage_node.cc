// StorageNode: the node thread's loop, group commit, and request handling.
#include "cluster/storage_node.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace ddb::cluster {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kMaxReadyRounds = 16;
// A node thread woken for fewer tasks than this yields once (Run).
constexpr size_t kYieldBelowTasks = 4;

}  // namespace

NodeReply Reply(Status s, paxos::NodeId hint) {
  NodeReply r;
  r.status = std::move(s);
  r.leader_hint = hint;
  return r;
}

StorageNode::StorageNode(NodeOptions options, Transport* transport)
    : options_(std::move(options)), transport_(transport) {}

StorageNode::~StorageNode() { Stop(); }

Status StorageNode::Open() {
  bool load_in_memory = false;
  {
    // Read and noted in one step, so that MoveToDisk() after the flag
    // is cleared either sees the note or finds the file on disk.
    std::lock_guard<std::mutex> lock(mu_);
    load_in_memory = options_.load_in_memory != nullptr && options_.load_in_memory->load(std::memory_order_acquire);
    load_in_memory_ = load_in_memory;
  }
  auto store = NodeStore::Open(options_.path, options_.fsync, load_in_memory ? options_.load_marker : std::string());
  if (!store.ok()) return store.status();
  store_ = store.take();
  store_->scrub().set_node_id(options_.id);
  store_->scrub().set_defer_digests(true);
  if (store_->created()) return Status::Ok();  // a new file: no replicas yet
  auto rows = store_->LoadReplicas();
  if (!rows.ok()) return rows.status();
  // The process is starting: every replica of every group restarts now, and
  // no leader of the earlier run can still hold a lease (it lived in the
  // process that ended), so no replica waits out a lease before promising
  // (paxos::ReplicaConfig::whole_group_restarted). Without this a restart
  // took ~0.5 s to elect leaders and serve its first write.
  for (ReplicaRow& row : rows.value()) AddGroup(std::move(row), /*whole_group_restarted=*/true);
  return Status::Ok();
}

void StorageNode::Start(bool open_file, std::chrono::milliseconds post_grace, bool defer_thread) {
  std::lock_guard<std::mutex> lock(mu_);
  off_ = false;
  // A new incarnation at every start, so peers see a restart even when it
  // came sooner than their failure detection.
  incarnation_ = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) | 1;
  for (paxos::NodeId id : options_.peer_ids) peer_nodes_[id] = PeerNode{node_tick_, 0, true};
  if (open_file && defer_thread) {
    // -seed's last AZ on a new directory: the thread is made only when the
    // file is wanted, after the first answer as a rule. Made at once, it
    // made the example seed's start slower (side by side, 30 starts a side:
    // docs/architecture.md, "Start-up").
    thread_deferred_ = true;
    deferred_grace_ = post_grace;
    return;
  }
  thread_ = std::thread(&StorageNode::ThreadMain, this, open_file, post_grace);
}

void StorageNode::StartDeferredThreadLocked() {
  if (!thread_deferred_ || off_) return;
  thread_deferred_ = false;
  // Asked, or something has waited its grace already: it opens at once.
  thread_ = std::thread(&StorageNode::ThreadMain, this, true, std::chrono::milliseconds(0));
}

void StorageNode::ThreadMain(bool open_file, std::chrono::milliseconds post_grace) {
  // Named for top -H and perf (at most 15 characters).
  pthread_setname_np(pthread_self(), options_.name.substr(0, 15).c_str());
  if (open_file) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto asked = [&] { return open_file_now_ || off_; };
      cv_.wait(lock, [&] { return asked() || !inbox_.empty(); });
      // Something posted: at once, or once it has waited post_grace.
      if (!asked() && post_grace.count() > 0) (void)cv_.wait_for(lock, post_grace, asked);
    }
    Status s = Open();
    if (!s.ok()) {
      // One line however many nodes fail at once (all of them, when
      // another process holds the -dbPath).
      static std::atomic_flag reported = ATOMIC_FLAG_INIT;
      if (!reported.test_and_set()) {
        std::fprintf(stderr, "ddb-local: %s: %s\n", options_.name.c_str(), s.message().c_str());
        std::fflush(stderr);
        std::_Exit(1);
      }
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // the first one is ending the process
    }
    file_open_ = true;
    if (options_.on_open) options_.on_open();
  }
  Run();
}

bool StorageNode::OpenFile() {
  if (file_open_) return false;
  std::lock_guard<std::mutex> lock(mu_);
  open_file_now_ = true;
  StartDeferredThreadLocked();
  cv_.notify_one();
  return true;
}

void StorageNode::MoveToDisk(ReplyFn done) {
  bool in_memory = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(in_memory, load_in_memory_);
  }
  if (!in_memory) return done(Reply(Status::Ok()));
  // Tasks run once the file is open: store_ is set by then.
  Request(std::move(done), [this](ReplyFn reply) { reply(Reply(store_->MoveToDisk())); });
}

void StorageNode::Stop() { PowerOff(); }

void StorageNode::PowerOff() {
  std::deque<Task> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (off_) return;
    // A node whose thread was deferred gets it now: it opens the file on
    // its way out, as every node stopped before it opened does (PowerOn
    // reads its replicas from it).
    StartDeferredThreadLocked();
    off_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  stillness_.store(0, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(inbox_);
    heard_.clear();
    any_heard_ = wake_for_heard_ = false;
  }
  // Everything in memory is gone, as on a real power cut; the file stays.
  for (Task& t : dropped) {
    if (t.reply) t.reply(Reply(Status::Unavailable("storage node is powered off")));
  }
  // Writes in flight may still be chosen by the other replicas.
  FailAll(Status::Uncertain("storage node powered off with the write in flight"));
  groups_.clear();
  awake_.clear();
  parked_groups_.clear();
  locked_groups_.clear();
  peer_nodes_.clear();
}

Status StorageNode::PowerOn(bool whole_cluster) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!off_) return Status::Ok();
  }
  store_->scrub().CancelDigests();  // in memory: lost with the power
  auto rows = store_->LoadReplicas();
  if (!rows.ok()) return rows.status();
  for (ReplicaRow& row : rows.value()) AddGroup(std::move(row), whole_cluster);
  Start();
  return Status::Ok();
}

bool StorageNode::powered_on() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !off_;
}

void StorageNode::Post(Task t) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!off_) {
      if (thread_deferred_ && inbox_.empty()) first_post_ = Clock::now();
      inbox_.push_back(std::move(t));
      lock.unlock();
      cv_.notify_one();
      return;
    }
  }
  // A powered-off node drops messages; a request is refused at once so the
  // router tries another replica without waiting for a timeout.
  if (t.reply) t.reply(Reply(Status::Unavailable("storage node is powered off")));
}

void StorageNode::Request(ReplyFn reply, std::function<void(ReplyFn)> body, bool write) {
  Post(Task{std::nullopt, std::move(body), std::move(reply), write});
}

void StorageNode::Deliver(paxos::Message m) {
  if (m.group == kNodeHeartbeatGroup) return NoteHeartbeat(m.from, m.ballot);
  const bool write = m.type == paxos::Message::Type::kAccept || m.type == paxos::Message::Type::kAccepted;
  Post(Task{std::move(m), nullptr, nullptr, write});
}

void StorageNode::FailAll(const Status& why) {
  for (auto& [id, g] : groups_) {
    for (auto& [lsn, p] : g.pending) {
      if (p.done) p.done(Reply(why));  // empty: answered once committed
    }
    for (auto& [lsn, w] : g.after_commit) w.second(Reply(why));
    for (Group::ParkedRequest& w : g.parked) w.reply(Reply(Status::Unavailable("storage node powered off")));
    g.pending.clear();
    g.after_commit.clear();
    g.parked.clear();
  }
}

// Ticks come every tick_ms while a group is awake; with every group asleep
// the thread wakes only for the node heartbeats (every heartbeat_ticks), and
// catches the clock up by the ticks that passed.
void StorageNode::Run() {
  const auto tick = std::chrono::milliseconds(options_.tick_ms);
  auto next_tick = Clock::now() + tick;
  for (;;) {
    std::deque<Task> batch;
    std::vector<std::pair<paxos::NodeId, uint64_t>> heard;
    bool stop;
    const auto wake_at = awake_.empty() && parked_groups_.empty()
                             ? next_tick + tick * (options_.heartbeat_ticks - 1 -
                                                   static_cast<int>(node_tick_ % options_.heartbeat_ticks))
                             : next_tick;
    {
      // A scrub digest under way goes on a step each round: no sleep.
      const bool digesting = store_ != nullptr && store_->scrub().AnyDigestPending();
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, digesting ? Clock::now() : wake_at,
                     [&] { return !inbox_.empty() || off_ || wake_for_heard_; });
      batch.swap(inbox_);
      if (any_heard_) TakeHeard(&heard);
      stop = off_;
    }
    // Woken for only a few tasks, a write among them (Task::write): give the
    // core up once (sched_yield), so that the threads about to hand this
    // node more (HTTP workers with requests parsed, peers with Accepts) do
    // so first, and this round's group commit takes it all. With nothing
    // else runnable it returns at once. make bench, PutItem at 16
    // connections: +5% (A B, three rounds), and a lower p99. Rounds of
    // reads alone do not yield: they gain nothing from company, and
    // yielding for them cost GetItem 4-8% and raised its p99 by a third.
    const bool writes = std::any_of(batch.begin(), batch.end(), [](const Task& t) { return t.write; });
    if (!stop && !batch.empty() && batch.size() < kYieldBelowTasks && writes) {
      sched_yield();
      std::lock_guard<std::mutex> lock(mu_);
      for (Task& t : inbox_) batch.push_back(std::move(t));
      inbox_.clear();
    }
    // The clock first, so that a replica woken by a task below is handed
    // every tick it slept through.
    for (auto now = Clock::now(); now >= next_tick; now = Clock::now()) {
      TickAll();
      next_tick += tick;
      // A thread that fell far behind (a slow disk) does not replay every tick.
      if (now - next_tick > tick * 10) next_tick = now + tick;
    }
    for (const auto& [peer, incarnation] : heard) HearNode(peer, incarnation);
    for (Task& t : batch) RunTask(t);
    FlushReady();
    StepDigests();
    ApplyDueDelayed();
    RunParked();
    SleepQuietGroups();
    if (stop) break;
  }
}

void StorageNode::RunTask(Task& t) {
  if (t.fn) {
    running_ = &t.fn;
    running_deadline_ = {};  // not parked yet (WaitForLease)
    t.fn(std::move(t.reply));
    running_ = nullptr;
    return;
  }
  Group* g = FindGroup(t.message->group);
  if (g == nullptr) return;
  Wake(g);
  g->replica->Step(*t.message);
}

// Only the groups awake tick; the node's own heartbeats stand for the
// sleeping ones.
void StorageNode::TickAll() {
  ++node_tick_;
  for (uint64_t id : awake_) groups_.at(id).replica->Tick();
  if (node_tick_ % static_cast<uint64_t>(options_.heartbeat_ticks) == 0) SendNodeHeartbeats();
  WatchPeers();
}

void StorageNode::FlushReady() {
  for (size_t round = 0; round < kMaxReadyRounds; ++round) {
    std::vector<std::pair<Group*, paxos::Ready>> readies;
    for (uint64_t id : awake_) {
      Group& g = groups_.at(id);
      if (g.replica->HasReady()) readies.emplace_back(&g, g.replica->TakeReady());
    }
    if (readies.empty()) return;
    // A leader's Ready that only commits answers its plain writes first.
    for (auto& [g, ready] : readies) AnswerCommitted(g, ready);
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
    const bool apply_items = ready.apply_items && !g->row.log_replica;
    for (size_t i = 0; s.ok() && i < ready.committed.size(); ++i) s = ApplyCommitted(g, ready.committed[i], apply_items);
    if (!s.ok()) {
      store_->Rollback();
      return s;
    }
  }
  if (int delay = disk_delay_ms_.load(); delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  RETURN_IF_ERROR(store_->Commit());
  uint64_t applied = 0;
  for (const auto& [g, ready] : readies) applied += ready.committed.size();
  if (applied > 0) applied_records_.fetch_add(applied, std::memory_order_relaxed);
  return Status::Ok();
}

void StorageNode::Finish(std::vector<std::pair<Group*, paxos::Ready>>& readies) {
  for (auto& [g, ready] : readies) {
    for (paxos::Message& m : ready.messages) transport_->Send(std::move(m));
    g->replica->Advance(ready);
    NoteCommitted(g, ready);
    Settle(g, ready);
    if (ready.snapshot) RequestSnapshot(g, *ready.snapshot);
  }
  if (store_->TakeOutboxAdded() && options_.on_outbox) options_.on_outbox();
  DropRemoved();
}

void StorageNode::StepDigests() {
  if (store_ == nullptr || !store_->scrub().AnyDigestPending()) return;
  // About 0.2 ms of a node thread (a row took 3.6 us on this machine):
  // what a read arriving meanwhile waits at most.
  constexpr size_t kDigestStepRows = 64;
  Status s = store_->scrub().StepDigests(kDigestStepRows);
  if (!s.ok()) {
    std::fprintf(stderr, "ddb-local: %s: a scrub digest was dropped: %s\n", options_.name.c_str(),
                 s.ToString().c_str());
  }
}

void StorageNode::AddGroup(ReplicaRow row, bool whole_group_restarted, bool created) {
  paxos::ReplicaConfig config;
  config.whole_group_restarted = whole_group_restarted;
  config.group = row.group;
  config.self = options_.id;
  config.members = row.members;
  config.election_ticks = options_.election_ticks;
  config.heartbeat_ticks = options_.heartbeat_ticks;
  config.lease_ticks = options_.lease_ticks;
  config.quiesce_ticks = options_.quiesce_ticks;
  config.random_seed = (row.group << 16) ^ options_.id;
  config.joined_lsn = row.joined_lsn;
  Group g;
  g.replica = std::make_unique<paxos::Replica>(config, row.state);
  row.state = paxos::PersistedState();  // the replica owns the records now
  g.row = std::move(row);
  uint64_t id = g.row.group;
  Group& added = groups_[id] = std::move(g);
  awake_.insert(id);
  ++group_changes_;
  if (created) return;
  Status s = LoadTxnState(&added);
  CHECK(s.ok() && "cannot load transaction state");
}

StorageNode::Group* StorageNode::FindGroup(uint64_t group) {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second;
}

bool StorageNode::RefuseUnlessLeader(Group* g, const ReplyFn& reply) {
  if (g == nullptr) {
    // Refused, not "not found": the router's partition map may be older than
    // a membership change that moved this replica away; it tries the other
    // members (a deleted table is answered NotFound before any node is asked).
    reply(Reply(Status::Unavailable("no such replica on this node")));
    return true;
  }
  Wake(g);  // every write and read-modify-write comes this way
  if (!g->replica->IsLeader()) {
    if (g->replica->leader_hint() == 0 && WaitForElection(g, reply)) return true;
    reply(Reply(Status::Unavailable("not the leader"), g->replica->leader_hint()));
    return true;
  }
  // A leader's items must hold every committed record (stale reads or a
  // digest may have left some queued from when it was a follower).
  if (Status s = CatchUp(g); !s.ok()) {
    reply(Reply(s));
    return true;
  }
  // A new leader reads (and checks transaction locks) against its applied
  // state only once that includes every earlier leader's records; until
  // then (one round), writes wait for it (or, past their time, are refused
  // and retried).
  if (!g->replica->OpeningApplied()) {
    if (WaitForElection(g, reply)) return true;
    reply(Reply(Status::Unavailable("leader not ready")));
    return true;
  }
  return false;
}

}  // namespace ddb::cluster
