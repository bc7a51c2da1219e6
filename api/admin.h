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
//   POST /admin/reset      {}                                 delete every table
//                          {"namespace": "<key id>_<region>"} delete its tables
//                          {"namespace": ..., "table": "T"}   delete T's items
//                                                             (and its indexes'),
//                                                             keep the table
//                          (with -sharedDb, leave "namespace" out)
//
// Errors are {"error": "..."} with HTTP 400 (bad request) or 404 (unknown
// path or target). This is not DynamoDB's API and has no DynamoDB errors.
//
// Thread safety: Handle may be called from any number of threads at once.
#pragma once

#include <string>

#include "api/handler.h"
#include "api/metrics.h"
#include "cluster/cluster.h"

namespace ddb::api {

class AdminHandler {
 public:
  AdminHandler(cluster::Cluster* cluster, const Metrics* metrics) : cluster_(cluster), metrics_(metrics) {}
  HttpResponse Handle(const std::string& method, const std::string& path, const std::string& body);

 private:
  cluster::Cluster* cluster_;
  const Metrics* metrics_;
};

}  // namespace ddb::api
