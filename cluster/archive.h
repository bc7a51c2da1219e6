// WalArchive: the archive of committed WAL records — the emulated S3 bucket
// (`archive/` under -dbPath, or memory with -inMemory), its segments and its
// manifest.
//
// Objects (names relative to the bucket):
//   MANIFEST                          one line per segment, appended in order:
//     "table=<id> partition=<group> first=<lsn> last=<lsn> segment=<name> crc=<8 hex>"
//     crc is the CRC-32 of the segment object.
//   <table id>/<group>/<first:020>-<last:020>.seg   a segment:
//     segment := magic varint(table) varint(group) varint(first) varint(last)
//                varint(count) record{count} fixed32(crc)
//     magic   := "DDBWALSEG1"
//     record  := varint(lsn) varint(ballot) kind:u8 varint(len) data fixed32(crc32(data))
//     fixed32 is big-endian; the last crc covers every byte before it.
//   Records are consecutive (lsn = first, first+1, ..., last = first+count-1);
//   a group's segments follow one another with no gap: the first segment
//   starts at LSN 1 and each next one at the previous last + 1.
//
// Checks: Append refuses records that do not follow the group's archived
// LSN one by one (a sequence hole) and records whose data does not match a
// checksum the caller computed; Read verifies every segment's CRC, every
// record's CRC, the manifest's CRC and the sequence, and reports the first
// failure as Corruption.
//
// Thread safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/paxos/replica.h"

namespace ddb::cluster {

// The bucket: whole objects, and appends to one (the manifest).
class ArchiveBucket {
 public:
  virtual ~ArchiveBucket() = default;
  virtual Status Put(const std::string& name, const std::string& bytes) = 0;
  virtual Result<std::string> Get(const std::string& name) = 0;  // NotFound when absent
  virtual Status Append(const std::string& name, const std::string& bytes) = 0;
  // Test hook: flips one bit of byte `offset` of an object.
  virtual Status FlipBit(const std::string& name, size_t offset) = 0;
  // Every object by name, and replacing them all (snapshots of the cluster
  // keep the archive that goes with their WALs).
  virtual Result<std::map<std::string, std::string>> ReadAll() = 0;
  virtual Status ReplaceAll(const std::map<std::string, std::string>& objects) = 0;

  // Objects are files under `dir`, a folder made when the first one is written.
  static Result<std::unique_ptr<ArchiveBucket>> OnDisk(const std::string& dir);
  static std::unique_ptr<ArchiveBucket> InMemory();
};

std::string EncodeSegment(uint64_t table, uint64_t group, const std::vector<paxos::Record>& records);
// Decodes and checks a segment (its CRC and each record's).
Status DecodeSegment(const std::string& bytes, uint64_t* table, uint64_t* group,
                     std::vector<paxos::Record>* records);

class WalArchive {
 public:
  // Reads the manifest (an empty bucket has none). A manifest that ends in a
  // torn or bad line, or breaks a partition's sequence, is cut there (and
  // rewritten so): see load_error(). The scrubber raises it as an alarm.
  static Result<std::unique_ptr<WalArchive>> Open(std::unique_ptr<ArchiveBucket> bucket);

  // The highest archived LSN of a group (0: none).
  paxos::Lsn archived_lsn(uint64_t group) const;
  uint64_t segment_count(uint64_t group) const;

  // Writes `records` as one segment of `group` and adds it to the manifest.
  // InvalidArgument when empty; Corruption when records[0] is not
  // archived_lsn + 1 or the LSNs are not consecutive (a sequence hole).
  Status Append(uint64_t table, uint64_t group, const std::vector<paxos::Record>& records);

  // The archived records of `group` with after < lsn <= through, read back
  // from the bucket and checked.
  Result<std::vector<paxos::Record>> Read(uint64_t group, paxos::Lsn after, paxos::Lsn through);

  // Forgets a dropped group's segments in the index (objects stay).
  void Forget(uint64_t group);
  // Reads the manifest again (after the bucket's objects were replaced).
  Status Reload();

  ArchiveBucket* bucket() { return bucket_.get(); }
  // What Open found wrong with the manifest and dropped (empty: nothing).
  const std::string& load_error() const { return load_error_; }
  // The name of the segment holding `lsn` (empty: none); for tests.
  std::string SegmentName(uint64_t group, paxos::Lsn lsn) const;

 private:
  struct Segment {
    uint64_t table = 0;
    paxos::Lsn first = 0, last = 0;
    std::string name;
    uint32_t crc = 0;
  };
  explicit WalArchive(std::unique_ptr<ArchiveBucket> bucket) : bucket_(std::move(bucket)) {}
  Status LoadManifest();

  std::unique_ptr<ArchiveBucket> bucket_;
  std::string load_error_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::vector<Segment>> segments_;  // guarded by mu_; by group, in LSN order
};

}  // namespace ddb::cluster
