// Metrics: counters, histograms and the recent-request ring.
#include "api/metrics.h"

#include <chrono>

#include "api/json.h"

namespace ddb::api {

void Metrics::Record(const std::string& op, const std::string& table, int http_status,
                     const std::string& error_type, double latency_ms) {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::lock_guard<std::mutex> lock(mu_);
  PerOp& m = ops_[op.empty() ? "(unknown)" : op];
  ++m.count;
  if (http_status != 200) ++m.errors;
  if (error_type == "ProvisionedThroughputExceededException" || error_type == "ThrottlingException" ||
      error_type == "RequestLimitExceeded") {
    ++m.throttles;
  }
  size_t b = 0;
  while (b + 1 < kBucketUpperMs.size() && latency_ms >= kBucketUpperMs[b]) ++b;
  ++m.buckets[b];
  recent_.push_back(Recent{now, op, table, error_type, http_status, latency_ms});
  if (recent_.size() > kRecent) recent_.pop_front();
}

std::string Metrics::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("bucketsMs");
  w.StartArray();
  for (size_t i = 0; i + 1 < kBucketUpperMs.size(); ++i) w.Double(kBucketUpperMs[i]);
  w.EndArray();
  w.Key("operations");
  w.StartObject();
  for (const auto& [op, m] : ops_) {
    w.Key(op.c_str(), static_cast<rapidjson::SizeType>(op.size()));
    w.StartObject();
    w.Key("count");
    w.Uint64(m.count);
    w.Key("errors");
    w.Uint64(m.errors);
    w.Key("throttles");
    w.Uint64(m.throttles);
    w.Key("buckets");
    w.StartArray();
    for (uint64_t c : m.buckets) w.Uint64(c);
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  w.Key("recent");
  w.StartArray();
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
    w.StartObject();
    w.Key("time");
    w.Int64(it->time_ms);
    w.Key("op");
    w.String(it->op);
    w.Key("table");
    w.String(it->table);
    w.Key("status");
    w.Int(it->status);
    w.Key("error");
    w.String(it->error);
    w.Key("latencyMs");
    w.Double(it->latency_ms);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace ddb::api
