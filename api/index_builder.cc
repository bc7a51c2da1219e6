// IndexBuilder; see index_builder.h.
#include "api/index_builder.h"

#include <algorithm>
#include <chrono>

#include "api/item_codec.h"
#include "api/secondary_index.h"

namespace ddb::api {

namespace {
constexpr size_t kPageRows = 100;
}  // namespace

void IndexBuilder::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  for (const cluster::TableMeta& meta : cluster_->ListTables("")) {
    auto schema = schemas_->Get(meta);
    if (!schema.ok()) continue;
    for (const IndexDef& i : (*schema)->indexes) {
      if (i.status != "ACTIVE") {
        Schedule(meta.name);
        break;
      }
    }
  }
}

void IndexBuilder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool IndexBuilder::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

void IndexBuilder::Schedule(const std::string& table) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(table);
    // The thread starts with the first work: most servers never change an
    // index, and a start (-seed) is quicker without one more thread.
    if (!stop_ && !thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_all();
}

void IndexBuilder::Run() {
  for (;;) {
    std::string table;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      table = std::move(queue_.front());
      queue_.pop_front();
    }
    Process(table);
  }
}

void IndexBuilder::Process(const std::string& table) {
  auto meta = cluster_->GetTable(table);
  if (!meta.ok()) return;
  auto schema = schemas_->Get(*meta);
  if (!schema.ok()) return;
  for (const IndexDef& i : (*schema)->indexes) {
    if (i.status == "DELETING") {
      (void)cluster_->DeleteTable(GlobalIndexTableName(table, i.name));
      Finish(table, i.name, /*remove=*/true);
    } else if (i.status == "CREATING") {
      { std::unique_lock<std::shared_mutex> drain(gate_); }  // writes that knew no index are done
      if (!Backfill(*meta, *schema, i)) return;
      Finish(table, i.name, /*remove=*/false);
    }
  }
}

bool IndexBuilder::Backfill(const cluster::TableMeta& meta, std::shared_ptr<const TableSchema> schema,
                            const IndexDef& index) {
  const std::string index_table = GlobalIndexTableName(meta.name, index.name);
  std::optional<cluster::Key> start;
  for (;;) {
    if (stopping()) return false;
    auto page = cluster_->Scan(meta, start, kPageRows, SIZE_MAX, /*consistent=*/true);
    if (!page.ok()) {
      if (page.status().IsNotFound()) return false;
      continue;  // no leader right now: try the page again
    }
    for (const cluster::Row& row : page->rows) {
      cluster::Key key = row.key;
      cluster::Mutator emit = [schema, index, index_table, key](const std::optional<std::string>& current) {
        cluster::Mutation m;
        if (!current) return m;
        auto item = DecodeItem(*current);
        if (!item.ok()) return m;
        auto entry = IndexRowOf(*schema, index, key, *item);
        if (!entry) return m;
        m.write = true;
        m.item = *current;
        m.size = static_cast<uint32_t>(ItemSize(*item));
        cluster::IndexWrite w;
        w.global_table = index.table_id;
        w.global_name = index_table;
        w.key = std::move(entry->key);
        w.item = EncodeItem(entry->item);
        w.size = static_cast<uint32_t>(ItemSize(entry->item));
        m.index_writes.push_back(std::move(w));
        m.wait_for_indexes = false;  // the builder waits for all of them at the end
        return m;
      };
      for (int attempt = 0; attempt < 10 && !stopping(); ++attempt) {
        cluster::MutateResult result;
        Status s = cluster_->Mutate(meta, key, emit, &result);
        if (s.ok()) break;
        if (s.IsNotFound()) return false;
      }
    }
    if (!page->truncated) break;
    start = page->rows.back().key;
  }
  // ACTIVE once the index holds every item: wait for the propagation of
  // what the backfill emitted (bounded: it only waits on index partitions
  // that have a leader, and they elect one within a second).
  for (int i = 0; i < 3000 && !stopping(); ++i) {
    if (cluster_->Stats(meta).index_backlog == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !stopping();
}

void IndexBuilder::Finish(const std::string& table, const std::string& index, bool remove) {
  auto meta = cluster_->GetTable(table);
  if (!meta.ok()) return;
  auto parsed = TableSchema::Deserialize(meta->schema);
  if (!parsed.ok()) return;
  TableSchema s = std::move(parsed.value());
  auto it = std::find_if(s.indexes.begin(), s.indexes.end(), [&](const IndexDef& i) { return i.name == index; });
  if (it == s.indexes.end()) return;
  if (remove) {
    s.indexes.erase(it);
  } else {
    it->status = "ACTIVE";
  }
  (void)cluster_->UpdateSchema(table, s.Serialize());
}

}  // namespace ddb::api
