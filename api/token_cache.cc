// TokenCache: see token_cache.h.
#include "api/token_cache.h"

namespace ddb::api {

TokenCache::TokenCache()
    : now_ms_([] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
      }) {}

TokenCache::Claim TokenCache::Begin(const std::string& key, const std::string& fingerprint, std::string* response) {
  const int64_t now = now_ms_();
  std::lock_guard<std::mutex> lock(mu_);
  if (now >= next_prune_ms_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.done && now - it->second.done_ms >= kWindowMs ? entries_.erase(it) : std::next(it);
    }
    next_prune_ms_ = now + 1000;
  }
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.done && now - it->second.done_ms >= kWindowMs) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    entries_[key] = Entry{fingerprint, "", false, 0};
    return Claim::kNew;
  }
  if (it->second.fingerprint != fingerprint) return Claim::kMismatch;
  if (!it->second.done) return Claim::kInProgress;
  *response = it->second.response;
  return Claim::kDone;
}

void TokenCache::End(const std::string& key, const std::string* response) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  if (response == nullptr) {
    entries_.erase(it);
    return;
  }
  it->second.response = *response;
  it->second.done = true;
  it->second.done_ms = now_ms_();
}

}  // namespace ddb::api
