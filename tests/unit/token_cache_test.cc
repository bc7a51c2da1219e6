// TokenCache: ClientRequestToken idempotency with an injected clock — a
// repeat within 10 minutes of completion gets the first response, a changed
// request is a mismatch, one in progress is reported, failures are
// forgotten, and a token is new again once its window has passed.
#include "api/token_cache.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::api {
namespace {

TEST_CASE("token cache: repeats, mismatches, progress, failures and expiry", "[unit]") {
  int64_t now = 1000;
  TokenCache cache([&] { return now; });
  std::string response;
  CHECK(cache.Begin("ns/t1", "req-a", &response) == TokenCache::Claim::kNew);
  CHECK(cache.Begin("ns/t1", "req-a", &response) == TokenCache::Claim::kInProgress);
  CHECK(cache.Begin("ns/t1", "req-b", &response) == TokenCache::Claim::kMismatch);
  const std::string first = "{\"ConsumedCapacity\":[]}";
  cache.End("ns/t1", &first);
  CHECK(cache.Begin("ns/t1", "req-a", &response) == TokenCache::Claim::kDone);
  CHECK(response == first);
  CHECK(cache.Begin("ns/t1", "req-b", &response) == TokenCache::Claim::kMismatch);
  CHECK(cache.Begin("other/t1", "req-b", &response) == TokenCache::Claim::kNew);  // another namespace

  // A failed request leaves no trace.
  CHECK(cache.Begin("ns/t2", "req-c", &response) == TokenCache::Claim::kNew);
  cache.End("ns/t2", nullptr);
  CHECK(cache.Begin("ns/t2", "req-d", &response) == TokenCache::Claim::kNew);

  // An unknown outcome: the next same request gets the reference and holds
  // the token; others meanwhile see it in progress.
  CHECK(cache.Begin("ns/t3", "req-e", &response) == TokenCache::Claim::kNew);
  cache.Uncertain("ns/t3", "txn-17");
  CHECK(cache.Begin("ns/t3", "req-f", &response) == TokenCache::Claim::kMismatch);
  CHECK(cache.Begin("ns/t3", "req-e", &response) == TokenCache::Claim::kUncertain);
  CHECK(response == "txn-17");
  CHECK(cache.Begin("ns/t3", "req-e", &response) == TokenCache::Claim::kInProgress);
  const std::string later = "{}";
  cache.End("ns/t3", &later);
  CHECK(cache.Begin("ns/t3", "req-e", &response) == TokenCache::Claim::kDone);
  CHECK(response == later);

  // The window counts from completion.
  now += TokenCache::kWindowMs - 1;
  CHECK(cache.Begin("ns/t1", "req-b", &response) == TokenCache::Claim::kMismatch);
  now += 1;
  CHECK(cache.Begin("ns/t1", "req-b", &response) == TokenCache::Claim::kNew);
}

}  // namespace
}  // namespace ddb::api
