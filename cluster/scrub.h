// Scrubber: WAL archiving and continuous verification of every partition's
// replicas (the "scrub" of the DynamoDB paper), and their repair.
//
// Archiving (every archive_interval_ms, and before each scrub): for each
// partition, the records a replica has applied above the archived LSN (once
// there are 1024, or the last segment is 10 s old, or a scrub or ArchiveNow
// asks) are read from its WAL (leader first; each record's CRC checked), checked for
// sequence holes, and written as one segment of the WAL archive
// (archive.h). A checksum error or a hole raises an alarm and the next
// replica is tried. Then every replica deletes its WAL records at or below
// min(archived LSN, its applied LSN, its trim LSN): records no peer can still
// need (paxos/replica.h, memory rule) and that the archive holds.
//
// Reference: a node store (the same NodeStore code; reference.sqlite under
// -dbPath, new each run, or in memory with -inMemory) into which the
// archived records of every partition are applied in order, read back from
// the archive with every check. It is "a replica rebuilt from the archived
// WAL".
//
// A scrub of one partition:
//   1. the leader proposes a scrub marker (WalRecord kScrubMarker with a
//      fresh id); every replica computes the digest of the partition's rows
//      when it applies it (scrub_store.h), so all digests are taken at the
//      same LSN, whatever writes run before and after. A partition of more
//      than kSliceItems items is scrubbed in slices of its hash range, one
//      marker each (about kSliceItems items a slice): a replica digests its
//      slice on its node thread, a few rows at a time between requests
//      (scrub_store.h, deferred digests), and the partition's writes wait
//      for the rest of the digest on the leader (a whole 50,000-item
//      partition in one piece held PutItem for ~200 ms);
//   2. the digests are collected (a replica that is down or does not answer
//      within the timeout is "unchecked");
//   3. the archive is brought up to the marker and the reference applies it:
//      its digest is the expected one (when the archive cannot be read, the
//      majority of the replicas' digests is). A replica is bad when any
//      slice differs; the digests reported are of all the slices together
//      (Combined);
//   4. every replica whose digest differs raises an alarm (log + report) and
//      is repaired: a second marker names a good replica as the source,
//      which keeps a copy of its rows at that marker's LSN R; once the bad
//      replica has applied R too, it replaces its rows by the copy and
//      re-applies its own WAL records after R, in one transaction (so writes
//      committed meanwhile are kept); a third marker checks the result.
// The source's digest at R is checked against the reference before its copy
// is used.
//
// The periodic scrub takes at most kMaxScrubsPerPass partitions per pass,
// those that changed since their last clean scrub (or were never scrubbed,
// or were not clean) first, the longest unscrubbed first; then, in the room
// left, idle ones whose last clean scrub is over kIdleRescrubIntervals
// intervals old (so bit rot in an idle partition is still found). A partition
// clean and unchanged since (its newest applied LSN is still the marker's) is
// otherwise skipped. A pass that finds nothing applied on any node since one
// that had no partition due, before the first idle partition's rescrub, asks
// the nodes nothing (ScrubReport::periodic_skips): a large idle cluster
// costs no work between rescrubs. So is one never written (every replica that answered
// has applied nothing: a new table), until its first write. A scrub asked
// for (ScrubNow) checks every partition.
//
// Thread safety: every public method may be called from any thread; the work
// itself runs one pass at a time (mu_), on the caller's thread or the
// scrubber's own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cluster/archive.h"
#include "cluster/cluster.h"
#include "cluster/memds.h"
#include "cluster/node_store.h"
#include "cluster/router.h"
#include "cluster/storage_node.h"

namespace ddb::cluster {

class Scrubber {
 public:
  Scrubber(const ClusterOptions& options, std::unique_ptr<WalArchive> archive, MemdsNode* memds, Router* router);
  ~Scrubber();

  // Opens the reference store.
  Status Start();
  // Starts the background thread when an interval is set; once, after Start().
  void StartLoop();
  void Stop();

  // Scrubs the partitions of `routes` now; see Cluster::ScrubNow.
  ScrubReport ScrubNow(const std::vector<std::shared_ptr<const TableRoute>>& routes);
  // The periodic pass: ScrubNow, but skipping clean idle partitions (above).
  void ScrubChanged();
  Status ArchiveNow();
  ScrubReport State();
  // The table was deleted: forget its partitions.
  void Forget(const TableRoute& route);
  // A snapshot of the cluster keeps the archive of its WALs (the objects of
  // the bucket); a restore puts it back and starts the reference and the
  // scrub results afresh, so that the archive and the replicas tell the
  // same history. Both wait for a pass in progress.
  Result<std::map<std::string, std::string>> CaptureArchive();
  Status RestoreArchive(const std::map<std::string, std::string>& objects);

  WalArchive* archive() { return archive_.get(); }
  // The number of requests the cluster has served so far (a running count):
  // the periodic scrub waits while they come fast (Loop). Set before
  // StartLoop; without it the scrub never waits.
  void set_request_count(std::function<uint64_t()> count) { request_count_ = std::move(count); }

 private:
  struct Digests {
    paxos::Lsn lsn = 0;
    std::map<paxos::NodeId, std::string> by_node;  // replicas that answered
  };

  void Loop();
  // True when more than kBusyRequestsPerSecond requests a second came since
  // the last call (or since Loop began); Loop's thread only.
  bool Busy(std::chrono::steady_clock::time_point now);
  void ArchiveAll();
  // Archives what the replicas of `p` applied and trims their WAL.
  // `force`: archive whatever is there; otherwise wait for a full segment
  // (see kMinSegmentRecords in archiver.cc).
  Status ArchiveAll(bool force);
  // (node, group) -> the LSN that replica applied.
  using AppliedMap = std::map<std::pair<paxos::NodeId, uint64_t>, paxos::Lsn>;
  AppliedMap AppliedLsns(const std::vector<std::shared_ptr<const TableRoute>>& routes);
  // The highest LSN a member of `p` applied, of those in `applied`; none
  // when no member answered.
  static std::optional<paxos::Lsn> NewestApplied(const AppliedMap& applied, const PartitionRoute& p);
  Status ArchivePartition(uint64_t table, const PartitionRoute& p, bool force);
  // Up to `max` records (and kSliceBytes) above `after` that `node`
  // applied, if at least `min_records`; *applied is the node's applied LSN.
  Status ReadFrom(StorageNode* node, uint64_t group, paxos::Lsn after, paxos::Lsn min_records, size_t max,
                  std::vector<paxos::Record>* out, paxos::Lsn* applied);
  // A segment's records (up to kMaxSegmentRecords) read as ReadFrom would,
  // in slices of kSliceRecords, one call on the node each.
  Status ReadSegment(StorageNode* node, uint64_t group, paxos::Lsn after, paxos::Lsn min_records,
                     std::vector<paxos::Record>* out, paxos::Lsn* applied);
  // True when every member that is on trimmed through the archived LSN.
  bool Trim(const PartitionRoute& p);
  // Trim on each partition of untrimmed_; those done leave it.
  void TrimUntrimmed();
  // Records a Trim's result in untrimmed_ and in the report (wal_trimmed).
  void NoteTrim(uint64_t group, bool trimmed);
  // The committed records applied by every node so far (StorageNode::applied_records).
  uint64_t AppliedRecords() const;
  // The reference's digest at marker `scrub_id` (applies archived records
  // up to `lsn` first). Empty when the archive cannot give it.
  std::string ReferenceDigest(uint64_t table, const PartitionRoute& p, uint64_t scrub_id, paxos::Lsn lsn);
  // Proposes a marker (of the slice [lo, hi) of KeyHashBytes values; empty
  // bounds: the whole partition) and collects the replicas' digests at it.
  Result<Digests> Mark(const PartitionRoute& p, uint64_t scrub_id, paxos::NodeId source,
                       const std::string& lo = "", const std::string& hi = "");
  // How many slices a scrub of the partition takes: its item count (as the
  // running totals of the first member that holds a replica say) over
  // kSliceItems, at least one.
  size_t SliceCount(const PartitionRoute& p);
  void ScrubPartition(uint64_t table, const PartitionRoute& p);
  Status Repair(uint64_t table, const PartitionRoute& p, paxos::NodeId bad, paxos::NodeId source);
  Status RepairOnce(uint64_t table, const PartitionRoute& p, paxos::NodeId bad, paxos::NodeId source);
  void Alarm(uint64_t group, paxos::NodeId node, const std::string& kind, const std::string& message);
  uint64_t NextScrubId();
  // Drops what Forget queued (under mu_).
  void DropForgotten();
  std::vector<std::shared_ptr<const TableRoute>> Routes();

  ClusterOptions options_;
  std::unique_ptr<WalArchive> archive_;
  MemdsNode* memds_;
  Router* router_;

  std::mutex mu_;  // one pass at a time; guards everything below but state_mu_'s
  std::unique_ptr<NodeStore> reference_;  // opened by the first ReferenceDigest
  std::unordered_map<uint64_t, paxos::Lsn> reference_applied_;  // by group
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> last_archive_;  // by group: last segment
  uint64_t next_id_ = 0;
  bool hold_trim_ = false;  // during a repair
  uint64_t passes_ = 0;     // archive passes so far
  // Groups whose WAL is not yet trimmed through their archived LSN (the
  // trim LSN follows the archive), tried again every tenth pass.
  std::set<uint64_t> untrimmed_;
  // The last pass found nothing to archive, with the nodes' applied counts
  // at idle_applied_: while they stay there, passes skip the nodes and only
  // retry untrimmed_ (TrimUntrimmed).
  bool idle_ = false;
  uint64_t idle_applied_ = 0;
  // The last periodic scrub pass found no partition due, with the nodes'
  // applied counts at scrub_quiet_applied_: while they stay there, passes
  // before next_idle_rescrub_ms_ (the first idle partition's rescrub) skip
  // the nodes. 10,000 idle tables: one pass over their 30,000 replicas a
  // minute before.
  bool scrub_quiet_ = false;
  uint64_t scrub_quiet_applied_ = 0;
  int64_t next_idle_rescrub_ms_ = 0;
  std::atomic<bool> stop_{false};  // Stop() was called: passes end early

  std::mutex state_mu_;  // the report; taken inside mu_, never the other way
  std::map<uint64_t, PartitionScrub> state_;  // by group
  std::deque<ScrubAlarm> alarms_;
  std::map<std::string, int64_t> last_raised_;  // alarm -> when it was last raised
  std::vector<uint64_t> dropped_;  // groups of deleted tables, to drop under mu_

  std::function<uint64_t()> request_count_;
  // Loop's: the request count when it last looked, and then.
  uint64_t requests_seen_ = 0;
  std::chrono::steady_clock::time_point requests_seen_at_;
  std::atomic<uint64_t> scrubs_deferred_{0};  // looks that found the cluster busy
  std::atomic<uint64_t> periodic_skips_{0};   // passes skipped (scrub_quiet_)

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;  // guarded by loop_mu_
  std::thread thread_;
};

}  // namespace ddb::cluster
