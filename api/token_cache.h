// TokenCache: TransactWriteItems' ClientRequestToken idempotency. A token is
// remembered with a fingerprint of its request and, once the request
// succeeded, its response, for 10 minutes after it completed: the same
// request again gets the same response without running again; a different
// request with the token gets IdempotentParameterMismatchException; one that
// arrives while the first still runs, TransactionInProgressException. A
// request that failed leaves no trace (it may be retried). One whose outcome
// is unknown (Uncertain) leaves a reference (its transaction id), so that
// the same request again first asks what became of it.
//
// Not replicated: the cache lives in the process (a restart forgets it).
//
// Thread safety: every method may be called from any thread at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ddb::api {

class TokenCache {
 public:
  static constexpr int64_t kWindowMs = 10 * 60 * 1000;
  using Clock = std::function<int64_t()>;  // milliseconds
  TokenCache();
  explicit TokenCache(Clock now_ms) : now_ms_(std::move(now_ms)) {}

  enum class Claim { kNew, kDone, kInProgress, kMismatch, kUncertain };
  // `key` is the caller's namespace and token. kDone fills `response` with
  // the first response; kUncertain with the reference Uncertain() left, and
  // the caller then holds the token as after kNew.
  Claim Begin(const std::string& key, const std::string& fingerprint, std::string* response);
  // After kNew or kUncertain: the response to remember, or nullptr when the
  // request failed.
  void End(const std::string& key, const std::string* response);
  // After kNew or kUncertain: the outcome is unknown; `ref` identifies it.
  void Uncertain(const std::string& key, std::string ref);

 private:
  struct Entry {
    std::string fingerprint;
    std::string response;
    bool done = false;       // response is the answer
    bool uncertain = false;  // response is the reference of an unknown outcome
    int64_t done_ms = 0;     // when done or uncertain
  };
  Clock now_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  int64_t next_prune_ms_ = 0;                        // guarded by mu_
};

}  // namespace ddb::api
