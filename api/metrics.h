// Metrics: what the API served — per operation, request and error counts and
// a latency histogram; and a ring of the most recent requests. Counters only
// grow: a reader (the web UI) takes rates and windowed percentiles from the
// difference of two snapshots.
//
// Histogram buckets are fixed: bucket i counts latencies below
// kBucketUpperMs[i] (the last one is unbounded).
//
// Thread safety: Record and ToJson may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace ddb::api {

class Metrics {
 public:
  static constexpr std::array<double, 16> kBucketUpperMs = {
      0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 1e300};
  static constexpr size_t kRecent = 100;

  void Record(const std::string& op, const std::string& table, int http_status, const std::string& error_type,
              double latency_ms);
  // {"bucketsMs":[...], "operations":{"PutItem":{"count":..,"errors":..,
  //  "throttles":..,"buckets":[..]}}, "recent":[{"time":..,"op":..,"table":..,
  //  "status":..,"error":..,"latencyMs":..}]}
  std::string ToJson() const;

 private:
  struct PerOp {
    uint64_t count = 0, errors = 0, throttles = 0;
    std::array<uint64_t, kBucketUpperMs.size()> buckets{};
  };
  struct Recent {
    int64_t time_ms;
    std::string op, table, error;
    int status;
    double latency_ms;
  };
  mutable std::mutex mu_;
  std::map<std::string, PerOp> ops_;  // guarded by mu_
  std::deque<Recent> recent_;         // guarded by mu_
};

}  // namespace ddb::api
