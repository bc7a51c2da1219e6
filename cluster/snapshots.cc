// Snapshots: in-memory copies of the cluster's databases (SQLite backup API).
#include "cluster/snapshots.h"

#include <chrono>

namespace ddb::cluster {

Status Snapshots::Save(const std::string& name, SqliteDb* meta, const std::vector<SqliteDb*>& nodes) {
  Image image;
  std::vector<SqliteDb*> sources{meta};
  sources.insert(sources.end(), nodes.begin(), nodes.end());
  for (SqliteDb* src : sources) {
    auto copy = SqliteDb::Open(":memory:", false);
    if (!copy.ok()) return copy.status();
    RETURN_IF_ERROR(src->CopyTo(copy.value().get()));
    image.dbs.push_back(copy.take());
  }
  image.info.name = name;
  image.info.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  std::lock_guard<std::mutex> lock(mu_);
  images_[name] = std::move(image);
  return Status::Ok();
}

Status Snapshots::Restore(const std::string& name, SqliteDb* meta, const std::vector<SqliteDb*>& nodes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = images_.find(name);
  if (it == images_.end()) return Status::NotFound("no snapshot named " + name);
  Image& image = it->second;
  CHECK(image.dbs.size() == nodes.size() + 1);
  RETURN_IF_ERROR(image.dbs[0]->CopyTo(meta));
  for (size_t i = 0; i < nodes.size(); ++i) RETURN_IF_ERROR(image.dbs[i + 1]->CopyTo(nodes[i]));
  return Status::Ok();
}

bool Snapshots::Has(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return images_.count(name) > 0;
}

Status Snapshots::Delete(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (images_.erase(name) == 0) return Status::NotFound("no snapshot named " + name);
  return Status::Ok();
}

std::vector<SnapshotInfo> Snapshots::List() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SnapshotInfo> out;
  for (const auto& [name, image] : images_) out.push_back(image.info);
  return out;
}

}  // namespace ddb::cluster
