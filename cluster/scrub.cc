// Scrubber: scrub rounds, repairs, alarms and the background loop (see
// scrub.h); the archive pass is in archiver.cc.
#include "cluster/scrub.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "cluster/node_replies.h"
#include "cluster/scrub_internal.h"
#include "cluster/scrub_store.h"

namespace ddb::cluster {

namespace scrub_internal {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CallNode(StorageNode* node, uint64_t group, StorageNode::InspectFn fn, std::chrono::milliseconds timeout) {
  if (node == nullptr) return Status::NotFound("unknown node");
  NodeReplies reply(1);
  node->Inspect(group, std::move(fn), reply.Slot(0));
  if (!reply.WaitAll(timeout)) return Status::Unavailable("node did not answer");
  return reply.Take(0)->status;
}

}  // namespace scrub_internal

namespace {

using namespace scrub_internal;
using Clock = std::chrono::steady_clock;
constexpr size_t kAlarmsKept = 100;
constexpr int64_t kAlarmRepeatMs = 60000;
constexpr auto kMarkTimeout = std::chrono::milliseconds(3000);
constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr int kRepairAttempts = 3;
// About this many items per scrub slice, and at most this many slices per
// partition. The partition's writes wait for a slice's digest (a storage
// node takes it in steps, between its reads: scrub_store.h): 2,000 items
// took a few ms. A scrub 1 s into a 5 s PutItem
// run at 16 connections, on partitions of ~45,000 items, three runs A B:
// slices of 2,000 gave p99 7.6-8.5 ms (p99/p50 3.3-3.6), slices of 500
// 6.2-6.3 ms (2.8-3.0) and 6-19% more requests; slices of 250 were no better
// than 500, and each slice is one more marker.
constexpr uint64_t kSliceItems = 500;
constexpr uint64_t kMaxSlices = 256;
// The periodic scrub waits while the cluster serves more requests a second
// than this, looking again every kBusyLookAgain, for at most this many
// scrub intervals past the time it fell due (Loop).
constexpr double kBusyRequestsPerSecond = 1000;
constexpr auto kBusyLookAgain = std::chrono::seconds(1);
constexpr int kMaxScrubWaitIntervals = 10;

// Slice i of n of the partition's hash range [hash_lo, hash_hi], as marker
// bounds: KeyHashBytes values, "" for the first's lower and the last's
// upper bound (open, so that no row is left out).
std::pair<std::string, std::string> SliceBounds(const PartitionRoute& p, size_t i, size_t n) {
  const unsigned __int128 span = static_cast<unsigned __int128>(p.hash_hi - p.hash_lo) + 1;
  auto at = [&](size_t k) { return KeyHashBytes(p.hash_lo + static_cast<uint64_t>(span * k / n)); };
  return {i == 0 ? std::string() : at(i), i + 1 == n ? std::string() : at(i + 1)};
}

// One digest for a replica's (or the reference's) digests of every slice, in
// slice order: the slice's own when there is one; "" when any is missing.
std::string Combined(const std::vector<std::string>& slices) {
  if (slices.size() == 1) return slices.front();
  std::string all;
  for (const std::string& d : slices) {
    if (d.empty()) return "";
    all += d;
  }
  return Md5Hex(all);
}

// The digest more than half of `members` reported (empty: none).
std::string Majority(const std::map<paxos::NodeId, std::string>& by_node, size_t members) {
  std::map<std::string, size_t> votes;
  for (const auto& [node, digest] : by_node) {
    if (++votes[digest] * 2 > members) return digest;
  }
  return "";
}

}  // namespace

Scrubber::Scrubber(const ClusterOptions& options, std::unique_ptr<WalArchive> archive, MemdsNode* memds,
                   Router* router)
    : options_(options), archive_(std::move(archive)), memds_(memds), router_(router) {}

Scrubber::~Scrubber() { Stop(); }

Status Scrubber::Start() {
  next_id_ = static_cast<uint64_t>(NowMs()) << 16;
  if (!archive_->load_error().empty()) Alarm(0, 0, "archive-corrupt", archive_->load_error());
  return Status::Ok();
}

void Scrubber::StartLoop() {
  if (options_.archive_interval_ms > 0 || options_.scrub_interval_ms > 0) {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "scrubber");  // for top -H and perf
      // Background work yields to requests: the periodic scrub replays
      // every write since the last one into the reference store (seconds
      // of CPU under load, on a machine whose cores the request threads
      // keep busy). At nice 10 it gets about a tenth of what a request
      // thread gets when both want a core, and all of an idle one. With a
      // scrub every 4 s during PutItem at 16 connections (after 6 s of
      // BatchWriteItem), three rounds A B: p99/p50 3.35, 3.88, 3.61 at
      // nice 0 against 3.42, 2.77, 3.01. The archiving on this thread is
      // light (its reads and trims run on the node threads).
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
      Loop();
    });
  }
}

// Tables deleted before the capture leave nothing in it.
Result<std::map<std::string, std::string>> Scrubber::CaptureArchive() {
  std::lock_guard<std::mutex> lock(mu_);
  DropForgotten();
  return archive_->bucket()->ReadAll();
}

Status Scrubber::RestoreArchive(const std::map<std::string, std::string>& objects) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(archive_->bucket()->ReplaceAll(objects));
  RETURN_IF_ERROR(archive_->Reload());
  reference_.reset();  // rebuilt from the restored archive when a scrub needs it
  reference_applied_.clear();
  last_archive_.clear();
  idle_ = false;
  scrub_quiet_ = false;
  std::lock_guard<std::mutex> state(state_mu_);
  state_.clear();
  for (uint64_t g : untrimmed_) state_[g].wal_trimmed = false;  // still retried
  // Tables deleted since the snapshot are the snapshot's again: their
  // archives, just restored, must not be forgotten by the next pass (their
  // replicas' WALs, trimmed behind those archives, would show holes).
  dropped_.clear();
  return Status::Ok();
}

void Scrubber::Stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scrubber::Loop() {
  const auto archive_every = std::chrono::milliseconds(options_.archive_interval_ms);
  const auto scrub_every = std::chrono::milliseconds(options_.scrub_interval_ms);
  auto next_archive = Clock::now() + archive_every;
  auto next_scrub = Clock::now() + scrub_every;
  auto scrub_due = next_scrub;  // when the next periodic scrub fell due
  requests_seen_at_ = Clock::now();
  requests_seen_ = request_count_ ? request_count_() : 0;
  for (;;) {
    auto due = Clock::time_point::max();
    if (options_.archive_interval_ms > 0) due = std::min(due, next_archive);
    if (options_.scrub_interval_ms > 0) due = std::min(due, next_scrub);
    {
      std::unique_lock<std::mutex> lock(loop_mu_);
      loop_cv_.wait_until(lock, due, [&] { return stopping_; });
      if (stopping_) return;
    }
    const auto now = Clock::now();
    if (options_.archive_interval_ms > 0 && now >= next_archive) {
      ArchiveAll(false);
      next_archive = Clock::now() + archive_every;
    }
    if (options_.scrub_interval_ms > 0 && now >= next_scrub) {
      // Background work gives way to a busy cluster: while requests come
      // faster than kBusyRequestsPerSecond (since the last look), the scrub
      // looks again a second later, for at most kMaxScrubWaitIntervals
      // intervals. Under a steady load a scrub's digests and the
      // reference's replay take a fifth of a core or more from the
      // requests for seconds (GetItem at 16 connections after 20 s of
      // PutItem: p99 3.0 to 3.9 ms in the 5 s runs a periodic scrub fell
      // in, 1.2 to 1.7 ms in the others; bench/README.md, "Session 17").
      if (Busy(now) && now - scrub_due < kMaxScrubWaitIntervals * scrub_every) {
        ++scrubs_deferred_;
        next_scrub = now + kBusyLookAgain;
        continue;
      }
      ScrubChanged();
      next_scrub = scrub_due = Clock::now() + scrub_every;
    }
  }
}

bool Scrubber::Busy(Clock::time_point now) {
  if (!request_count_) return false;
  const uint64_t count = request_count_();
  const double seconds = std::chrono::duration<double>(now - requests_seen_at_).count();
  const bool busy = seconds > 0 && static_cast<double>(count - requests_seen_) / seconds > kBusyRequestsPerSecond;
  requests_seen_ = count;
  requests_seen_at_ = now;
  return busy;
}

std::vector<std::shared_ptr<const TableRoute>> Scrubber::Routes() {
  std::vector<std::shared_ptr<const TableRoute>> out;
  for (auto& r : memds_->List("")) {
    if (r->meta.state == TableState::kActive) out.push_back(r);
  }
  return out;
}

uint64_t Scrubber::NextScrubId() { return ++next_id_; }

void Scrubber::Alarm(uint64_t group, paxos::NodeId node, const std::string& kind, const std::string& message) {
  {
    // The same alarm again within a minute (a hole the archiver meets at
    // every pass) is not repeated.
    std::lock_guard<std::mutex> lock(state_mu_);
    const std::string key = std::to_string(group) + "/" + std::to_string(node) + "/" + kind + "/" + message;
    const int64_t now = NowMs();
    auto it = last_raised_.find(key);
    if (it != last_raised_.end() && now - it->second < kAlarmRepeatMs) return;
    if (last_raised_.size() > 1000) last_raised_.clear();
    last_raised_[key] = now;
  }
  std::fprintf(stderr, "ddb-local: scrub alarm: %s: partition %llu%s: %s\n", kind.c_str(),
               static_cast<unsigned long long>(group),
               node == 0 ? "" : (" on node " + std::to_string(node)).c_str(), message.c_str());
  std::lock_guard<std::mutex> lock(state_mu_);
  alarms_.push_back(ScrubAlarm{NowMs(), group, node, kind, message});
  while (alarms_.size() > kAlarmsKept) alarms_.pop_front();
}

void Scrubber::Forget(const TableRoute& route) {
  std::lock_guard<std::mutex> lock(state_mu_);
  for (const PartitionRoute& p : route.partitions) {
    state_.erase(p.group);
    dropped_.push_back(p.group);
  }
}

void Scrubber::DropForgotten() {
  std::vector<uint64_t> groups;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    groups.swap(dropped_);
  }
  for (uint64_t g : groups) {
    if (reference_ != nullptr) reference_->DropReplica(g);
    reference_applied_.erase(g);
    last_archive_.erase(g);
    untrimmed_.erase(g);
    archive_->Forget(g);
  }
}

// ---- Scrub ----

std::string Scrubber::ReferenceDigest(uint64_t table, const PartitionRoute& p, uint64_t scrub_id, paxos::Lsn lsn) {
  for (int i = 0; i < 3 && archive_->archived_lsn(p.group) < lsn; ++i) ArchivePartition(table, p, true);
  if (archive_->archived_lsn(p.group) < lsn) return "";
  if (reference_ == nullptr) {
    // Opened on the first scrub, not at start: nothing needs it before. On
    // disk with -dbPath (a copy of every partition would otherwise stay in
    // memory), rebuilt from the archive by each run: a new file each time.
    std::string path = ":memory:";
    if (!options_.in_memory) {
      path = (std::filesystem::path(options_.data_dir) / "reference.sqlite").string();
      std::error_code ec;
      // The journals an earlier run left go with the file (SqliteDb::CreateFile).
      for (const char* suffix : {"", "-shm"}) std::filesystem::remove(path + suffix, ec);
    }
    auto ref = NodeStore::Open(path, false);
    if (!ref.ok()) return "";  // the replicas' majority decides
    reference_ = ref.take();
  }
  paxos::Lsn& applied = reference_applied_[p.group];
  if (applied == 0) {
    ReplicaRow row;
    row.group = p.group;
    row.table_id = table;
    row.hash_lo = p.hash_lo;
    row.hash_hi = p.hash_hi;
    if (!reference_->CreateReplica(row).ok()) return "";
  }
  if (applied < lsn) {
    auto records = archive_->Read(p.group, applied, lsn);
    if (!records.ok() || records->size() != lsn - applied) {
      Alarm(p.group, 0, "archive-corrupt",
            records.ok() ? "archived records missing before lsn " + std::to_string(lsn) : records.status().message());
      return "";
    }
    if (!reference_->Begin().ok()) return "";
    Status s;
    for (size_t i = 0; s.ok() && i < records->size(); ++i) s = reference_->Apply(p.group, (*records)[i], true);
    if (!s.ok()) {
      reference_->Rollback();
      Alarm(p.group, 0, "archive-corrupt", "cannot apply archived records: " + s.message());
      return "";
    }
    if (!reference_->Commit().ok()) return "";
    applied = lsn;
  }
  auto d = reference_->scrub().Digest(p.group, scrub_id);
  return d ? d->digest : "";
}

Result<Scrubber::Digests> Scrubber::Mark(const PartitionRoute& p, uint64_t scrub_id, paxos::NodeId source,
                                         const std::string& lo, const std::string& hi) {
  WalRecord marker;
  marker.op = WalRecord::Op::kScrubMarker;
  marker.hash_key = lo;
  marker.range_key = hi;
  marker.scrub_id = scrub_id;
  marker.scrub_source = source;
  NodeReply r = router_->ToLeader(p, [&](StorageNode* n, ReplyFn done) { n->Write(p.group, marker, std::move(done)); });
  if (!r.status.ok()) return Status::Unavailable("cannot write a scrub marker: " + r.status.message());
  Digests d;
  const uint64_t group = p.group;
  const auto deadline = Clock::now() + kMarkTimeout;
  for (;;) {
    size_t waiting = 0;
    for (paxos::NodeId id : p.members) {
      StorageNode* node = router_->Node(id);
      if (d.by_node.count(id) || node == nullptr || !node->powered_on()) continue;
      auto got = std::make_shared<std::optional<MarkerDigest>>();
      CallNode(node, group, [got, group, scrub_id](NodeStore& store, const paxos::Replica*) -> Status {
        *got = store.scrub().Digest(group, scrub_id);
        return Status::Ok();
      });
      if (got->has_value()) {
        d.lsn = (*got)->lsn;
        d.by_node[id] = (*got)->digest;
      } else {
        ++waiting;
      }
    }
    if (waiting == 0 || Clock::now() >= deadline || stop_.load()) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  if (d.by_node.empty()) return Status::Unavailable("no replica applied the scrub marker in time");
  return d;
}

ScrubReport Scrubber::ScrubNow(const std::vector<std::shared_ptr<const TableRoute>>& routes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    DropForgotten();
    for (const auto& route : routes) {
      for (const PartitionRoute& p : route->partitions) {
        if (stop_.load()) break;
        ScrubPartition(route->meta.id, p);
      }
    }
  }
  return State();
}

void Scrubber::ScrubChanged() {
  constexpr int64_t kIdleRescrubIntervals = 10;
  constexpr size_t kMaxScrubsPerPass = 64;
  std::lock_guard<std::mutex> lock(mu_);
  DropForgotten();
  const int64_t now = NowMs();
  // Nothing applied anywhere since a pass that found nothing due, and no
  // idle partition due for its rescrub yet: nothing can be due now.
  const uint64_t applied_now = AppliedRecords();
  if (scrub_quiet_ && applied_now == scrub_quiet_applied_ && now < next_idle_rescrub_ms_) {
    periodic_skips_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const auto routes = Routes();
  const auto applied = AppliedLsns(routes);
  int64_t next_idle_rescrub = std::numeric_limits<int64_t>::max();
  // (idle, last scrub ms) orders the candidates: changed ones first, the
  // longest unscrubbed first.
  std::vector<std::tuple<bool, int64_t, uint64_t, const PartitionRoute*>> due;
  {
    std::lock_guard<std::mutex> state(state_mu_);
    for (const auto& route : routes) {
      for (const PartitionRoute& p : route->partitions) {
        const std::optional<paxos::Lsn> newest_applied = NewestApplied(applied, p);
        // Never written (a new table's group starts with no record): nothing
        // to compare yet; its first write makes it due.
        if (newest_applied == paxos::Lsn{0}) continue;
        const paxos::Lsn newest = newest_applied.value_or(0);
        auto it = state_.find(p.group);
        const bool idle = it != state_.end() && it->second.result == "ok" && it->second.scrub_lsn == newest;
        const int64_t last = it == state_.end() ? 0 : it->second.last_scrub_ms;
        const int64_t rescrub_at = last + kIdleRescrubIntervals * options_.scrub_interval_ms;
        if (idle && now < rescrub_at) {
          next_idle_rescrub = std::min(next_idle_rescrub, rescrub_at);
          continue;
        }
        due.emplace_back(idle, last, route->meta.id, &p);
      }
    }
  }
  scrub_quiet_ = due.empty();
  scrub_quiet_applied_ = applied_now;
  next_idle_rescrub_ms_ = next_idle_rescrub;
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  if (due.size() > kMaxScrubsPerPass) due.resize(kMaxScrubsPerPass);
  for (const auto& [idle, last, table, p] : due) {
    if (stop_.load()) return;
    ScrubPartition(table, *p);
  }
}

size_t Scrubber::SliceCount(const PartitionRoute& p) {
  auto items = std::make_shared<uint64_t>(0);
  const uint64_t group = p.group;
  for (paxos::NodeId id : p.members) {
    StorageNode* node = router_->Node(id);
    if (node == nullptr || !node->powered_on()) continue;
    Status s = CallNode(node, group, [items, group](NodeStore& store, const paxos::Replica* r) -> Status {
      if (r == nullptr) return Status::NotFound("no replica of the partition here");
      TableStats stats;
      RETURN_IF_ERROR(store.ItemTotals(group, &stats));
      *items = stats.item_count;
      return Status::Ok();
    });
    if (s.ok()) break;
  }
  return static_cast<size_t>(std::clamp<uint64_t>((*items + kSliceItems - 1) / kSliceItems, 1, kMaxSlices));
}

void Scrubber::ScrubPartition(uint64_t table, const PartitionRoute& p) {
  PartitionScrub st;
  st.group = p.group;
  st.table_id = table;
  st.last_scrub_ms = NowMs();
  // 1. Every slice's marker, and the replicas' digests at it.
  const size_t slices = SliceCount(p);
  std::vector<uint64_t> ids;
  std::vector<Digests> marks;
  Status marked = Status::Ok();
  for (size_t i = 0; i < slices && marked.ok() && !stop_.load(); ++i) {
    const auto [lo, hi] = SliceBounds(p, i, slices);
    ids.push_back(NextScrubId());
    auto m = Mark(p, ids.back(), 0, lo, hi);
    if (m.ok()) {
      marks.push_back(std::move(*m));
    } else {
      marked = m.status();
    }
  }
  if (marked.ok() && marks.size() != slices) marked = Status::Unavailable("the scrub was stopped");
  // 2. The expected digest of each slice: the reference's (which applies the
  // archive up to each marker in turn), else the majority's. A replica is
  // bad when any slice of it differs, and unchecked when it missed one.
  std::map<paxos::NodeId, std::vector<std::string>> by_node;
  std::vector<std::string> reference, expected;
  std::set<paxos::NodeId> differs;
  for (size_t i = 0; marked.ok() && i < slices; ++i) {
    st.scrub_lsn = marks[i].lsn;
    reference.push_back(ReferenceDigest(table, p, ids[i], marks[i].lsn));
    expected.push_back(reference.back().empty() ? Majority(marks[i].by_node, p.members.size()) : reference.back());
    for (paxos::NodeId m : p.members) {
      auto d = marks[i].by_node.find(m);
      by_node[m].push_back(d == marks[i].by_node.end() ? "" : d->second);
      if (d != marks[i].by_node.end() && !expected.back().empty() && d->second != expected.back()) differs.insert(m);
    }
  }
  st.reference_digest = marked.ok() ? Combined(reference) : "";
  // "" when a slice has no expected digest: the partition is then not checked.
  const std::string expected_all = marked.ok() ? Combined(expected) : "";
  std::vector<paxos::NodeId> bad, good;
  for (paxos::NodeId m : p.members) {
    ReplicaScrub rs;
    rs.node = m;
    rs.state = "unchecked";
    if (marked.ok()) rs.digest = Combined(by_node[m]);
    if (differs.count(m)) {
      rs.state = "mismatch";
      bad.push_back(m);
    } else if (!rs.digest.empty() && !expected_all.empty()) {
      rs.state = "ok";
      good.push_back(m);
    }
    st.replicas.push_back(std::move(rs));
  }
  if (!marked.ok()) {
    st.result = "error";
    st.detail = marked.message();
  } else if (expected_all.empty()) {
    st.result = "error";
    st.detail = "no reference from the archive and no majority among the replicas";
  } else {
    st.result = "ok";
  }
  uint64_t mismatches = 0, repairs = 0;
  for (paxos::NodeId b : bad) {
    ++mismatches;
    Alarm(p.group, b, "replica-mismatch",
          "digest " + Combined(by_node[b]) + " at lsn " + std::to_string(st.scrub_lsn) + ", expected " +
              (expected_all.empty() ? "a majority's" : expected_all) +
              (slices > 1 ? " (" + std::to_string(slices) + " slices)" : ""));
    Status s = good.empty() ? Status::Unavailable("no good replica to copy from") : Repair(table, p, b, good.front());
    for (ReplicaScrub& rs : st.replicas) {
      if (rs.node == b && s.ok()) rs.state = "repaired";
    }
    if (s.ok()) {
      ++repairs;
      Alarm(p.group, b, "replica-repaired", "copied from node " + std::to_string(good.front()));
    } else {
      Alarm(p.group, b, "repair-failed", s.message());
    }
  }
  if (mismatches > 0) {
    st.result = repairs == mismatches ? "repaired" : "mismatch";
    st.detail = std::to_string(mismatches) + " replica(s) differed at lsn " + std::to_string(st.scrub_lsn) + ", " +
                std::to_string(repairs) + " repaired";
  }
  std::lock_guard<std::mutex> lock(state_mu_);
  PartitionScrub& slot = state_[p.group];
  st.mismatches = slot.mismatches + mismatches;
  st.repairs = slot.repairs + repairs;
  st.wal_trimmed = slot.wal_trimmed;  // the archiver's
  slot = std::move(st);
}

Status Scrubber::Repair(uint64_t table, const PartitionRoute& p, paxos::NodeId bad, paxos::NodeId source) {
  hold_trim_ = true;
  Status s = RepairOnce(table, p, bad, source);
  hold_trim_ = false;
  return s;
}

Status Scrubber::RepairOnce(uint64_t table, const PartitionRoute& p, paxos::NodeId bad, paxos::NodeId source) {
  const uint64_t group = p.group;
  Status last = Status::Unavailable("repair not attempted");
  for (int attempt = 0; attempt < kRepairAttempts && !stop_.load(); ++attempt) {
    // 1. A marker that makes the source keep a copy of its rows at its LSN.
    const uint64_t id = NextScrubId();
    auto marked = Mark(p, id, source);
    if (!marked.ok()) return marked.status();
    std::string expected = ReferenceDigest(table, p, id, marked->lsn);
    if (expected.empty()) expected = Majority(marked->by_node, p.members.size());
    auto src = marked->by_node.find(source);
    if (src == marked->by_node.end() || src->second != expected) {
      return Status::Corruption("the source replica no longer matches the reference");
    }
    auto copy = std::make_shared<std::optional<GroupCopy>>();
    RETURN_IF_ERROR(CallNode(router_->Node(source), group, [copy, group, id](NodeStore& store, const paxos::Replica*) {
      *copy = store.scrub().TakeCopy(group, id);
      return Status::Ok();
    }));
    if (!copy->has_value()) return Status::Unavailable("the source kept no copy");
    // 2. The bad replica takes the copy and re-applies its own WAL after it.
    last = CallNode(router_->Node(bad), group, [copy, group](NodeStore& store, const paxos::Replica* r) -> Status {
      if (r == nullptr) return Status::NotFound("no replica of the partition here");
      const GroupCopy& c = **copy;
      const paxos::Lsn applied = r->applied_lsn();
      if (applied < c.lsn) return Status::Unavailable("the replica has not reached the copy's lsn yet");
      auto records = store.scrub().ReadWal(group, c.lsn, applied, SIZE_MAX);
      if (!records.ok()) return records.status();
      if (records->size() != applied - c.lsn) return Status::Corruption("WAL records missing after the copy");
      RETURN_IF_ERROR(store.Begin());
      Status s = store.ReplaceGroup(group, c);
      for (size_t i = 0; s.ok() && i < records->size(); ++i) s = store.Apply(group, (*records)[i], true);
      if (!s.ok()) {
        store.Rollback();
        return s;
      }
      return store.Commit();
    });
    if (!last.ok()) continue;
    // 3. Check: every replica agrees again.
    const uint64_t check = NextScrubId();
    auto verify = Mark(p, check, 0);
    if (!verify.ok()) return verify.status();
    std::string want = ReferenceDigest(table, p, check, verify->lsn);
    if (want.empty()) want = Majority(verify->by_node, p.members.size());
    auto got = verify->by_node.find(bad);
    if (got != verify->by_node.end() && got->second == want) return Status::Ok();
    last = Status::Corruption("the replica still differs after the repair");
  }
  return last;
}

ScrubReport Scrubber::State() {
  ScrubReport report;
  report.periodic_waits = scrubs_deferred_.load();
  report.periodic_skips = periodic_skips_.load();
  auto routes = Routes();
  std::lock_guard<std::mutex> lock(state_mu_);
  for (const auto& route : routes) {
    for (const PartitionRoute& p : route->partitions) {
      PartitionScrub st;
      auto it = state_.find(p.group);
      if (it != state_.end()) st = it->second;
      st.group = p.group;
      st.table_id = route->meta.id;
      st.archived_lsn = archive_->archived_lsn(p.group);
      st.archive_segments = archive_->segment_count(p.group);
      report.partitions.push_back(std::move(st));
    }
  }
  report.alarms.assign(alarms_.begin(), alarms_.end());
  return report;
}

}  // namespace ddb::cluster
