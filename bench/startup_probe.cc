// startup_probe: measures a server's start-up time without the harness in the
// way (bench/run.py, `measure_startup`).
//
// It posix_spawn()s the server, then loops: connect() to 127.0.0.1:PORT, send
// one ListTables POST, read the answer; and prints the microseconds from just
// before the spawn to the first HTTP 200 whose body holds "TableNames" (or any
// 200 for `-bare`, whose server answers every POST with a fixed body). Then it
// stops the child (SIGTERM; SIGKILL if it is still there after 5 s) and reaps
// it, so that a later start on the same -dbPath is a restart after a clean stop. A Python loop doing the same adds
// several milliseconds of its own (interpreter, subprocess, polling); this adds
// a few tens of microseconds per attempt.
//
// Bounded: at most kMaxAttempts connection attempts and TIMEOUT_MS in all
// (default 15000); between failed attempts it waits 100 us. Loopback only.
//
// Usage: startup_probe [-bare] [-item TABLE] [-put TABLE:ATTR] [-log PATH] [-timeout_ms N] PORT -- SERVER ARGS...
// Output (stdout, one line) on success, exit 0: "startup_us N attempt_us M
// item_us K put_us P", where M is the time of one more connect + ListTables
// once the server answers: what one attempt of the probe itself costs (the
// harness's share of N is at most about M plus one 100 us wait); K the
// microseconds from the spawn to the first answered strongly consistent
// GetItem on TABLE (key attributes pk and sk, strings), asked for from the
// first answer on, -1 without -item; P likewise to the first answered
// PutItem of {ATTR: "startup-probe"} into TABLE (a table whose key is one
// string attribute), after the GetItem if both are asked for, -1 without
// -put. Requests are signed with the access key id "bench" (us-east-1).
// Exit 1 and a reason on stderr when the server exits, or does not answer in
// time; exit 2 on a usage error. The server's stdin is /dev/null; its stdout
// and stderr are appended to PATH (default /dev/null).
//
// It is not part of ddb-local and is built only by bench/setup.sh.
// Thread safety: single-threaded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr int kMaxAttempts = 200000;
constexpr int kRetryWaitUs = 100;
constexpr int kReadLimitBytes = 65536;
constexpr int kStopWaitMs = 5000;

int64_t NowUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// True when `resp` holds a whole response: headers and Content-Length bytes.
bool Complete(const std::string& resp) {
  const size_t end = resp.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = resp.substr(0, end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = head.find("\r\ncontent-length:");
  if (at == std::string::npos) return false;  // read until the server closes
  const unsigned long length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
  return resp.size() >= end + 4 + length;
}

// One attempt: connect, POST `target` with `body`, read one response. Returns
// true on a 200 whose body holds `expect` (any 200 when `expect` is empty).
bool Post(int port, const std::string& target, const std::string& body, const char* expect,
          int64_t deadline_us) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  // connect() and send() give up at the deadline too (SO_SNDTIMEO bounds a
  // blocking connect on Linux), not only the reads below.
  const int64_t left_us = std::max<int64_t>(deadline_us - NowUs(), 1000);
  timeval tv{static_cast<time_t>(left_us / 1000000), static_cast<suseconds_t>(left_us % 1000000)};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    std::string req =
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: DynamoDB_20120810." + target + "\r\n"
        "X-Amz-Date: 20250101T000000Z\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0\r\n"
        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    req += body;
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      std::string resp;
      char buf[4096];
      while (resp.size() < kReadLimitBytes) {
        int64_t left_ms = (deadline_us - NowUs()) / 1000;
        if (left_ms <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left_ms)) <= 0) break;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;  // closed (Connection: close) or reset
        resp.append(buf, static_cast<size_t>(n));
        if (Complete(resp)) break;  // a server may keep the connection open
      }
      ok = resp.compare(0, 12, "HTTP/1.1 200") == 0 && (*expect == '\0' || resp.find(expect) != std::string::npos);
    }
  }
  close(fd);
  return ok;
}

bool TryOnce(int port, bool bare, int64_t deadline_us) {
  return Post(port, "ListTables", "{}", bare ? "" : "\"TableNames\"", deadline_us);
}

// A strongly consistent GetItem of table `table` (key attributes pk and sk,
// strings): it needs the partition's leader elected with a lease and its
// node file open. Any 200 counts (the item need not exist).
bool TryItem(int port, const std::string& table, int64_t deadline_us) {
  const std::string body = "{\"TableName\":\"" + table +
                           "\",\"Key\":{\"pk\":{\"S\":\"probe\"},\"sk\":{\"S\":\"probe\"}},\"ConsistentRead\":true}";
  return Post(port, "GetItem", body, "", deadline_us);
}

// A PutItem into `table` of one item whose key is the string attribute
// `attr`: it needs the partition's leader and a majority's files (with a
// -seed into a new -dbPath, the seed's files on disk). Only a 200 counts.
bool TryPut(int port, const std::string& table, const std::string& attr, int64_t deadline_us) {
  const std::string body = "{\"TableName\":\"" + table + "\",\"Item\":{\"" + attr + "\":{\"S\":\"startup-probe\"}}}";
  return Post(port, "PutItem", body, "", deadline_us);
}

// SIGTERM (a clean stop, as a user's Ctrl-C), then SIGKILL after kStopWaitMs.
void StopChild(pid_t pid) {
  kill(pid, SIGTERM);
  const int64_t give_up = NowUs() + kStopWaitMs * 1000;
  while (NowUs() < give_up) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    usleep(1000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int Usage() {
  std::fprintf(stderr,
               "usage: startup_probe [-bare] [-item TABLE] [-put TABLE:ATTR] [-log PATH] [-timeout_ms N] PORT -- "
               "SERVER ARGS...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool bare = false;
  const char* item_table = nullptr;
  std::string put_table, put_attr;  // -put TABLE:ATTR
  long timeout_ms = 15000;
  const char* log_path = "/dev/null";
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && std::strcmp(argv[i], "--") != 0; ++i) {
    if (std::strcmp(argv[i], "-bare") == 0) {
      bare = true;
    } else if (std::strcmp(argv[i], "-item") == 0 && i + 1 < argc) {
      item_table = argv[++i];
    } else if (std::strcmp(argv[i], "-put") == 0 && i + 1 < argc) {
      const std::string spec = argv[++i];
      const size_t colon = spec.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return Usage();
      put_table = spec.substr(0, colon);
      put_attr = spec.substr(colon + 1);
    } else if (std::strcmp(argv[i], "-log") == 0 && i + 1 < argc) {
      log_path = argv[++i];
    } else if (std::strcmp(argv[i], "-timeout_ms") == 0 && i + 1 < argc) {
      timeout_ms = std::strtol(argv[++i], nullptr, 10);
      if (timeout_ms <= 0 || timeout_ms > 600000) return Usage();
    } else {
      return Usage();
    }
  }
  if (i + 2 >= argc || std::strcmp(argv[i + 1], "--") != 0) return Usage();
  const long port = std::strtol(argv[i], nullptr, 10);
  if (port <= 0 || port > 65535) return Usage();
  char** server_argv = argv + i + 2;

  // The server's stdin is /dev/null, its stdout and stderr go to the log.
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);

  const int64_t t0 = NowUs();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, server_argv[0], &files, nullptr, server_argv, environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    std::fprintf(stderr, "startup_probe: cannot spawn %s: %s\n", server_argv[0], std::strerror(rc));
    return 1;
  }
  const int64_t deadline = t0 + timeout_ms * 1000;
  int64_t answered_us = -1;
  std::string why = "no answer within " + std::to_string(timeout_ms) + " ms";
  for (int attempt = 0; attempt < kMaxAttempts && NowUs() < deadline; ++attempt) {
    if (TryOnce(static_cast<int>(port), bare, deadline)) {
      answered_us = NowUs() - t0;
      break;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      why = WIFEXITED(status) ? "the server exited with status " + std::to_string(WEXITSTATUS(status))
                              : "the server was killed by signal " + std::to_string(WTERMSIG(status));
      pid = 0;
      break;
    }
    usleep(kRetryWaitUs);
  }
  // The probe's own share: one more request, now that the server answers.
  int64_t attempt_us = -1;
  if (answered_us >= 0) {
    const int64_t t1 = NowUs();
    if (TryOnce(static_cast<int>(port), bare, deadline + 1000000)) attempt_us = NowUs() - t1;
  }
  // With -item: from spawn to the first consistent GetItem answered.
  int64_t item_us = -1;
  for (int attempt = 0; answered_us >= 0 && item_table != nullptr && attempt < kMaxAttempts && NowUs() < deadline;
       ++attempt) {
    if (TryItem(static_cast<int>(port), item_table, deadline)) {
      item_us = NowUs() - t0;
      break;
    }
    usleep(kRetryWaitUs);
  }
  // With -put: from spawn to the first PutItem answered.
  int64_t put_us = -1;
  for (int attempt = 0; answered_us >= 0 && !put_table.empty() && attempt < kMaxAttempts && NowUs() < deadline;
       ++attempt) {
    if (TryPut(static_cast<int>(port), put_table, put_attr, deadline)) {
      put_us = NowUs() - t0;
      break;
    }
    usleep(kRetryWaitUs);
  }
  if (pid != 0) StopChild(pid);
  if (answered_us < 0) {
    std::fprintf(stderr, "startup_probe: %s\n", why.c_str());
    return 1;
  }
  if (item_table != nullptr && item_us < 0) {
    std::fprintf(stderr, "startup_probe: no GetItem on %s answered in time\n", item_table);
    return 1;
  }
  if (!put_table.empty() && put_us < 0) {
    std::fprintf(stderr, "startup_probe: no PutItem into %s answered in time\n", put_table.c_str());
    return 1;
  }
  std::printf("startup_us %lld attempt_us %lld item_us %lld put_us %lld\n", static_cast<long long>(answered_us),
              static_cast<long long>(attempt_us), static_cast<long long>(item_us), static_cast<long long>(put_us));
  return 0;
}
