// TxnCoordinator: drives a transaction's participants through two-phase
// commit (the protocol is described in cluster.h, the records in
// wal_record.h), and the recovery sweep that finishes transactions whose
// coordinator stopped half-way.
//
// The coordinator keeps nothing that matters in memory: a transaction is
// committed exactly when its decide record in the decision group says so,
// and the locks say who still has to hear it. So a coordinator that dies
// (its request thread, or the whole process) leaves nothing the sweep
// cannot finish.
//
// Thread safety: every method may be called from any thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/memds.h"
#include "cluster/router.h"

namespace ddb::cluster {

class TxnCoordinator {
 public:
  // `route` resolves a table (nullptr when gone), `router` picks a router,
  // `group_route` finds the partition of a group (nullptr when gone).
  using RouteFn = std::function<std::shared_ptr<const TableRoute>(const TableMeta&)>;
  using RouterFn = std::function<Router&()>;
  using GroupRouteFn = std::function<std::shared_ptr<const TableRoute>(uint64_t group)>;
  using HookFn = std::function<bool(const std::string& phase)>;  // ClusterOptions::txn_test_hook
  TxnCoordinator(RouteFn route, RouterFn router, GroupRouteFn group_route, HookFn hook);

  Status Write(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results, std::string* txn_id);
  Result<bool> Outcome(const TableMeta& table, const Key& first_key, const std::string& txn_id);
  Status Read(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results);

  // One pass of the recovery sweep over `nodes`: resolves every lock older
  // than `age` that a node's leader reports.
  void Sweep(const std::vector<StorageNode*>& nodes, std::chrono::milliseconds age);
  // A thread that runs Sweep every age/4 (at least 50 ms) until StopSweep,
  // which joins it (idempotent; before the nodes stop).
  void StartSweep(std::vector<StorageNode*> nodes, std::chrono::milliseconds age);
  void StopSweep();
  ~TxnCoordinator() { StopSweep(); }

 private:
  using NodeCall = std::function<void(size_t, StorageNode*, ReplyFn)>;
  std::string NewTxnId();
  // Sends call i to the leader of parts[i] (all at once), then retries
  // through the router, one by one, the calls refused or unanswered.
  std::vector<NodeReply> Fanout(const std::vector<const PartitionRoute*>& parts, const NodeCall& call);
  // Commit or abort `txn` on each distinct partition of `parts`.
  void ResolveAll(const std::vector<const PartitionRoute*>& parts, const std::string& txn, bool commit);
  // Participants of the actions, or NotFound; keeps the routes alive.
  Status Participants(const std::vector<TxnAction>& actions, std::vector<std::shared_ptr<const TableRoute>>* routes,
                      std::vector<const PartitionRoute*>* parts);

  RouteFn route_;
  RouterFn router_;
  GroupRouteFn group_route_;
  HookFn hook_;
  std::thread sweeper_;
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool sweep_stop_ = false;  // guarded by sweep_mu_
  std::mutex id_mu_;
  std::mt19937_64 id_random_;  // guarded by id_mu_
  uint64_t id_counter_ = 0;    // guarded by id_mu_
};

}  // namespace ddb::cluster
