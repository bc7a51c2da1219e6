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
      bool settled = it->second.done || it->second.uncertain;
      it = settled && now - it->second.done_ms >= kWindowMs ? entries_.erase(it) : std::next(it);
    }
    next_prune_ms_ = now + 1000;
  }
  auto it = entries_.find(key);
  if (it != entries_.end() && (it->second.done || it->second.uncertain) && now - it->second.done_ms >= kWindowMs) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    entries_[key] = Entry{fingerprint, "", false, false, 0};
    return Claim::kNew;
  }
  if (it->second.fingerprint != fingerprint) return Claim::kMismatch;
  if (it->second.uncertain) {
    it->second.uncertain = false;  // the caller holds it now
    *response = std::move(it->second.response);
    it->second.response.clear();
    return Claim::kUncertain;
  }
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

void TokenCache::Uncertain(const std::string& key, std::string ref) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.response = std::move(ref);
  it->second.uncertain = true;
  it->second.done_ms = now_ms_();
}

}  // namespace ddb::api
