// bare_server: the bare-HTTP ceiling of the benchmark (bench/run.py).
//
// A minimal cpp-httplib server that answers every POST / with one fixed small
// JSON body and does nothing else: no parsing, no storage. The benchmark drives
// it with exactly the load it sends to ddb-local and dynalite, so the report can
// say what fraction of this machine's HTTP ceiling each workload reaches.
//
// It is configured as well as cpp-httplib allows for this load, so that the
// ceiling is the library's, not a worse configuration's: long keep-alive,
// TCP_NODELAY, a listen backlog of 1024 and enough workers that every
// keep-alive connection of the benchmark (up to 64) has its own thread.
// ddb-local itself no longer uses cpp-httplib (src/http_wire.h); the ceiling
// stays a cpp-httplib server, as the performance issue defines it.
//
// It is not part of ddb-local and is built only by `make bench`:
//   g++ -O2 -std=c++17 bench/bare_server.cc $(pkg-config --cflags --libs cpp-httplib)
//
// Usage: bare_server PORT   (binds 127.0.0.1 only)
// Thread safety: the handlers touch only constant data.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr char kBody[] = "{\"Item\":{\"pk\":{\"S\":\"bare\"},\"sk\":{\"S\":\"s\"}}}";
constexpr size_t kWorkers = 128;              // > the benchmark's 64 connections
constexpr time_t kKeepAliveSeconds = 60;
constexpr size_t kKeepAliveMaxRequests = 1000000;
constexpr int kListenBacklog = 1024;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bare_server PORT\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "bare_server: invalid port '%s'\n", argv[1]);
    return 2;
  }

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.set_tcp_nodelay(true);
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = sock;
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("healthy: bare", "text/plain");
  });
  server.Post("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kBody, sizeof(kBody) - 1, "application/x-amz-json-1.0");
  });

  if (!server.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "bare_server: cannot bind 127.0.0.1:%d\n", port);
    return 1;
  }
  // httplib listened with its compiled-in backlog of 5; widen it.
  if (listen_fd >= 0) ::listen(listen_fd, kListenBacklog);
  std::printf("bare_server listening on http://127.0.0.1:%d/\n", port);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}
