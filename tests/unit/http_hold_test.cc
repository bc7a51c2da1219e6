// src/http_server.h's hold: from Hold() to Release() requests are read and
// wait; from ReleaseReads() on, those that change nothing are answered and
// the others still wait (main, while a seed's files are written). Drives a
// real HttpServer on a loopback port over an in-memory cluster.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "api/admin.h"
#include "api/handler.h"
#include "cluster/cluster.h"
#include "src/http_server.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb {
namespace {

// A connection to the server; Send writes one DynamoDB request, Answer
// reads one response (status and body), waiting at most `wait_ms`.
class Client {
 public:
  explicit Client(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(const std::string& op, const std::string& body) {
    const std::string req =
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: DynamoDB_20120810." + op + "\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0\r\n"
        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  }
  // "" when no whole response came in `wait_ms`.
  std::string Answer(int wait_ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      const size_t head_end = in_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t at = in_.find("Content-Length: ");
        if (at != std::string::npos && at < head_end) {
          const size_t length = std::stoul(in_.substr(at + 16));
          if (in_.size() >= head_end + 4 + length) {
            std::string whole = in_.substr(0, head_end + 4 + length);
            in_.erase(0, whole.size());
            return whole;
          }
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return "";
      in_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string in_;
};

bool Ok(const std::string& response) { return response.rfind("HTTP/1.1 200", 0) == 0; }

TEST_CASE("http hold: from ReleaseReads reads are answered and writes wait for Release", "[unit]") {
  cluster::ClusterOptions o;
  o.in_memory = true;
  o.open_storage_at_start = true;
  auto cluster = cluster::Cluster::Start(o);
  REQUIRE(cluster.ok());
  api::Handler handler(cluster->get(), /*shared_db=*/true);
  api::AdminHandler admin(cluster->get(), &handler.metrics(), &handler.faults(), true);
  ServerOptions so;
  so.port = 0;
  HttpServer server(so, &handler, &admin);
  REQUIRE(server.Bind().ok());
  std::thread serving([&] { server.Serve(); });
  const std::string key = R"({"TableName":"held","Key":{"id":{"S":"a"}}})";
  {
    Client setup(server.port());
    setup.Send("CreateTable", R"({"TableName":"held","BillingMode":"PAY_PER_REQUEST",)"
                              R"("AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],)"
                              R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})");
    const std::string created = setup.Answer(10000);
    INFO(created);
    CHECK(Ok(created));
  }
  server.Hold();
  Client writer(server.port());
  writer.Send("PutItem", R"({"TableName":"held","Item":{"id":{"S":"a"}}})");
  Client reader(server.port());
  reader.Send("ListTables", "{}");
  // Both are read and wait: nothing is answered while everything is held.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.Waiting() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  CHECK(server.Waiting() == 2);
  server.ReleaseReads();
  // Whether a GetItem answered finds the item.
  auto found = [&] {
    reader.Send("GetItem", key);
    const std::string answer = reader.Answer(10000);
    CHECK(Ok(answer));
    return answer.find("\"Item\"") != std::string::npos;
  };
  // The read is answered; the write still waits, and has changed nothing.
  CHECK(Ok(reader.Answer(10000)));
  CHECK_FALSE(found());
  CHECK(server.Waiting() == 1);
  server.Release();
  CHECK(Ok(writer.Answer(10000)));
  CHECK(found());
  server.Drain();
  serving.join();
  handler.Stop();
}

TEST_CASE("http hold: only operations that change nothing are reads", "[unit]") {
  for (const char* op : {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "ListTables",
                         "DescribeTable", "ListTagsOfResource", "DescribeTimeToLive", "DescribeContinuousBackups",
                         "DescribeLimits", "DescribeEndpoints"}) {
    CHECK(api::Handler::ReadsOnly(std::string("DynamoDB_20120810.") + op));
  }
  for (const char* op : {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "CreateTable",
                         "DeleteTable", "UpdateTable", "TagResource", "UntagResource", "UpdateTimeToLive",
                         "UpdateContinuousBackups", "NoSuchOperation"}) {
    CHECK_FALSE(api::Handler::ReadsOnly(std::string("DynamoDB_20120810.") + op));
  }
  CHECK_FALSE(api::Handler::ReadsOnly("GetItem"));  // no API version
  CHECK_FALSE(api::Handler::ReadsOnly(""));
}

}  // namespace
}  // namespace ddb
