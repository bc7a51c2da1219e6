// HTTP/1.1 on one blocking socket: requests read with libhttp_parser
// (Debian's libhttp-parser-dev, the parser Node.js used until v12, linked
// statically), responses written with one sendmsg each.
//
// What it is not: a router or a server. It knows nothing of DynamoDB; the
// accept loop and the routes are in http_server.cc.
//
// Per request it costs one recv (a request that arrives in pieces, or a
// pipelined one, takes more or fewer) and one sendmsg: cpp-httplib's server,
// which ddb-local used before, made six poll()s, two send()s and a
// getpeername() around the same recv. Measured with wrk on two cores, a
// fixed answer: about 1.9 times the requests per second.
//
// Limits: a request head (request line and headers) of at most 16 KB and a
// body of at most kMaxBodyBytes (16 MB), DynamoDB's; a larger head gets 400,
// a larger body 413 before it is read. Chunked bodies are decoded;
// `Expect: 100-continue` gets its interim answer.
//
// Thread safety: a WireConnection belongs to the one thread serving its socket.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddb {

constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;

struct WireRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;
  bool keep_alive = true;  // the client allows another request on this connection
  bool http10 = false;

  // The value of header `name` (ASCII case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

struct WireResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // without Content-Length
  std::string body;

  void Set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

class WireConnection {
 public:
  // Takes no ownership of `fd`, a connected blocking socket.
  explicit WireConnection(int fd);
  WireConnection(const WireConnection&) = delete;
  WireConnection& operator=(const WireConnection&) = delete;

  enum class Read {
    kRequest,     // *request holds the next request
    kClosed,      // the peer closed, the socket failed or timed out
    kBadRequest,  // not HTTP/1.x, or a head over 16 KB: answer 400 and close
    kTooLarge,    // the body would pass kMaxBodyBytes: answer 413 and close
  };
  // Reads the next request, waiting as long as the socket's receive timeout.
  Read Next(WireRequest* request);

  // Writes `response` whole: its headers, Content-Length, then the body unless
  // `head_only` (an answer to HEAD). Adds `Connection: close` when `close`,
  // and `Connection: keep-alive` to an HTTP/1.0 client that keeps the
  // connection. False when the socket failed.
  bool Write(const WireResponse& response, bool head_only, bool close, bool http10);

  // After an answer that closes the connection before the request was read
  // whole (413, 400): stops sending, then reads and drops what the client
  // still sends, for at most kLingerSeconds and kLingerBytes. Closing a
  // socket with unread bytes makes the kernel send a reset, which can
  // destroy the answer before the client reads it.
  void Linger();

 private:
  static int OnUrl(http_parser* p, const char* at, size_t n);
  static int OnHeaderField(http_parser* p, const char* at, size_t n);
  static int OnHeaderValue(http_parser* p, const char* at, size_t n);
  static int OnHeadersComplete(http_parser* p);
  static int OnBody(http_parser* p, const char* at, size_t n);
  static int OnMessageComplete(http_parser* p);
  bool SendAll(const char* head, size_t head_n, const char* body, size_t body_n);

  int fd_;
  // Left uninitialized: recv writes what is read, and only the pages it
  // writes are ever touched (a vector zeroed all 64 KB, sixteen fresh pages
  // of a new thread's heap, on the way to a start's first answer).
  std::unique_ptr<char[]> buffer_;
  size_t begin_ = 0;  // buffer_[begin_, end_) is received and not yet parsed
  size_t end_ = 0;
  http_parser parser_;
  WireRequest* request_ = nullptr;
  std::string url_;
  bool in_value_ = false;  // the last header callback was a value
  bool headers_done_ = false;  // later header callbacks are a chunked body's trailers
  bool complete_ = false;
  bool too_large_ = false;
};

}  // namespace ddb
