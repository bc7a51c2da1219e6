// HttpServer: the accept loop, the elastic worker pool (one worker per open
// connection), the routes, DynamoDB's response headers and CORS. The HTTP/1.1
// protocol itself is in http_wire.cc.
#include "src/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "base/random.h"
#include "src/http_coding.h"
#include "src/http_text.h"
#include "src/http_wire.h"
#include "webui/assets.h"

namespace ddb {

namespace {

constexpr size_t kMaxWorkers = 1024;
// An idle keep-alive connection is closed after this long; a client that
// stops reading an answer for as long loses its connection too.
constexpr time_t kKeepAliveSeconds = 60;
// SDK connection pools open dozens of connections at once, and a full
// backlog drops SYNs that the client only retries a second later.
constexpr int kListenBacklog = 1024;
// How long Drain() waits for answers still being written.
constexpr int kDrainWriteSeconds = 5;

// A worker pool that starts another thread whenever a connection arrives and
// no worker is idle, up to kMaxWorkers; beyond that, connections wait for a
// worker (a connection frees its worker when it closes, or after 60 s idle).
// Workers stay for the life of the server.
class ElasticPool {
 public:
  explicit ElasticPool(std::function<void(int)> serve) : serve_(std::move(serve)) {}
  ~ElasticPool() { Shutdown(); }

  void Enqueue(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
    // Each idle worker takes one connection; start a worker for every
    // connection beyond them. (Comparing with idle_ == 0 would leave a second
    // connection queued behind one idle worker that has not woken up yet,
    // and that worker may then hold a keep-alive connection for a minute.)
    if (fds_.size() > idle_ && threads_.size() < kMaxWorkers) {
      try {
        threads_.emplace_back([this] { Work(); });
      } catch (const std::system_error&) {
        // No thread to be had (a limit on processes): the connection waits
        // for a worker, or is refused when there is none at all.
        if (threads_.empty()) {
          fds_.pop_back();
          close(fd);
        }
      }
    }
    cv_.notify_one();
  }

  // Joins every worker; each returns once its connection closes.
  void Shutdown() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t.join();
  }

 private:
  void Work() {
    pthread_setname_np(pthread_self(), "http-worker");  // for top -H and perf
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [&] { return stopped_ || !fds_.empty(); });
      --idle_;
      if (stopped_) {
        for (int fd : fds_) close(fd);  // never served
        fds_.clear();
        return;
      }
      int fd = fds_.front();
      fds_.pop_front();
      lock.unlock();
      serve_(fd);
      lock.lock();
    }
  }

  const std::function<void(int)> serve_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> fds_;  // accepted, waiting for a worker
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopped_ = false;
};
// DynamoDB's request ids: 52 characters of [A-Z0-9]; 12 from each 64-bit
// draw (36^12 < 2^64), not one draw per character.
std::string RequestId() {
  thread_local std::mt19937_64 rng{RandomU64()};
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id(52, ' ');
  uint64_t bits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 12 == 0) bits = rng();
    id[i] = kChars[bits % 36];
    bits /= 36;
  }
  return id;
}

// An RFC 7231 date, e.g. "Thu, 26 Nov 2026 01:05:49 GMT"; formatted once a
// second per thread.
std::string HttpDate() {
  thread_local std::time_t formatted = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != formatted) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    formatted = now;
  }
  return text;
}

std::string Crc32(const std::string& body) {
  return std::to_string(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
}

bool OriginAllowed(const std::string& cors, const std::string& origin) {
  if (cors == "*") return true;
  std::stringstream in(cors);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == origin) return true;
  }
  return false;
}

bool StartsWith(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

void SetTimeout(int fd, int option, time_t seconds) {
  timeval tv{};
  tv.tv_sec = seconds;
  setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  api::Handler* handler;
  api::AdminHandler* admin;
  int port = 0;
  int listen_fd = -1;
  std::atomic<bool> stopping{false};
  // API and admin requests hold it shared while they run; Drain() takes it
  // exclusively, which waits for every request in flight.
  std::shared_mutex in_flight;
  bool draining = false;  // guarded by in_flight
  // Answers of admitted API and admin requests not yet written: Drain()
  // waits for them too (for at most kDrainWriteSeconds: a client may not read).
  std::mutex answers_mu;
  std::condition_variable answers_cv;
  int answers_owed = 0;  // guarded by answers_mu
  // While held (Hold() to Release(), or Drain()), a request read waits
  // before it is routed; from ReleaseReads(), only one that may change
  // something. `hold` is written under hold_mu and read without it first,
  // so that a request after Release() takes no lock here.
  enum HoldState : int { kNone, kWrites, kAll };
  std::mutex hold_mu;
  std::condition_variable hold_cv;
  std::atomic<int> hold{kNone};
  int waiting = 0;  // guarded by hold_mu: requests in WaitWhileHeld
  // Every open connection, so that the destructor can wake its worker.
  std::mutex open_mu;
  std::set<int> open_fds;  // guarded by open_mu
  bool closing = false;    // guarded by open_mu
  // Last: destroyed first, its workers joined before the members above go.
  ElasticPool pool{[this](int fd) { ServeConnection(fd); }};

  // Requires Drain() first when Serve() ran.
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(open_mu);
      closing = true;
      for (int fd : open_fds) shutdown(fd, SHUT_RDWR);
    }
    pool.Shutdown();
    if (listen_fd >= 0) close(listen_fd);
  }

  // Called with in_flight held shared by a request that will be answered.
  void OweAnswer() {
    std::lock_guard<std::mutex> lock(answers_mu);
    ++answers_owed;
  }

  void AnswerWritten() {
    std::lock_guard<std::mutex> lock(answers_mu);
    if (--answers_owed == 0) answers_cv.notify_all();
  }

  // CORS headers go on every answer to a request with an allowed Origin
  // (none without one); a preflight (OPTIONS) also gets the allowed methods
  // and headers it asked for, and how long to cache them.
  void AddCors(const WireRequest& req, WireResponse& res) {
    const std::string* origin = req.Header("Origin");
    if (origin == nullptr || !OriginAllowed(options.cors, *origin)) return;
    if (req.method == "OPTIONS") {
      const std::string* methods = req.Header("Access-Control-Request-Method");
      const std::string* headers = req.Header("Access-Control-Request-Headers");
      res.Set("Access-Control-Allow-Methods", methods == nullptr || methods->empty() ? "GET,POST,OPTIONS" : *methods);
      res.Set("Access-Control-Allow-Headers", headers == nullptr ? "" : *headers);
      res.Set("Access-Control-Max-Age", "172800");
    }
    res.Set("Access-Control-Allow-Origin", options.cors == "*" ? "*" : *origin);
    res.Set("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amz-crc32,x-amz-id-2");
  }

  // Sets *owed once the answer is owed (OweAnswer): not refused for draining.
  void Api(const WireRequest& req, WireResponse& res, bool* owed) {
    std::shared_lock<std::shared_mutex> running(in_flight);
    if (draining) {
      res.status = 503;
      res.Set("Content-Type", "application/x-amz-json-1.0");
      res.body = api::Handler::RenderError(api::Error::ServiceUnavailable("ddb-local is shutting down"));
      return;
    }
    OweAnswer();
    *owed = true;
    // The headers that matter, in one pass (the codings: the first of each,
    // as DynamoDB reads them).
    api::HttpRequest in;
    const std::string* content_encoding = nullptr;
    const std::string* accept_encoding = nullptr;
    for (const auto& [key, value] : req.headers) {
      auto is = [&key = key](std::string_view name) { return EqualsIgnoreCase(key, name); };
      if (is("X-Amz-Target")) in.target = value;
      else if (is("Content-Type")) in.content_type = value;
      else if (is("Authorization")) in.authorization = value;
      else if (is("Host")) in.host = value;
      else if (is("Content-Encoding") && content_encoding == nullptr) content_encoding = &value;
      else if (is("Accept-Encoding") && accept_encoding == nullptr) accept_encoding = &value;
    }
    in.body = req.body;
    std::string decoded;  // a compressed request's body
    api::HttpResponse out;
    if (content_encoding == nullptr || Decoded(*content_encoding, req.body, &decoded, &out)) {
      if (content_encoding != nullptr) in.body = decoded;
      out = handler->Handle(in);
    }
    res.status = out.status;
    res.Set("x-amzn-RequestId", RequestId());
    res.Set("Content-Type", "application/x-amz-json-1.0");
    if (accept_encoding != nullptr) CompressAsAccepted(*accept_encoding, &out.body, &res);
    res.Set("x-amz-crc32", Crc32(out.body));  // of the bytes sent, as DynamoDB's
    res.body = std::move(out.body);
  }

  // Decodes a body sent with Content-Encoding `coding` into *decoded
  // (http_coding.h). False, with DynamoDB's answer in *refusal (a 500), when
  // it cannot.
  static bool Decoded(const std::string& coding, const std::string& body, std::string* decoded,
                      api::HttpResponse* refusal) {
    *decoded = body;
    std::string why;
    switch (Decode(coding, kMaxBodyBytes, decoded)) {
      case DecodeResult::kOk: return true;
      case DecodeResult::kUnknownCoding: why = "Unsupported Content-Encoding: " + coding; break;
      case DecodeResult::kDamaged: why = "The request body is not valid " + coding + " data"; break;
      case DecodeResult::kTooLarge: why = "The decompressed request body is over 16 MB"; break;
    }
    *refusal = api::HttpResponse{500, api::Handler::RenderError(api::Error::InternalServer(why))};
    return false;
  }

  // Compresses an answer over 4 KB when the request's Accept-Encoding asks
  // for gzip or deflate, as DynamoDB does.
  static void CompressAsAccepted(const std::string& accept, std::string* body, WireResponse* res) {
    if (body->size() <= kCompressAboveBytes) return;
    const Coding coding = ChooseCoding(accept);
    if (coding == Coding::kIdentity) return;
    std::string compressed = Compress(coding, *body);
    if (compressed.empty()) return;  // zlib failed (out of memory): send it as it is
    body->swap(compressed);
    res->Set("Content-Encoding", CodingName(coding));
  }

  void Admin(const WireRequest& req, WireResponse& res, bool* owed) {
    std::shared_lock<std::shared_mutex> running(in_flight);
    if (draining) {
      res.status = 503;
      return;
    }
    OweAnswer();
    *owed = true;
    api::HttpResponse out = admin->Handle(req.method, req.path, req.body);
    res.status = out.status;
    res.Set("Content-Type", "application/json");
    res.body = std::move(out.body);
  }

  void Ui(const WireRequest& req, WireResponse& res) {
    std::string path = req.path.substr(3);  // strip "/ui"
    if (path.empty()) {
      res.status = 302;
      res.Set("Location", "/ui/");
      return;
    }
    if (path == "/") path = "/index.html";
    if (!options.ui_dir.empty()) {
      if (path.find("..") != std::string::npos) {
        res.status = 404;
        return;
      }
      std::ifstream f(options.ui_dir + path, std::ios::binary);
      if (!f) {
        res.status = 404;
        return;
      }
      std::stringstream buf;
      buf << f.rdbuf();
      res.Set("Content-Type", webui::ContentTypeFor(path));
      res.body = buf.str();
      return;
    }
    const webui::Asset* a = webui::FindAsset(path);
    if (a == nullptr) {
      res.status = 404;
      res.Set("Content-Type", "text/plain");
      res.body = "not found\n";
      return;
    }
    res.Set("Content-Type", webui::ContentTypeFor(path));
    res.body.assign(a->data, a->size);
  }

  // The routes: DynamoDB's API and health check on /, the web UI under /ui/,
  // the admin API under /admin/. HEAD is answered as GET without the body.
  // Sets *owed as Api does.
  void Route(const WireRequest& req, WireResponse& res, bool* owed) {
    const std::string& m = req.method;
    const bool get = m == "GET" || m == "HEAD";
    if (req.path == "/") {
      if (m == "POST") {
        Api(req, res, owed);
      } else if (get) {
        // DynamoDB's health check names the host it was reached at.
        const std::string* host = req.Header("Host");
        res.Set("Content-Type", "text/plain");
        res.body = "healthy: " + (host == nullptr ? std::string() : *host);
      } else if (m != "OPTIONS") {  // a CORS preflight gets its headers below
        res.status = 404;
      }
    } else if (get && (req.path == "/ui" || StartsWith(req.path, "/ui/"))) {
      Ui(req, res);
    } else if ((get || m == "POST" || m == "DELETE") && StartsWith(req.path, "/admin/")) {
      Admin(req, res, owed);
    } else {
      res.status = 404;
    }
    // Every answer carries DynamoDB's Server and Date headers.
    res.Set("Server", "Server");
    res.Set("Date", HttpDate());
    AddCors(req, res);
  }

  // Whether `req` changes nothing: a GET or HEAD (the health check, the
  // web UI's files, the admin API's reads), a CORS preflight, or a
  // DynamoDB operation that only reads.
  static bool ReadsOnly(const WireRequest& req) {
    const std::string& m = req.method;
    if (m == "GET" || m == "HEAD" || m == "OPTIONS") return true;
    if (m != "POST" || req.path != "/") return false;
    const std::string* target = req.Header("X-Amz-Target");
    return target != nullptr && api::Handler::ReadsOnly(*target);
  }

  void WaitWhileHeld(const WireRequest& req) {
    const bool reads_only = ReadsOnly(req);
    std::unique_lock<std::mutex> lock(hold_mu);
    ++waiting;
    hold_cv.wait(lock, [&] {
      const int h = hold.load(std::memory_order_relaxed);
      return h == kNone || (h == kWrites && reads_only);
    });
    --waiting;
  }

  // Serves one connection's requests in turn until it closes, then closes it.
  void ServeConnection(int fd) {
    {
      std::lock_guard<std::mutex> lock(open_mu);
      if (closing) shutdown(fd, SHUT_RDWR);
      open_fds.insert(fd);
    }
    WireConnection conn(fd);
    WireRequest req;
    for (;;) {
      WireConnection::Read read = conn.Next(&req);
      if (read != WireConnection::Read::kRequest) {
        if (read != WireConnection::Read::kClosed) {
          WireResponse res;
          res.status = read == WireConnection::Read::kTooLarge ? 413 : 400;
          res.Set("Server", "Server");
          res.Set("Date", HttpDate());
          if (conn.Write(res, false, /*close=*/true, false)) conn.Linger();
        }
        break;
      }
      WireResponse res;
      bool owed = false;
      if (hold.load(std::memory_order_acquire) != kNone) WaitWhileHeld(req);
      try {
        Route(req, res, &owed);
      } catch (const std::exception& e) {
        // Only the standard library throws here (bad_alloc, say): the
        // request fails, the server stays up.
        std::fprintf(stderr, "ddb-local: %s %s failed: %s\n", req.method.c_str(), req.path.c_str(), e.what());
        res = WireResponse();
        res.status = 500;
        req.keep_alive = false;
      }
      const bool close_after = !req.keep_alive || stopping.load(std::memory_order_relaxed);
      const bool written = conn.Write(res, req.method == "HEAD", close_after, req.http10);
      if (owed) AnswerWritten();
      if (!written || close_after) break;
    }
    {
      std::lock_guard<std::mutex> lock(open_mu);
      open_fds.erase(fd);
    }
    close(fd);
  }
};

HttpServer::HttpServer(ServerOptions options, api::Handler* handler, api::AdminHandler* admin)
    : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->handler = handler;
  impl_->admin = admin;
}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  auto fail = [&](int fd) {
    int err = errno;
    if (fd >= 0) close(fd);
    return Status::IoError("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                           ": " + std::strerror(err));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(impl_->options.port);
  int rc = getaddrinfo(impl_->options.host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::IoError("cannot listen on " + impl_->options.host + ":" + service + ": " + gai_strerror(rc));
  }
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR only: SO_REUSEPORT would let a second ddb-local bind the
    // same port and share its traffic.
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, kListenBacklog) == 0) break;
    int err = errno;
    close(fd);
    fd = -1;
    errno = err;
  }
  freeaddrinfo(found);
  if (fd < 0) return fail(-1);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) return fail(fd);
  impl_->port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                  : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl_->listen_fd = fd;
  return Status::Ok();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Hold() {
  std::lock_guard<std::mutex> lock(impl_->hold_mu);
  impl_->hold = Impl::kAll;
}

void HttpServer::ReleaseReads() {
  {
    std::lock_guard<std::mutex> lock(impl_->hold_mu);
    if (impl_->hold == Impl::kAll) impl_->hold = Impl::kWrites;
  }
  impl_->hold_cv.notify_all();
}

void HttpServer::Release() {
  {
    std::lock_guard<std::mutex> lock(impl_->hold_mu);
    impl_->hold = Impl::kNone;
  }
  impl_->hold_cv.notify_all();
}

int HttpServer::Waiting() const {
  std::lock_guard<std::mutex> lock(impl_->hold_mu);
  return impl_->waiting;
}

void HttpServer::Serve() {
  while (!impl_->stopping.load()) {
    int fd = accept4(impl_->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (impl_->stopping.load()) break;
      if (errno == EBADF || errno == EINVAL || errno == ENOTSOCK || errno == EFAULT) return;  // the socket failed
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: wait for connections to close.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      continue;  // EINTR, ECONNABORTED, or a network error of that connection (accept(2))
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    SetTimeout(fd, SO_RCVTIMEO, kKeepAliveSeconds);
    SetTimeout(fd, SO_SNDTIMEO, kKeepAliveSeconds);
    impl_->pool.Enqueue(fd);
  }
}

void HttpServer::Drain() {
  impl_->stopping.store(true);
  // Wakes the accept() in Serve(); connections already open stay open.
  if (impl_->listen_fd >= 0) shutdown(impl_->listen_fd, SHUT_RDWR);
  {
    std::unique_lock<std::shared_mutex> exclusive(impl_->in_flight);
    impl_->draining = true;
  }
  Release();  // requests held meet a draining server: 503
  // Every request admitted before has run; now let its answer go out.
  std::unique_lock<std::mutex> lock(impl_->answers_mu);
  impl_->answers_cv.wait_for(lock, std::chrono::seconds(kDrainWriteSeconds),
                             [&] { return impl_->answers_owed == 0; });
}

}  // namespace ddb
