// Configuration: the members of a Paxos replication group and their roles,
// and its encoding as the data of a configuration record.
//
// A member is kFull (stores items, may lead, applies every record) or kLog (a
// log replica: persists WAL records and counts toward every quorum like any
// member, but never leads and never applies items). A configuration change is
// a Paxos record of kind RecordKind::kConfig (replica.h) that takes effect on
// a replica as soon as the record is in its log; changes go one at a time
// and each adds one member, removes one member, or demotes one kFull member
// to kLog (ValidateConfigurationChange), so that any majority of the old
// configuration and any majority of the new one share a member.
//
// It is not the placement of replicas on nodes (that is the cluster layer's
// partition metadata); it is only what the Paxos core needs to count votes.
//
// Encoding (the data of a kConfig record), all integers little-endian:
//   configuration := version:u8 (= 1) count:u8 member{count}
//   member        := id:u32 role:u8 (MemberRole)
// count is in [1, kMaxMembers]; ids are non-zero and distinct; at least one
// member is kFull. Member order is kept as given (it carries no meaning).
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ddb::paxos {

using NodeId = uint32_t;
using Lsn = uint64_t;  // log sequence number; the first record is LSN 1

// Do not reorder: persisted in configuration records.
enum class MemberRole : uint8_t {
  kFull = 0,  // stores items; may lead; applies every committed record
  kLog = 1,   // log replica: persists WAL records only; never leads
};

struct Member {
  NodeId id = 0;
  MemberRole role = MemberRole::kFull;
  bool operator==(const Member& o) const { return id == o.id && role == o.role; }
};

inline constexpr size_t kMaxMembers = 7;

struct Configuration {
  std::vector<Member> members;

  bool empty() const { return members.empty(); }
  // The member with this id, or null.
  const Member* Find(NodeId id) const;
  bool Contains(NodeId id) const { return Find(id) != nullptr; }
  // True when `id` is a kFull member.
  bool IsFull(NodeId id) const;
  // Votes needed: a majority of all members, log replicas included.
  size_t quorum() const { return members.size() / 2 + 1; }
  bool operator==(const Configuration& o) const { return members == o.members; }
  bool operator!=(const Configuration& o) const { return !(*this == o); }

  // Every member kFull, in the order given: a group's first configuration.
  static Configuration AllFull(const std::vector<NodeId>& ids);
};

// InvalidArgument unless `c` satisfies the rules of the encoding above.
Status ValidateConfiguration(const Configuration& c);

// InvalidArgument unless `to` differs from `from` by exactly one of: one
// member added (either role), one member removed, one kFull member demoted to
// kLog. Promoting a log replica in place is refused: it holds no items (add a
// full replica, let it catch up, then remove the log replica).
Status ValidateConfigurationChange(const Configuration& from, const Configuration& to);

std::string EncodeConfiguration(const Configuration& c);
Result<Configuration> DecodeConfiguration(std::string_view data);

}  // namespace ddb::paxos
