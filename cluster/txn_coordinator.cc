// TxnCoordinator: two-phase commit over the participants' leaders, and the
// recovery sweep; see txn_coordinator.h and cluster.h.
#include "cluster/txn_coordinator.h"

#include <condition_variable>
#include <map>
#include <set>
#include <thread>

#include "base/random.h"
#include "cluster/node_replies.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

namespace {
using Clock = std::chrono::steady_clock;

// A live node answers within milliseconds; this bounds the first, parallel
// attempt, after which the router's retries take over.
constexpr auto kFirstAttempt = std::chrono::milliseconds(2000);
// Prepares run at most this long after the transaction began. It is no
// longer than any wait after which the coordinator sends a request again
// (kFirstAttempt, the router's per-attempt timeout), so an earlier copy that
// runs late, when the transaction may be decided, is always refused.
constexpr auto kPrepareWindow = std::chrono::milliseconds(2000);
// How long a TransactRead keeps retrying items a writer holds.
constexpr auto kReadConflictWait = std::chrono::milliseconds(500);

bool Retryable(const Status& s) { return s.IsUnavailable() || s.IsUncertain(); }

// The outcome of an action, as the caller's result.
bool Definitive(const Status& s) {
  return s.ok() || s.IsConflict() || s.code() == Status::Code::kConditionFailed || s.IsInvalidArgument();
}

}  // namespace

TxnCoordinator::TxnCoordinator(RouteFn route, RouterFn router, GroupRouteFn group_route, HookFn hook)
    : route_(std::move(route)),
      router_(std::move(router)),
      group_route_(std::move(group_route)),
      hook_(std::move(hook)),
      id_random_(RandomU64()) {}

std::string TxnCoordinator::NewTxnId() {
  // 16 bytes: a random number and a counter, unique across restarts in practice.
  std::lock_guard<std::mutex> lock(id_mu_);
  std::string id = KeyHashBytes(id_random_());
  id += KeyHashBytes(++id_counter_);
  return id;
}

std::vector<NodeReply> TxnCoordinator::Fanout(const std::vector<const PartitionRoute*>& parts, const NodeCall& call) {
  Router& router = router_();
  NodeReplies replies(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) call(i, router.Node(router.LeaderHint(*parts[i])), replies.Slot(i));
  replies.WaitAll(kFirstAttempt);
  std::vector<NodeReply> out(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    auto r = replies.Take(i);
    if (r) {
      out[i] = std::move(*r);
    } else {
      out[i].status = Status::Uncertain("storage node did not answer in time");
    }
  }
  // Every call here is idempotent for the same transaction (a prepare meets
  // its own lock, a commit or abort of nothing held does nothing, the first
  // decide wins), so refused or unanswered ones are simply sent again.
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!Retryable(out[i].status)) continue;
    out[i] = router.ToLeader(*parts[i], [&](StorageNode* n, ReplyFn done) { call(i, n, std::move(done)); });
  }
  return out;
}

void TxnCoordinator::ResolveAll(const std::vector<const PartitionRoute*>& parts, const std::string& txn,
                                bool commit) {
  std::vector<const PartitionRoute*> distinct;
  std::set<uint64_t> seen;
  for (const PartitionRoute* p : parts) {
    if (seen.insert(p->group).second) distinct.push_back(p);
  }
  // Failures are left to the sweep: the outcome is already fixed.
  Fanout(distinct, [&](size_t i, StorageNode* n, ReplyFn done) {
    n->Resolve(distinct[i]->group, txn, commit, std::move(done));
  });
}

Status TxnCoordinator::Participants(const std::vector<TxnAction>& actions,
                                    std::vector<std::shared_ptr<const TableRoute>>* routes,
                                    std::vector<const PartitionRoute*>* parts) {
  for (const TxnAction& a : actions) {
    auto route = route_(a.table);
    if (!route) return Status::NotFound(a.table.name);
    parts->push_back(&route->ForHash(KeyHash(a.key.hash)));
    routes->push_back(std::move(route));
  }
  return Status::Ok();
}

Status TxnCoordinator::Write(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results,
                             std::string* txn_id) {
  CHECK(!actions.empty());
  std::vector<std::shared_ptr<const TableRoute>> routes;
  std::vector<const PartitionRoute*> parts;
  RETURN_IF_ERROR(Participants(actions, &routes, &parts));
  const std::string txn = NewTxnId();
  if (txn_id != nullptr) *txn_id = txn;
  const auto deadline = Clock::now() + kPrepareWindow;
  const PartitionRoute* decider = parts.front();

  // Phase 1: prepare everywhere at once.
  std::vector<NodeReply> prepared = Fanout(parts, [&](size_t i, StorageNode* n, ReplyFn done) {
    n->Prepare(parts[i]->group,
               TxnPrepare{txn, actions[i].key, actions[i].mutator, false, decider->group, deadline}, std::move(done));
  });
  results->assign(actions.size(), TxnActionResult{});
  Status failed;
  bool cancelled = false;
  for (size_t i = 0; i < actions.size(); ++i) {
    (*results)[i] = TxnActionResult{prepared[i].status, std::move(prepared[i].item), std::move(prepared[i].new_item)};
    const Status& s = (*results)[i].status;
    if (s.ok()) continue;
    if (Definitive(s)) {
      cancelled = true;
    } else if (failed.ok()) {
      failed = s;
    }
  }
  if (cancelled || !failed.ok()) {
    // No commit decision is ever recorded, so abort is the outcome.
    ResolveAll(parts, txn, false);
    if (failed.IsBusy()) return Status::Unavailable("transaction took too long to prepare");
    return failed.ok() ? Status::ConditionFailed("transaction cancelled") : failed;
  }

  if (hook_ && !hook_("prepared")) return Status::Uncertain("coordinator stopped (test)");
  // Phase 2: the decision, then commit everywhere.
  Router& router = router_();
  NodeReply decided = router.ToLeader(*decider, [&](StorageNode* n, ReplyFn done) {
    n->Decide(decider->group, txn, true, std::move(done));
  });
  if (!decided.status.ok()) return Status::Uncertain("transaction decision not recorded: " + decided.status.message());
  if (!decided.committed) {
    // The sweep found the transaction stalled and aborted it first.
    ResolveAll(parts, txn, false);
    for (TxnActionResult& r : *results) r.status = Status::Conflict("Transaction is ongoing for the item");
    return Status::Conflict("transaction aborted by recovery");
  }
  if (hook_ && !hook_("decided")) return Status::Uncertain("coordinator stopped (test)");
  ResolveAll(parts, txn, true);
  return Status::Ok();
}

Status TxnCoordinator::Read(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results) {
  CHECK(!actions.empty());
  std::vector<std::shared_ptr<const TableRoute>> routes;
  std::vector<const PartitionRoute*> parts;
  RETURN_IF_ERROR(Participants(actions, &routes, &parts));
  const std::string txn = NewTxnId();
  const auto deadline = Clock::now() + kPrepareWindow;
  const auto give_up = Clock::now() + kReadConflictWait;
  results->assign(actions.size(), TxnActionResult{});
  std::vector<size_t> todo(actions.size());
  for (size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  auto backoff = std::chrono::microseconds(500);
  for (;;) {
    std::vector<const PartitionRoute*> todo_parts;
    for (size_t i : todo) todo_parts.push_back(parts[i]);
    std::vector<NodeReply> got = Fanout(todo_parts, [&](size_t j, StorageNode* n, ReplyFn done) {
      const size_t i = todo[j];
      n->Prepare(todo_parts[j]->group, TxnPrepare{txn, actions[i].key, nullptr, true, 0, deadline},
                 std::move(done));
    });
    std::vector<size_t> conflicts;
    for (size_t j = 0; j < todo.size(); ++j) {
      (*results)[todo[j]] = TxnActionResult{got[j].status, std::move(got[j].item), std::nullopt};
      if (got[j].status.IsConflict()) conflicts.push_back(todo[j]);
    }
    // Items a writer holds are asked again while the others stay locked
    // (writers never wait, so this cannot deadlock), for a bounded time.
    if (conflicts.empty() || Clock::now() >= give_up) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::microseconds(20000));
    todo = std::move(conflicts);
  }
  ResolveAll(parts, txn, false);  // release the shared locks
  Status failed;
  bool cancelled = false;
  for (const TxnActionResult& r : *results) {
    if (r.status.ok()) continue;
    if (Definitive(r.status)) {
      cancelled = true;
    } else if (failed.ok()) {
      failed = r.status;
    }
  }
  if (failed.IsBusy()) return Status::Unavailable("transaction took too long to prepare");
  if (!failed.ok()) return failed;
  return cancelled ? Status::ConditionFailed("transaction cancelled") : Status::Ok();
}

Result<bool> TxnCoordinator::Outcome(const TableMeta& table, const Key& first_key, const std::string& txn_id) {
  auto route = route_(table);
  if (!route) return Status::NotFound(table.name);
  const PartitionRoute& decider = route->ForHash(KeyHash(first_key.hash));
  NodeReply d = router_().ToLeader(decider, [&](StorageNode* n, ReplyFn done) {
    n->Decide(decider.group, txn_id, false, std::move(done));
  });
  if (!d.status.ok()) return d.status;
  return d.committed;
}

void TxnCoordinator::StartSweep(std::vector<StorageNode*> nodes, std::chrono::milliseconds age) {
  sweeper_ = std::thread([this, nodes = std::move(nodes), age] {
    const auto period = std::max(std::chrono::milliseconds(50), age / 4);
    std::unique_lock<std::mutex> lock(sweep_mu_);
    while (!sweep_cv_.wait_for(lock, period, [&] { return sweep_stop_; })) {
      lock.unlock();
      Sweep(nodes, age);
      lock.lock();
    }
  });
}

void TxnCoordinator::StopSweep() {
  {
    std::lock_guard<std::mutex> lock(sweep_mu_);
    sweep_stop_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

void TxnCoordinator::Sweep(const std::vector<StorageNode*>& nodes, std::chrono::milliseconds age) {
  for (StorageNode* node : nodes) {
    if (!node->powered_on()) continue;
    NodeReplies reply(1);
    node->StaleLocks(age, reply.Slot(0));
    if (!reply.WaitAll(kFirstAttempt)) continue;
    std::vector<StaleLock> stale = std::move(reply.Take(0)->stale);
    for (const StaleLock& s : stale) {
      bool commit = false;
      if (s.decision_group != 0) {
        auto route = group_route_(s.decision_group);
        if (!route) continue;  // its table is gone
        const PartitionRoute* decider = nullptr;
        for (const PartitionRoute& p : route->partitions) {
          if (p.group == s.decision_group) decider = &p;
        }
        if (decider == nullptr) continue;
        // Abort unless the coordinator already recorded commit.
        NodeReply d = router_().ToLeader(*decider, [&](StorageNode* n, ReplyFn done) {
          n->Decide(s.decision_group, s.txn, false, std::move(done));
        });
        if (!d.status.ok()) continue;  // next pass
        commit = d.committed;
      }
      // The reporting node led the group a moment ago; if it no longer
      // does, the next pass asks the new leader.
      node->Resolve(s.group, s.txn, commit, [](NodeReply) {});
    }
  }
}

}  // namespace ddb::cluster
