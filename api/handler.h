// Handler: the DynamoDB JSON 1.0 protocol over the cluster. It takes an HTTP
// request already split into target, content type, authorization and body,
// and returns the status and JSON body to send. It knows no sockets: the HTTP
// server (src/http_server.cc) adds the request id and CRC32 headers.
//
// Request path: check the content type and credentials (the namespace comes
// from the access key id and region of the SigV4 Authorization header, unless
// shared_db), parse the body, dispatch on the operation named by X-Amz-Target
// ("DynamoDB_20120810.<Operation>"), validate completely, then call the
// cluster. Errors are api::Error values rendered by RenderError.
//
// Thread safety: Handle may be called from any number of threads at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/error.h"
#include "api/index_builder.h"
#include "api/fault_rules.h"
#include "api/metrics.h"
#include "api/request_gate.h"
#include "api/table_schema.h"
#include "api/token_cache.h"
#include "cluster/cluster.h"

namespace ddb::api {

// Views of the HTTP request's headers and body, valid during Handle.
struct HttpRequest {
  std::string_view target;         // X-Amz-Target
  std::string_view content_type;   // Content-Type
  std::string_view authorization;  // Authorization; empty when absent
  std::string_view host;           // Host, for DescribeEndpoints
  std::string_view body;
};

struct HttpResponse {
  int status = 200;
  std::string body;
};

class Handler {
 public:
  // Starts the background index builder (index_builder.h).
  Handler(cluster::Cluster* cluster, bool shared_db);
  // Stops background work; call before stopping the cluster.
  void Stop() { indexes_.Stop(); }
  HttpResponse Handle(const HttpRequest& request);
  const Metrics& metrics() const { return metrics_; }
  // The fault rules every request is checked against (api/fault_rules.h).
  FaultRules& faults() { return faults_; }
  // Every request passes it; snapshots and restores close it (api/request_gate.h).
  RequestGate* gate() { return &gate_; }
  // The write gate every item write holds (index_builder.h).
  IndexBuilder* index_builder() { return &indexes_; }

  // Runs operation `op` (e.g. "PutItem") on a parsed request in namespace
  // `ns` ("<key id>_<region>/", or "" with -sharedDb), as a client's request
  // would run, without HTTP, metrics or fault rules. For the seed loader.
  ApiResult<std::string> Call(const std::string& op, const std::string& ns, const JsonValue& request);
  // Whether table `name` of namespace `ns` exists (a route lookup: no
  // storage node is asked, unlike DescribeTable, whose item count waits for
  // every partition's leader). For the seed loader.
  bool HasTable(const std::string& ns, const std::string& name) const;
  // The namespace prefix for an access key id and region ("" with -sharedDb).
  std::string Namespace(const std::string& access_key, const std::string& region) const {
    return shared_db_ ? "" : access_key + "_" + region + "/";
  }

  // {"__type":"...","message":"..."}
  static std::string RenderError(const Error& e);
  // The operation named by an X-Amz-Target value, or "" when it names none.
  static std::string OperationName(std::string_view target);
  // Whether the operation an X-Amz-Target value names changes nothing
  // (GetItem, Query, ListTables, DescribeTable, ...): false for every
  // other operation, and for a value that names none.
  static bool ReadsOnly(std::string_view target);

 private:
  // `table` receives the request's TableName when it has one.
  ApiResult<std::string> Dispatch(const HttpRequest& request, std::string* table);

  cluster::Cluster* cluster_;
  bool shared_db_;
  SchemaCache schemas_;
  TokenCache tokens_;
  Metrics metrics_;
  IndexBuilder indexes_{cluster_, &schemas_};
  FaultRules faults_;
  RequestGate gate_;
};

}  // namespace ddb::api
