// Scrubber, the archive pass: committed WAL records from the replicas into
// the WAL archive, with checksum and sequence checks, and the trimming of the
// live WAL behind it (see "Archiving" in scrub.h).
#include <algorithm>
#include <iterator>
#include <set>

#include "cluster/node_replies.h"
#include "cluster/scrub.h"
#include "cluster/scrub_internal.h"

namespace ddb::cluster {

namespace {

using namespace scrub_internal;
using Clock = std::chrono::steady_clock;
constexpr size_t kMaxSegmentRecords = 4096;
// A segment ends after the record that brings it to this many bytes, so that
// one of large items (up to 400 KB each) stays small in memory.
constexpr size_t kMaxSegmentBytes = 8 * 1024 * 1024;
// The periodic pass writes a segment once this many records wait, or once the
// oldest waiting one has waited kMaxSegmentAge (and at once for a partition
// that has none archived yet); a scrub or ArchiveNow archives everything.
constexpr paxos::Lsn kMinSegmentRecords = 1024;
constexpr auto kMaxSegmentAge = std::chrono::seconds(10);
constexpr int kMaxSegmentsPerPass = 16;
// The most records (and, for reads, bytes) one call on a node thread reads
// or trims. Such a call holds the node's loop: 4,096 records read or 5,000
// trimmed at once held it for 4 to 18 ms, and every write queued behind it
// waited (PutItem's p99 at 16 connections was 4.3 times its p50, 2.3 times
// without archiving). A slice of 256 small records takes a few tenths of a
// millisecond.
constexpr size_t kSliceRecords = 256;
constexpr size_t kSliceBytes = 256 * 1024;

}  // namespace

Status Scrubber::ArchiveNow() { return ArchiveAll(true); }

// The applied LSN of every replica on every node of `routes`: one
// StorageNode::AppliedLsns per node, so that an idle partition costs no call
// of its own.
Scrubber::AppliedMap Scrubber::AppliedLsns(const std::vector<std::shared_ptr<const TableRoute>>& routes) {
  AppliedMap out;
  std::set<paxos::NodeId> ids;
  for (const auto& route : routes) {
    for (const PartitionRoute& p : route->partitions) ids.insert(p.members.begin(), p.members.end());
  }
  for (paxos::NodeId id : ids) {
    StorageNode* node = router_->Node(id);
    if (node == nullptr || !node->powered_on()) continue;
    NodeReplies reply(1);
    node->AppliedLsns(reply.Slot(0));
    if (!reply.WaitAll(kNodeTimeout)) continue;
    const auto answer = reply.Take(0);
    for (const ReplicaInfo& r : answer->replicas) out[{id, r.group}] = r.applied_lsn;
  }
  return out;
}

std::optional<paxos::Lsn> Scrubber::NewestApplied(const AppliedMap& applied, const PartitionRoute& p) {
  std::optional<paxos::Lsn> newest;
  for (paxos::NodeId m : p.members) {
    auto it = applied.find({m, p.group});
    if (it != applied.end()) newest = std::max(newest.value_or(0), it->second);
  }
  return newest;
}

uint64_t Scrubber::AppliedRecords() const {
  uint64_t sum = 0;
  for (int id = 1; id <= options_.azs * options_.nodes_per_az; ++id) {
    if (StorageNode* node = router_->Node(static_cast<paxos::NodeId>(id))) sum += node->applied_records();
  }
  return sum;
}

Status Scrubber::ArchiveAll(bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  DropForgotten();
  // Nothing applied anywhere since a pass that found nothing new: nothing
  // to archive, so an idle cluster costs no pass over its nodes. What may be
  // left is WAL to trim behind the archive, tried again every tenth pass for
  // those groups alone (a group goes quiet a little after its last write,
  // and its trim LSN reaches the archived one only then).
  const uint64_t applied_now = AppliedRecords();
  if (!force && idle_ && applied_now == idle_applied_) {
    if (!untrimmed_.empty() && ++passes_ % 10 == 0) TrimUntrimmed();
    return Status::Ok();
  }
  Status first;
  const auto routes = Routes();
  const auto applied = AppliedLsns(routes);
  // The WAL of partitions with nothing new is trimmed every tenth pass (the
  // trim LSN moves after the archive does) until it is trimmed through the
  // archive.
  const bool trim_idle = ++passes_ % 10 == 0;
  bool idle = true;
  for (const auto& route : routes) {
    for (const PartitionRoute& p : route->partitions) {
      if (stop_.load()) return first;
      if (NewestApplied(applied, p).value_or(0) <= archive_->archived_lsn(p.group)) {
        if (trim_idle && untrimmed_.count(p.group)) NoteTrim(p.group, Trim(p));
        continue;
      }
      idle = false;
      Status s = ArchivePartition(route->meta.id, p, force);
      if (!s.ok() && first.ok()) first = s;
    }
  }
  idle_ = idle && first.ok();
  idle_applied_ = applied_now;
  return first;
}

Status Scrubber::ReadFrom(StorageNode* node, uint64_t group, paxos::Lsn after, paxos::Lsn min_records,
                          size_t max, std::vector<paxos::Record>* out, paxos::Lsn* applied) {
  struct Read {
    std::vector<paxos::Record> records;
    paxos::Lsn applied = 0;
  };
  auto read = std::make_shared<Read>();
  Status s = CallNode(node, group, [read, group, after, min_records, max](NodeStore& store, const paxos::Replica* r) -> Status {
    if (r == nullptr) return Status::NotFound("no replica of the partition here");
    read->applied = r->applied_lsn();
    if (read->applied < after + min_records) return Status::Ok();
    auto records = store.scrub().ReadWal(group, after, read->applied, max, kSliceBytes);
    if (!records.ok()) return records.status();
    read->records = std::move(records.value());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  *out = std::move(read->records);
  *applied = read->applied;
  return Status::Ok();
}

Status Scrubber::ReadSegment(StorageNode* node, uint64_t group, paxos::Lsn after, paxos::Lsn min_records,
                             std::vector<paxos::Record>* out, paxos::Lsn* applied) {
  RETURN_IF_ERROR(ReadFrom(node, group, after, min_records, kSliceRecords, out, applied));
  size_t bytes = 0;
  for (const paxos::Record& r : *out) bytes += r.data.size();
  // The rest in slices, up to what the first call found applied.
  while (!out->empty() && out->size() < kMaxSegmentRecords && bytes < kMaxSegmentBytes &&
         out->back().lsn < *applied && !stop_.load()) {
    std::vector<paxos::Record> more;
    paxos::Lsn ignored = 0;
    RETURN_IF_ERROR(ReadFrom(node, group, out->back().lsn, 1, std::min(kSliceRecords, kMaxSegmentRecords - out->size()),
                             &more, &ignored));
    if (more.empty()) break;
    for (const paxos::Record& r : more) bytes += r.data.size();
    std::move(more.begin(), more.end(), std::back_inserter(*out));
  }
  return Status::Ok();
}

Status Scrubber::ArchivePartition(uint64_t table, const PartitionRoute& p, bool force) {
  paxos::Lsn min_records = 1;
  auto last = last_archive_.find(p.group);
  if (!force && last != last_archive_.end() && Clock::now() - last->second < kMaxSegmentAge) {
    min_records = kMinSegmentRecords;
  }
  // The leader first: it has applied the most.
  std::vector<paxos::NodeId> order{router_->LeaderHint(p)};
  for (paxos::NodeId m : p.members) {
    if (m != order.front()) order.push_back(m);
  }
  for (int pass = 0; pass < kMaxSegmentsPerPass; ++pass) {
    const paxos::Lsn archived = archive_->archived_lsn(p.group);
    bool more = false;
    for (paxos::NodeId id : order) {
      StorageNode* node = router_->Node(id);
      if (node == nullptr || !node->powered_on()) continue;
      std::vector<paxos::Record> records;
      paxos::Lsn applied = 0;
      Status s = ReadSegment(node, p.group, archived, min_records, &records, &applied);
      if (IsCorruption(s)) {
        Alarm(p.group, id, "wal-checksum", s.message());
        continue;
      }
      if (!s.ok()) continue;
      if (applied <= archived) continue;  // nothing new here; maybe on another replica
      if (applied < archived + min_records) break;  // not enough for a segment yet
      bool hole = records.empty() || records.front().lsn != archived + 1;
      for (size_t i = 1; !hole && i < records.size(); ++i) hole = records[i].lsn != records[i - 1].lsn + 1;
      if (hole) {
        Alarm(p.group, id, "wal-hole",
              "WAL sequence hole after lsn " + std::to_string(archived) + " (applied " + std::to_string(applied) + ")");
        continue;
      }
      NoteTrim(p.group, false);  // the archive moves ahead of the live WAL's trim
      RETURN_IF_ERROR(archive_->Append(table, p.group, records));
      last_archive_[p.group] = Clock::now();
      more = records.back().lsn < applied;
      break;
    }
    if (!more) break;
  }
  NoteTrim(p.group, Trim(p));
  return Status::Ok();
}

void Scrubber::TrimUntrimmed() {
  for (const auto& route : Routes()) {
    for (const PartitionRoute& p : route->partitions) {
      if (stop_.load()) return;
      if (untrimmed_.count(p.group)) NoteTrim(p.group, Trim(p));
    }
  }
}

void Scrubber::NoteTrim(uint64_t group, bool trimmed) {
  if (trimmed) {
    untrimmed_.erase(group);
  } else {
    untrimmed_.insert(group);
  }
  std::lock_guard<std::mutex> lock(state_mu_);
  state_[group].wal_trimmed = trimmed;
}

bool Scrubber::Trim(const PartitionRoute& p) {
  const paxos::Lsn archived = archive_->archived_lsn(p.group);
  // A repair re-applies the bad replica's WAL after its copy: keep it.
  if (archived == 0 || hold_trim_) return false;
  auto complete = std::make_shared<std::atomic<bool>>(true);
  for (paxos::NodeId id : p.members) {
    StorageNode* node = router_->Node(id);
    if (node == nullptr || !node->powered_on()) {
      complete->store(false);  // trimmed when it is back
      continue;
    }
    const uint64_t group = p.group;
    // One slice per call, until the WAL is trimmed through what this
    // replica may drop (`done`).
    auto done = std::make_shared<std::atomic<bool>>(false);
    Status s;
    while (s.ok() && !done->load() && !stop_.load()) {
      s = CallNode(node, group, [group, archived, complete, done](NodeStore& store, const paxos::Replica* r) -> Status {
        done->store(true);
        if (r == nullptr) return Status::Ok();
        // Records no member can still need (paxos/replica.h, memory rule),
        // that the archive holds, and that this file applied to its items
        // (not just held back: a restart replays those from the WAL).
        auto stored = store.scrub().AppliedLsn(group);
        if (!stored.ok()) return stored.status();
        const paxos::Lsn through = std::min({archived, r->applied_lsn(), *stored, r->trim_lsn()});
        if (through < archived) complete->store(false);
        auto end = store.scrub().WalSliceEnd(group, through, kSliceRecords, kSliceBytes);
        if (!end.ok()) return end.status();
        if (*end == 0) return Status::Ok();  // nothing at or below `through`
        done->store(*end >= through);
        return store.scrub().TrimWal(group, *end);
      });
    }
    if (!done->load()) complete->store(false);
    if (!s.ok()) complete->store(false);
  }
  return complete->load();
}

}  // namespace ddb::cluster
