// TtlSweeper: the sweep loop and the conditional deletes.
#include "api/ttl_sweeper.h"

#include "api/item_codec.h"
#include "api/secondary_index.h"
#include "base/number.h"

namespace ddb::api {

namespace {
constexpr size_t kMaxExaminedPerRound = 100000;
constexpr size_t kMaxDeletedPerRound = 10000;
constexpr size_t kPageRows = 1000;

// Epoch seconds of an item's TTL attribute, when it is a Number.
std::optional<Number> ExpiryOf(const Item& item, const std::string& attribute) {
  auto it = item.find(attribute);
  if (it == item.end() || it->second.type != AttrType::kN) return std::nullopt;
  auto n = Number::Parse(it->second.scalar);
  if (!n.ok()) return std::nullopt;
  return n.value();
}
}  // namespace

void TtlSweeper::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, interval_, [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      if (gate_ != nullptr) {
        RequestGate::Pass pass(gate_);
        SweepOnce();
      } else {
        SweepOnce();
      }
      lock.lock();
    }
  });
}

void TtlSweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t TtlSweeper::SweepOnce() {
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  size_t deleted = 0;
  for (const std::string& name : TablesWithTtl()) {
    std::shared_lock<std::shared_mutex> gate;
    if (indexes_ != nullptr) gate = indexes_->WriteGate();
    auto fresh = cluster_->GetTable(name);  // the schema as of now, under the gate
    if (!fresh.ok()) continue;
    const cluster::TableMeta& meta = fresh.value();
    auto schema = schemas_.Get(meta);
    if (!schema.ok() || (*schema)->ttl_attribute.empty()) continue;
    deleted += SweepTable(meta, *schema, now_s);
  }
  deleted_ += deleted;
  return deleted;
}

// Most tables have no TTL: known from the cached schemas without the gate.
// Listed again only when the tables changed, so that a sweep of many idle
// tables without TTL costs nothing.
std::vector<std::string> TtlSweeper::TablesWithTtl() {
  std::lock_guard<std::mutex> lock(list_mu_);
  const uint64_t version = cluster_->TablesVersion();
  if (listed_ && version == listed_version_) return ttl_tables_;
  ttl_tables_.clear();
  for (const cluster::TableMeta& listed : cluster_->ListTables("")) {
    auto schema = schemas_.Get(listed);
    if (schema.ok() && (*schema)->ttl_attribute.empty()) continue;
    ttl_tables_.push_back(listed.name);
  }
  listed_ = true;
  listed_version_ = version;
  return ttl_tables_;
}

size_t TtlSweeper::SweepTable(const cluster::TableMeta& meta, std::shared_ptr<const TableSchema> table,
                              int64_t now_s) {
  const TableSchema& schema = *table;
  auto now = Number::Parse(std::to_string(now_s));
  CHECK(now.ok());
  size_t examined = 0, deleted = 0;
  std::optional<cluster::Key> start;
  while (examined < kMaxExaminedPerRound && deleted < kMaxDeletedPerRound) {
    auto page = cluster_->Scan(meta, start, kPageRows, SIZE_MAX, /*consistent=*/true);
    if (!page.ok() || page->rows.empty()) break;
    for (const cluster::Row& row : page->rows) {
      ++examined;
      auto item = DecodeItem(row.item);
      if (!item.ok()) continue;
      auto expiry = ExpiryOf(*item, schema.ttl_attribute);
      if (!expiry || !(*expiry < *now)) continue;
      // Delete only if the TTL attribute still holds what we saw.
      std::string seen = item->at(schema.ttl_attribute).scalar;
      std::string attribute = schema.ttl_attribute;
      cluster::Key key = row.key;
      std::string name = meta.name;
      cluster::Mutator expire = [attribute, seen, table, key, name](const std::optional<std::string>& current) {
        cluster::Mutation m;
        if (!current) return m;
        auto now_item = DecodeItem(*current);
        if (!now_item.ok()) return m;
        auto it = now_item->find(attribute);
        if (it == now_item->end() || it->second.type != AttrType::kN || it->second.scalar != seen) return m;
        m.write = m.erase = true;
        m.index_writes = IndexWrites(name, IndexChanges(*table, key, &*now_item, nullptr));
        return m;
      };
      cluster::MutateResult result;
      if (cluster_->Mutate(meta, row.key, expire, &result).ok() && result.old_item && !result.new_item) ++deleted;
    }
    if (!page->truncated) break;
    start = page->rows.back().key;
  }
  return deleted;
}

}  // namespace ddb::api
