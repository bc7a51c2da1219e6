// Configuration: validation and the record encoding (see configuration.h).
#include "cluster/paxos/configuration.h"

#include <set>

namespace ddb::paxos {

namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMemberBytes = 5;

Status Invalid(const std::string& why) { return Status::InvalidArgument("configuration: " + why); }

}  // namespace

const Member* Configuration::Find(NodeId id) const {
  for (const Member& m : members) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

bool Configuration::IsFull(NodeId id) const {
  const Member* m = Find(id);
  return m != nullptr && m->role == MemberRole::kFull;
}

Configuration Configuration::AllFull(const std::vector<NodeId>& ids) {
  Configuration c;
  for (NodeId id : ids) c.members.push_back(Member{id, MemberRole::kFull});
  return c;
}

Status ValidateConfiguration(const Configuration& c) {
  if (c.members.empty()) return Invalid("no members");
  if (c.members.size() > kMaxMembers) {
    return Invalid("more than " + std::to_string(kMaxMembers) + " members");
  }
  std::set<NodeId> seen;
  bool full = false;
  for (const Member& m : c.members) {
    if (m.id == 0) return Invalid("member id 0");
    if (!seen.insert(m.id).second) return Invalid("member " + std::to_string(m.id) + " twice");
    if (m.role != MemberRole::kFull && m.role != MemberRole::kLog) return Invalid("unknown role");
    full = full || m.role == MemberRole::kFull;
  }
  if (!full) return Invalid("no full member");
  return Status::Ok();
}

Status ValidateConfigurationChange(const Configuration& from, const Configuration& to) {
  RETURN_IF_ERROR(ValidateConfiguration(to));
  size_t changes = 0;
  for (const Member& m : to.members) {
    const Member* old = from.Find(m.id);
    if (old == nullptr) {
      ++changes;  // added
    } else if (old->role != m.role) {
      if (old->role == MemberRole::kLog) {
        return Invalid(
            "a log replica cannot be promoted in place: add a full replica, then remove the log "
            "replica");
      }
      ++changes;  // demoted
    }
  }
  for (const Member& m : from.members) {
    if (!to.Contains(m.id)) ++changes;  // removed
  }
  if (changes != 1) {
    return Invalid("a change must add one member, remove one member or demote one member (found " +
                   std::to_string(changes) + " differences)");
  }
  return Status::Ok();
}

std::string EncodeConfiguration(const Configuration& c) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(c.members.size()));
  for (const Member& m : c.members) {
    for (int shift = 0; shift < 32; shift += 8) {
      out.push_back(static_cast<char>((m.id >> shift) & 0xff));
    }
    out.push_back(static_cast<char>(m.role));
  }
  return out;
}

Result<Configuration> DecodeConfiguration(std::string_view data) {
  if (data.size() < 2) return Status::Corruption("configuration record: truncated header");
  if (static_cast<uint8_t>(data[0]) != kVersion) {
    return Status::Corruption("configuration record: unknown version " +
                              std::to_string(static_cast<uint8_t>(data[0])));
  }
  size_t count = static_cast<uint8_t>(data[1]);
  if (data.size() != 2 + count * kMemberBytes) {
    return Status::Corruption("configuration record: length does not match member count");
  }
  Configuration c;
  for (size_t i = 0; i < count; ++i) {
    const char* p = data.data() + 2 + i * kMemberBytes;
    NodeId id = 0;
    for (int b = 0; b < 4; ++b) id |= NodeId{static_cast<uint8_t>(p[b])} << (8 * b);
    c.members.push_back(Member{id, static_cast<MemberRole>(static_cast<uint8_t>(p[4]))});
  }
  Status valid = ValidateConfiguration(c);
  if (!valid.ok()) return Status::Corruption("configuration record: " + valid.message());
  return c;
}

}  // namespace ddb::paxos
