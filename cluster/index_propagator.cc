// IndexPropagator; see index_propagator.h.
#include "cluster/index_propagator.h"

#include <chrono>
#include <future>

#include "cluster/wal_record.h"

namespace ddb::cluster {

namespace {
constexpr auto kRetryInterval = std::chrono::milliseconds(500);
constexpr auto kNodeTimeout = std::chrono::seconds(2);
constexpr size_t kRowsPerGroup = 512;
}  // namespace

IndexPropagator::IndexPropagator(std::vector<StorageNode*> nodes, ApplyFn apply)
    : nodes_(std::move(nodes)), apply_(std::move(apply)) {}

void IndexPropagator::Enable(bool paused) {
  std::lock_guard<std::mutex> lock(mu_);
  paused_ = paused;
  enabled_ = true;
  if (notified_) StartLocked();  // a node notified before
}

void IndexPropagator::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  enabled_ = true;
  StartLocked();
}

void IndexPropagator::StartLocked() {
  if (enabled_ && !stop_ && !thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void IndexPropagator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IndexPropagator::Forget() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_.clear();
    notified_ = true;
  }
  cv_.notify_all();
}

void IndexPropagator::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    StartLocked();
  }
  cv_.notify_all();
}

void IndexPropagator::WaitFor(uint64_t group, uint64_t lsn, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] {
    auto done = done_.find(group);
    return paused_ || stop_ || (done != done_.end() && done->second.first >= lsn);
  });
}

void IndexPropagator::SetPaused(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = paused;
    notified_ = true;
  }
  cv_.notify_all();
}

bool IndexPropagator::paused() {
  std::lock_guard<std::mutex> lock(mu_);
  return paused_;
}

void IndexPropagator::Run() {
  bool more = true;  // at start: look for what an earlier run left
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!more || paused_) {
        cv_.wait_for(lock, kRetryInterval, [&] { return (notified_ && !paused_) || stop_; });
      }
      if (stop_) return;
      if (paused_) continue;
      notified_ = false;
    }
    more = false;
    for (StorageNode* node : nodes_) {
      if (node->powered_on() && Drain(node)) more = true;
    }
  }
}

bool IndexPropagator::Drain(StorageNode* node) {
  auto promise = std::make_shared<std::promise<NodeReply>>();
  std::future<NodeReply> reply = promise->get_future();
  node->ReadOutbox(kRowsPerGroup, [promise](NodeReply r) { promise->set_value(std::move(r)); });
  if (reply.wait_for(kNodeTimeout) != std::future_status::ready) return false;
  NodeReply r = reply.get();
  if (!r.status.ok()) return false;
  bool more = false;
  // Rows come group by group, each group's in (lsn, seq) order.
  for (size_t from = 0; from < r.outbox.size();) {
    size_t to = from;
    while (to < r.outbox.size() && r.outbox[to].group == r.outbox[from].group) ++to;
    std::vector<OutboxRow> rows(r.outbox.begin() + static_cast<std::ptrdiff_t>(from),
                                r.outbox.begin() + static_cast<std::ptrdiff_t>(to));
    const bool complete = rows.size() < kRowsPerGroup;
    more |= !complete;
    PropagateGroup(node, rows.front().group, rows, complete);
    from = to;
  }
  return more;
}

void IndexPropagator::PropagateGroup(StorageNode* node, uint64_t group, const std::vector<OutboxRow>& rows,
                                     bool complete) {
  std::pair<uint64_t, uint32_t> applied{0, 0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto done = done_.find(group);
    if (done != done_.end()) applied = done->second;
  }
  // The rows not applied yet, by index table, in order; for each index row
  // only its newest write matters (whole puts and deletes).
  struct Target {
    std::string name;
    uint64_t id = 0;
    std::vector<Cluster::WriteOp> ops;
    std::map<std::pair<std::string, std::string>, size_t> slot;  // key -> index in ops
  };
  std::map<uint64_t, Target> targets;
  std::pair<uint64_t, uint32_t> last = applied;
  for (const OutboxRow& row : rows) {
    std::pair<uint64_t, uint32_t> at{row.lsn, row.seq};
    if (at <= applied) continue;
    last = at;
    auto w = DecodeIndexWrite(row.data);
    if (!w.ok()) continue;  // cannot happen: rows are written by this build's encoder
    Target& t = targets[w->global_table];
    t.name = w->global_name;
    t.id = w->global_table;
    Cluster::WriteOp op{w->key, w->erase, std::move(w->item), w->size};
    auto [slot, fresh] = t.slot.emplace(std::make_pair(op.key.hash, op.key.range), t.ops.size());
    if (fresh) {
      t.ops.push_back(std::move(op));
    } else {
      t.ops[slot->second] = std::move(op);
    }
  }
  for (auto& [id, t] : targets) {
    for (const Status& s : apply_(t.name, t.id, t.ops)) {
      if (!s.ok()) return;  // try again later, from the same rows
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_[group] = last;
  }
  cv_.notify_all();
  // Trim what is applied: every row of a read that was complete; otherwise
  // the LSNs before the last one, whose rows may continue past the read.
  uint64_t trim = complete ? rows.back().lsn : rows.back().lsn - 1;
  if (trim == 0) return;
  WalRecord rec;
  rec.op = WalRecord::Op::kOutboxTrim;
  rec.trim_lsn = trim;
  node->Write(group, std::move(rec), [](NodeReply) {});  // a lost trim is proposed again next time
}

}  // namespace ddb::cluster
