// IndexPropagator: carries global secondary index writes from the base
// partitions' outboxes to the index tables, asynchronously, as DynamoDB
// propagates a base table's writes to its global indexes.
//
// A base partition's replicas put every applied record's global index writes
// into their outbox (node_store.h), in the same transaction as the item. One
// propagator thread asks each node for the outbox rows of the groups it
// leads, applies them to the index tables through `apply` (puts and deletes
// of whole index rows, so applying one twice is harmless), and then proposes
// an outbox trim through the base group, which removes the rows on every
// replica. Rows of one group are applied in LSN order, and every index row
// belongs to one base item, which lives in one group: an index row's
// writes are applied in the order of the base item's versions. A new leader
// finds whatever was not trimmed and sends it again.
//
// The thread sleeps until a node reports new outbox rows, and looks again
// every kRetryInterval for rows whose propagation failed (an index partition
// without a leader, say).
//
// Thread safety: Notify may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/storage_node.h"

namespace ddb::cluster {

class IndexPropagator {
 public:
  // Applies writes to the global index table `name` (id `id`); a table that
  // no longer exists (the index was deleted) drops them and answers OK.
  using ApplyFn =
      std::function<std::vector<Status>(const std::string& name, uint64_t id, const std::vector<Cluster::WriteOp>& ops)>;

  IndexPropagator(std::vector<StorageNode*> nodes, ApplyFn apply);
  ~IndexPropagator() { Stop(); }

  // From Enable() on (paused or not, as SetPaused), the first Notify starts
  // the thread (at once, if one came before): a write that fills an outbox
  // does not wait for Start, which starts it in any case. Once each; no-ops
  // after Stop.
  void Enable(bool paused);
  void Start();
  void Stop();
  void Notify();
  // Forgets what it propagated (the outboxes were replaced by a restore).
  void Forget();
  // Waits (at most `timeout`) until group's writes up to `lsn` reached their
  // indexes; returns at once while paused.
  void WaitFor(uint64_t group, uint64_t lsn, std::chrono::milliseconds timeout);
  // Fault injection: while paused nothing is propagated (the outboxes grow).
  void SetPaused(bool paused);
  bool paused();

 private:
  void Run();
  void StartLocked();  // with mu_ held
  // Propagates what `node` holds; true when it may hold more.
  bool Drain(StorageNode* node);
  // Applies one group's rows in order; the rows up to the first failure are done.
  void PropagateGroup(StorageNode* node, uint64_t group, const std::vector<OutboxRow>& rows, bool complete);

  std::vector<StorageNode*> nodes_;
  ApplyFn apply_;
  std::mutex mu_;
  // Per group, the (lsn, seq) of the newest row already applied; rows up to
  // it are not sent again while a trim is on its way. Guarded by mu_.
  std::map<uint64_t, std::pair<uint64_t, uint32_t>> done_;
  std::condition_variable cv_;
  bool notified_ = false;  // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  bool paused_ = false;    // guarded by mu_
  bool enabled_ = false;   // guarded by mu_
  std::thread thread_;     // started under mu_, joined by Stop
};

}  // namespace ddb::cluster
