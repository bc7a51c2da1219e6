// AdminHandler: ddb-local's own HTTP API for the machinery, under /admin/ on
// the same port — the cluster's state as JSON, and fault injection.
//
//   GET  /admin/cluster                 nodes, replicas, tables, partitions,
//                                       MemDS and router counters
//   GET  /admin/metrics                 per-operation counts, errors, throttles
//                                       and latency histograms; recent requests
//                                       (api/metrics.h)
//   POST /admin/power-off  {"target": "az-b-node-1" | "az-b"}
//   POST /admin/power-on   {"target": ...}
//   POST /admin/network    {"partition": [["az-a"], ["az-b", "az-c-node-1"]],
//                           "dropRate": 0.1, "delayMs": 5,   replaces the network
//                           "corruptRate": 0.01}             faults; {} heals all
//                                       (a corrupted message fails the receiver's
//                                       checksum check and is dropped)
//   POST /admin/slow-disk  {"target": "az-a-node-1" | "az-a", "delayMs": 50}
//   POST /admin/index-propagation {"paused": true | false}   hold back (or
//                                       resume) writes to global indexes
//   POST /admin/stale-reads {"delayMs": 500}   followers apply committed writes
//                                              this late (0: off); shown as
//                                              "staleReadsMs" in /admin/cluster
//   POST /admin/reset      {}                                 delete every table
//                          {"namespace": "<key id>_<region>"} delete its tables
//                          {"namespace": ..., "table": "T"}   delete T's items
//                                                             (and its indexes'),
//                                                             keep the table
//                          (with -sharedDb, leave "namespace" out)
//   GET    /admin/faults                fault rules in force (api/fault_rules.h)
//   POST   /admin/faults   {"fault": "ThrottlingException", "table": "T",
//                           "operations": "write", "count": 3}   -> {"id": 1}
//          {"fault": "UnprocessedItems", "table": "T", "count": 2, "items": 5}
//          ("UnprocessedKeys": the same for BatchGetItem)
//          optional: "namespace", "key": {"pk": {"S": "a"}}, "durationMs",
//          "message"
//   DELETE /admin/faults/ID             remove one rule; DELETE /admin/faults all
//   POST   /admin/import   {"namespace": "<key id>_<region>", "table": "T",
//                           "lines": "<DynamoDB JSON lines>", "firstLine": 1,
//                           "source": "file name for errors"}  -> {"items": n}
//                          the -seed loader (api/seed.h); an error names the line
//   POST   /admin/snapshot {"name": "base"}  a snapshot of every table -> {"ms": ...}
//   POST   /admin/restore  {"name": "base"}  every table back to it   -> {"ms": ...}
//   GET    /admin/snapshots                  {"snapshots": [{"name", "createdMs"}]}
//   DELETE /admin/snapshots/NAME
//          Requests wait while a snapshot or restore runs (they see the state
//          before or after it); snapshots live in memory until the process ends.
//
// Fault injection (power, network, slow-disk, stale reads and fault rules;
// not GET, not reset, import or snapshots) answers 403 unless the server is bound to a loopback address or
// was started with -faultInjection.
//
// Errors are {"error": "..."} with HTTP 400 (bad request) or 404 (unknown
// path or target). This is not DynamoDB's API and has no DynamoDB errors.
//
// Thread safety: Handle may be called from any number of threads at once.
#pragma once

#include <string>

#include "api/fault_rules.h"
#include "api/handler.h"
#include "api/metrics.h"
#include "cluster/cluster.h"

namespace ddb::api {

class AdminHandler {
 public:
  // `fault_injection`: whether the fault endpoints answer (see above).
  AdminHandler(cluster::Cluster* cluster, const Metrics* metrics, FaultRules* faults, bool fault_injection)
      : cluster_(cluster), metrics_(metrics), faults_(faults), fault_injection_(fault_injection) {}
  // Enables POST /admin/import, which writes through `handler`.
  void set_handler(Handler* handler) { handler_ = handler; }
  HttpResponse Handle(const std::string& method, const std::string& path, const std::string& body);

 private:
  cluster::Cluster* cluster_;
  const Metrics* metrics_;
  FaultRules* faults_;
  bool fault_injection_;
  Handler* handler_ = nullptr;
};

}  // namespace ddb::api
