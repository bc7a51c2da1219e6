// HttpServer: the HTTP front of ddb-local — DynamoDB's protocol on POST /, the
// health check on GET /, the web UI under /ui/, the admin API under /admin/.
// HTTP/1.1 itself (reading a request, writing an answer) is http_wire.h.
//
// Connections are served by an elastic worker pool: a keep-alive connection
// holds a worker while it is open, so the pool grows (up to a bound) whenever
// every worker is busy, and no request waits behind idle connections.
//
// Thread safety: Bind, then Serve on one thread; Hold, Release and Drain from
// any thread.
#pragma once

#include <memory>
#include <string>

#include "api/admin.h"
#include "api/handler.h"
#include "base/status.h"

namespace ddb {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string cors = "*";   // allowed origins, comma-separated, or *
  std::string ui_dir;       // serve /ui/ from here instead of the embedded files
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, api::Handler* handler, api::AdminHandler* admin);
  ~HttpServer();

  // Binds the listening socket. IoError with a one-line reason on failure.
  Status Bind();
  int port() const;
  // From Hold() to Release() (or Drain()), requests are accepted and read,
  // then wait before they are answered: main() holds them while -seed
  // loads, so that a client that connects early is answered as soon as the
  // seed is in, instead of being refused and trying again. From
  // ReleaseReads() on, requests that change nothing (a GET, or an
  // operation api::Handler::ReadsOnly names) are answered, and the others
  // still wait for Release(): main() answers reads while the seed's files
  // are written (Cluster::FinishLoad).
  void Hold();
  void ReleaseReads();
  void Release();
  // Requests read and waiting for a Release (for tests).
  int Waiting() const;
  // Accepts connections until Drain(); the connections it handed to workers
  // are served on their threads and may outlive it.
  void Serve();
  // Stops accepting connections, waits for the API requests in flight to be
  // answered, and answers any later request on an open connection with 503.
  // After it returns no request touches the handler's cluster.
  void Drain();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddb
