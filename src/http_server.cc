// HttpServer on cpp-httplib: routes, DynamoDB response headers, CORS, the
// elastic worker pool.
#include "src/http_server.h"

#include <httplib.h>
#include <zlib.h>

#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <string_view>
#include <strings.h>
#include <thread>

#include "webui/assets.h"

namespace ddb {

namespace {

constexpr size_t kMinWorkers = 8;
constexpr size_t kMaxWorkers = 1024;
constexpr time_t kKeepAliveSeconds = 60;
constexpr size_t kKeepAliveMaxRequests = 1000000;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;  // DynamoDB's request limit; more gets 413
// httplib listens with a backlog of 5 (compiled into Debian's library); SDK
// connection pools open dozens of connections at once, and a full backlog
// drops SYNs that the client only retries a second later.
constexpr int kListenBacklog = 1024;

// A worker pool that starts another thread whenever a connection arrives and
// no worker is idle, up to kMaxWorkers; idle workers beyond kMinWorkers exit
// after a while.
class ElasticPool : public httplib::TaskQueue {
 public:
  ElasticPool() = default;
  ~ElasticPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    jobs_.push_back(std::move(fn));
    // Each idle worker takes one job; start a worker for every job beyond
    // them. (Comparing with idle_ == 0 would leave a second job queued
    // behind one idle worker that has not woken up yet, and that worker may
    // then hold a keep-alive connection for a minute.)
    if (jobs_.size() > idle_ && threads_.size() < kMaxWorkers) {
      threads_.emplace_back([this] { Work(); });
    }
    cv_.notify_one();
  }

  void shutdown() override {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t.join();
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [&] { return stopped_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopped
      auto fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopped_ = false;
};

// DynamoDB's request ids: 52 characters of [A-Z0-9]; 12 from each 64-bit
// draw (36^12 < 2^64), not one draw per character.
std::string RequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
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

// The value of header `name` (ASCII case-insensitive), or nullptr: one pass
// over the few headers of a request, where each of httplib's lookups is a
// map search that lowercases both sides of every comparison.
const std::string* FindHeader(const httplib::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) return &value;
  }
  return nullptr;
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

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  api::Handler* handler;
  api::AdminHandler* admin;
  httplib::Server server;
  int port = 0;
  socket_t listen_fd = INVALID_SOCKET;
  // API requests hold it shared while they run; Drain() takes it exclusively,
  // which waits for every request in flight.
  std::shared_mutex in_flight;
  bool draining = false;  // guarded by in_flight

  // CORS headers go on every answer to a request with an allowed Origin
  // (none without one); a preflight (OPTIONS) also gets the allowed methods
  // and headers it asked for, and how long to cache them.
  void AddCors(const httplib::Request& req, httplib::Response& res) {
    const std::string* found = FindHeader(req.headers, "Origin");
    if (found == nullptr) return;
    const std::string& origin = *found;
    if (!OriginAllowed(options.cors, origin)) return;
    if (req.method == "OPTIONS") {
      std::string methods = req.get_header_value("Access-Control-Request-Method");
      res.set_header("Access-Control-Allow-Methods", methods.empty() ? "GET,POST,OPTIONS" : methods);
      res.set_header("Access-Control-Allow-Headers", req.get_header_value("Access-Control-Request-Headers"));
      res.set_header("Access-Control-Max-Age", "172800");
    }
    res.set_header("Access-Control-Allow-Origin", options.cors == "*" ? "*" : origin);
    res.set_header("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amz-crc32,x-amz-id-2");
  }

  void Api(const httplib::Request& req, httplib::Response& res) {
    std::shared_lock<std::shared_mutex> running(in_flight);
    if (draining) {
      res.status = 503;
      res.set_content(api::Handler::RenderError(api::Error::ServiceUnavailable("ddb-local is shutting down")),
                      "application/x-amz-json-1.0");
      return;
    }
    api::HttpRequest in;
    for (const auto& [key, value] : req.headers) {
      auto is = [&key = key](std::string_view name) {
        return key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0;
      };
      if (is("X-Amz-Target")) in.target = value;
      else if (is("Content-Type")) in.content_type = value;
      else if (is("Authorization")) in.authorization = value;
      else if (is("Host")) in.host = value;
    }
    in.body = req.body;
    api::HttpResponse out = handler->Handle(in);
    res.status = out.status;
    res.set_header("x-amzn-RequestId", RequestId());
    res.set_header("x-amz-crc32", Crc32(out.body));
    res.set_header("Content-Type", "application/x-amz-json-1.0");
    res.body = std::move(out.body);
  }

  void Admin(const httplib::Request& req, httplib::Response& res) {
    std::shared_lock<std::shared_mutex> running(in_flight);
    if (draining) {
      res.status = 503;
      return;
    }
    api::HttpResponse out = admin->Handle(req.method, req.path, req.body);
    res.status = out.status;
    res.set_content(out.body, "application/json");
  }

  void Ui(const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path.substr(3);  // strip "/ui"
    if (path.empty()) {
      res.set_redirect("/ui/");
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
      res.set_content(buf.str(), webui::ContentTypeFor(path));
      return;
    }
    const webui::Asset* a = webui::FindAsset(path);
    if (a == nullptr) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
      return;
    }
    res.set_content(std::string(a->data, a->size), webui::ContentTypeFor(path));
  }

  void Routes() {
    server.new_task_queue = [] { return new ElasticPool(); };
    server.set_keep_alive_timeout(kKeepAliveSeconds);
    server.set_keep_alive_max_count(kKeepAliveMaxRequests);
    server.set_payload_max_length(kMaxBodyBytes);
    server.set_tcp_nodelay(true);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let
    // a second ddb-local bind the same port and share its traffic.
    server.set_socket_options([this](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_fd = sock;
    });
    // DynamoDB's health check names the host it was reached at.
    server.Get("/", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("healthy: " + req.get_header_value("Host"), "text/plain");
    });
    // Every answer carries DynamoDB's Server and Date headers.
    server.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Server", "Server");
      res.set_header("Date", HttpDate());
      AddCors(req, res);
    });
    server.Post("/", [this](const httplib::Request& req, httplib::Response& res) { Api(req, res); });
    // A CORS preflight: the post-routing handler adds its headers.
    server.Options("/", [](const httplib::Request&, httplib::Response&) {});
    server.Get(R"(/ui(/.*)?)", [this](const httplib::Request& req, httplib::Response& res) { Ui(req, res); });
    auto admin_route = [this](const httplib::Request& req, httplib::Response& res) { Admin(req, res); };
    server.Get(R"(/admin/.*)", admin_route);
    server.Post(R"(/admin/.*)", admin_route);
    server.Delete(R"(/admin/.*)", admin_route);
  }
};

HttpServer::HttpServer(ServerOptions options, api::Handler* handler, api::AdminHandler* admin)
    : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->handler = handler;
  impl_->admin = admin;
  impl_->Routes();
}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  bool bound = false;
  if (impl_->options.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(impl_->options.host);
    bound = impl_->port > 0;
  } else if (impl_->server.bind_to_port(impl_->options.host.c_str(), impl_->options.port)) {
    impl_->port = impl_->options.port;
    bound = true;
  }
  if (bound) {
    // Listening again on a listening socket only raises its backlog.
    if (impl_->listen_fd != INVALID_SOCKET) ::listen(impl_->listen_fd, kListenBacklog);
    return Status::Ok();
  }
  return Status::IoError("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                         ": " + std::strerror(errno));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Serve() { impl_->server.listen_after_bind(); }

void HttpServer::Drain() {
  impl_->server.stop();
  std::unique_lock<std::shared_mutex> exclusive(impl_->in_flight);
  impl_->draining = true;
}

}  // namespace ddb
