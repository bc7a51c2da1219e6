// WalArchive: segments, the manifest, and the buckets (see archive.h).
#include "cluster/archive.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/varint.h"

namespace ddb::cluster {

namespace {

constexpr char kMagic[] = "DDBWALSEG1";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr char kManifest[] = "MANIFEST";

uint32_t Crc(std::string_view d) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(d.data()), static_cast<uInt>(d.size())));
}

void PutFixed32(std::string* out, uint32_t v) {
  for (int k = 3; k >= 0; --k) out->push_back(static_cast<char>(v >> (8 * k)));
}

bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = 0;
  for (int k = 0; k < 4; ++k) *v = (*v << 8) | static_cast<uint8_t>((*in)[k]);
  in->remove_prefix(4);
  return true;
}

std::string SegmentObjectName(uint64_t table, uint64_t group, paxos::Lsn first, paxos::Lsn last) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%llu/%llu/%020llu-%020llu.seg", static_cast<unsigned long long>(table),
                static_cast<unsigned long long>(group), static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(last));
  return buf;
}

class DiskBucket final : public ArchiveBucket {
 public:
  explicit DiskBucket(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status Put(const std::string& name, const std::string& bytes) override {
    std::filesystem::path p = dir_ / name;
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return Status::IoError("archive: cannot create " + p.parent_path().string() + ": " + ec.message());
    // Written to a temporary name and renamed: a segment is there whole or not at all.
    std::filesystem::path tmp = p;
    tmp += ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!f.flush()) return Status::IoError("archive: cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, p, ec);
    if (ec) return Status::IoError("archive: cannot rename " + tmp.string() + ": " + ec.message());
    return Status::Ok();
  }
  Result<std::string> Get(const std::string& name) override {
    std::ifstream f(dir_ / name, std::ios::binary);
    if (!f) return Status::NotFound("archive: no object " + name);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }
  Status Append(const std::string& name, const std::string& bytes) override {
    std::error_code ec;
    std::filesystem::create_directories((dir_ / name).parent_path(), ec);
    if (ec) return Status::IoError("archive: cannot create " + (dir_ / name).parent_path().string() + ": " + ec.message());
    std::ofstream f(dir_ / name, std::ios::binary | std::ios::app);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f.flush()) return Status::IoError("archive: cannot append to " + name);
    return Status::Ok();
  }
  Status FlipBit(const std::string& name, size_t offset) override {
    auto bytes = Get(name);
    if (!bytes.ok()) return bytes.status();
    if (offset >= bytes->size()) return Status::InvalidArgument("offset past the end");
    (*bytes)[offset] = static_cast<char>((*bytes)[offset] ^ 0x01);
    return Put(name, *bytes);
  }

 private:
  Result<std::map<std::string, std::string>> ReadAll() override {
    std::map<std::string, std::string> out;
    std::error_code ec;
    if (!std::filesystem::exists(dir_, ec) && !ec) return out;  // nothing archived yet
    for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string name = std::filesystem::relative(it->path(), dir_).generic_string();
      auto bytes = Get(name);
      if (!bytes.ok()) return bytes.status();
      out.emplace(std::move(name), std::move(bytes.value()));
    }
    if (ec) return Status::IoError("archive: cannot list " + dir_.string() + ": " + ec.message());
    return out;
  }
  Status ReplaceAll(const std::map<std::string, std::string>& objects) override {
    std::error_code ec;
    // Nothing archived yet: no folder to empty.
    if (std::filesystem::exists(dir_, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        std::filesystem::remove_all(entry.path(), ec);
        if (ec) break;
      }
    }
    if (ec) return Status::IoError("archive: cannot empty " + dir_.string() + ": " + ec.message());
    for (const auto& [name, bytes] : objects) RETURN_IF_ERROR(Put(name, bytes));
    return Status::Ok();
  }

 private:
  std::filesystem::path dir_;
};

class MemoryBucket final : public ArchiveBucket {
 public:
  Status Put(const std::string& name, const std::string& bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_[name] = bytes;
    return Status::Ok();
  }
  Result<std::string> Get(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(name);
    if (it == objects_.end()) return Status::NotFound("archive: no object " + name);
    return it->second;
  }
  Status Append(const std::string& name, const std::string& bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_[name] += bytes;
    return Status::Ok();
  }
  Status FlipBit(const std::string& name, size_t offset) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(name);
    if (it == objects_.end() || offset >= it->second.size()) return Status::NotFound("no such byte");
    it->second[offset] = static_cast<char>(it->second[offset] ^ 0x01);
    return Status::Ok();
  }
  Result<std::map<std::string, std::string>> ReadAll() override {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_;
  }
  Status ReplaceAll(const std::map<std::string, std::string>& objects) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_ = objects;
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
};

}  // namespace

// The folder is made by the first object written into it, not here: a new
// directory is an inode, and on ext4 each one created costs 40-70 us of a
// start (a -seed start creates 17 files and folders, cluster/node_store.cc).
Result<std::unique_ptr<ArchiveBucket>> ArchiveBucket::OnDisk(const std::string& dir) {
  return std::unique_ptr<ArchiveBucket>(new DiskBucket(dir));
}

std::unique_ptr<ArchiveBucket> ArchiveBucket::InMemory() { return std::make_unique<MemoryBucket>(); }

std::string EncodeSegment(uint64_t table, uint64_t group, const std::vector<paxos::Record>& records) {
  std::string out(kMagic, kMagicSize);
  PutVarint(&out, table);
  PutVarint(&out, group);
  PutVarint(&out, records.empty() ? 0 : records.front().lsn);
  PutVarint(&out, records.empty() ? 0 : records.back().lsn);
  PutVarint(&out, records.size());
  for (const paxos::Record& r : records) {
    PutVarint(&out, r.lsn);
    PutVarint(&out, r.ballot);
    out.push_back(static_cast<char>(r.kind));
    PutVarint(&out, r.data.size());
    out += r.data;
    PutFixed32(&out, Crc(r.data));
  }
  PutFixed32(&out, Crc(out));
  return out;
}

Status DecodeSegment(const std::string& bytes, uint64_t* table, uint64_t* group,
                     std::vector<paxos::Record>* records) {
  if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic) != 0) {
    return Status::Corruption("archive segment: bad magic");
  }
  std::string_view tail(bytes.data() + bytes.size() - 4, 4);
  uint32_t crc = 0;
  GetFixed32(&tail, &crc);
  if (crc != Crc(std::string_view(bytes.data(), bytes.size() - 4))) {
    return Status::Corruption("archive segment: checksum mismatch");
  }
  std::string_view in(bytes.data() + kMagicSize, bytes.size() - kMagicSize - 4);
  uint64_t first, last, count;
  if (!GetVarint(&in, table) || !GetVarint(&in, group) || !GetVarint(&in, &first) || !GetVarint(&in, &last) ||
      !GetVarint(&in, &count)) {
    return Status::Corruption("archive segment: truncated header");
  }
  records->clear();
  for (uint64_t i = 0; i < count; ++i) {
    paxos::Record r;
    uint64_t len;
    if (!GetVarint(&in, &r.lsn) || !GetVarint(&in, &r.ballot) || in.empty()) {
      return Status::Corruption("archive segment: truncated record");
    }
    r.kind = static_cast<paxos::RecordKind>(static_cast<uint8_t>(in[0]));
    in.remove_prefix(1);
    if (!GetVarint(&in, &len) || len > in.size()) return Status::Corruption("archive segment: truncated record");
    r.data.assign(in.data(), len);
    in.remove_prefix(len);
    uint32_t rcrc;
    if (!GetFixed32(&in, &rcrc) || rcrc != Crc(r.data)) {
      return Status::Corruption("archive segment: record checksum mismatch at lsn " + std::to_string(r.lsn));
    }
    if (r.lsn != first + i) return Status::Corruption("archive segment: sequence hole at lsn " + std::to_string(first + i));
    records->push_back(std::move(r));
  }
  if (!in.empty()) return Status::Corruption("archive segment: trailing bytes");
  if (count == 0 || records->back().lsn != last) return Status::Corruption("archive segment: bad last lsn");
  return Status::Ok();
}

Result<std::unique_ptr<WalArchive>> WalArchive::Open(std::unique_ptr<ArchiveBucket> bucket) {
  std::unique_ptr<WalArchive> a(new WalArchive(std::move(bucket)));
  RETURN_IF_ERROR(a->LoadManifest());
  return a;
}

Status WalArchive::LoadManifest() {
  auto text = bucket_->Get(kManifest);
  if (!text.ok()) return text.status().IsNotFound() ? Status::Ok() : text.status();
  // Every complete, well-formed line that continues its partition's
  // sequence; the first that does not (a torn last line after a crash, a
  // rotten byte) ends the manifest, which is then rewritten without it.
  std::string kept;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) {
      load_error_ = "archive manifest: torn last line dropped";
      break;
    }
    std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    unsigned long long table, group, first, last;
    unsigned int crc;
    char name[128];
    int used = 0;
    if (std::sscanf(line.c_str(), "table=%llu partition=%llu first=%llu last=%llu segment=%127s crc=%8x%n", &table,
                    &group, &first, &last, name, &crc, &used) != 6 ||
        static_cast<size_t>(used) != line.size()) {
      load_error_ = "archive manifest: bad line dropped with what follows: " + line;
      break;
    }
    auto& list = segments_[group];
    paxos::Lsn expect = list.empty() ? 1 : list.back().last + 1;
    if (first != expect || last < first) {
      load_error_ = "archive manifest: sequence hole in partition " + std::to_string(group) + " at lsn " +
                    std::to_string(expect) + "; dropped with what follows";
      break;
    }
    list.push_back(Segment{table, first, last, name, crc});
    kept += line;
    kept.push_back('\n');
  }
  if (!load_error_.empty()) return bucket_->Put(kManifest, kept);
  return Status::Ok();
}

Status WalArchive::Reload() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    segments_.clear();
  }
  load_error_.clear();
  return LoadManifest();
}

paxos::Lsn WalArchive::archived_lsn(uint64_t group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = segments_.find(group);
  return it == segments_.end() || it->second.empty() ? 0 : it->second.back().last;
}

uint64_t WalArchive::segment_count(uint64_t group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = segments_.find(group);
  return it == segments_.end() ? 0 : it->second.size();
}

Status WalArchive::Append(uint64_t table, uint64_t group, const std::vector<paxos::Record>& records) {
  if (records.empty()) return Status::InvalidArgument("archive: no records");
  std::lock_guard<std::mutex> lock(mu_);
  auto& list = segments_[group];
  paxos::Lsn expect = list.empty() ? 1 : list.back().last + 1;
  for (const paxos::Record& r : records) {
    if (r.lsn != expect) {
      return Status::Corruption("archive: sequence hole in partition " + std::to_string(group) + ": expected lsn " +
                                std::to_string(expect) + ", got " + std::to_string(r.lsn));
    }
    ++expect;
  }
  Segment seg{table, records.front().lsn, records.back().lsn,
              SegmentObjectName(table, group, records.front().lsn, records.back().lsn), 0};
  std::string bytes = EncodeSegment(table, group, records);
  seg.crc = Crc(bytes);
  RETURN_IF_ERROR(bucket_->Put(seg.name, bytes));
  char line[256];
  std::snprintf(line, sizeof line, "table=%llu partition=%llu first=%llu last=%llu segment=%s crc=%08x\n",
                static_cast<unsigned long long>(table), static_cast<unsigned long long>(group),
                static_cast<unsigned long long>(seg.first), static_cast<unsigned long long>(seg.last),
                seg.name.c_str(), seg.crc);
  RETURN_IF_ERROR(bucket_->Append(kManifest, line));
  list.push_back(std::move(seg));
  return Status::Ok();
}

Result<std::vector<paxos::Record>> WalArchive::Read(uint64_t group, paxos::Lsn after, paxos::Lsn through) {
  std::vector<Segment> wanted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = segments_.find(group);
    if (it != segments_.end()) {
      for (const Segment& s : it->second) {
        if (s.last > after && s.first <= through) wanted.push_back(s);
      }
    }
  }
  std::vector<paxos::Record> out;
  paxos::Lsn expect = after + 1;
  for (const Segment& s : wanted) {
    auto bytes = bucket_->Get(s.name);
    if (!bytes.ok()) return Status::Corruption("archive: segment " + s.name + " is missing");
    if (Crc(*bytes) != s.crc) return Status::Corruption("archive: segment " + s.name + " checksum mismatch");
    uint64_t table = 0, g = 0;
    std::vector<paxos::Record> records;
    Status d = DecodeSegment(*bytes, &table, &g, &records);
    if (!d.ok()) return Status::Corruption(s.name + ": " + d.message());
    if (g != group || records.front().lsn != s.first || records.back().lsn != s.last) {
      return Status::Corruption("archive: segment " + s.name + " does not match the manifest");
    }
    for (paxos::Record& r : records) {
      if (r.lsn <= after || r.lsn > through) continue;
      if (r.lsn != expect) {
        return Status::Corruption("archive: sequence hole in partition " + std::to_string(group) + " at lsn " +
                                  std::to_string(expect));
      }
      ++expect;
      out.push_back(std::move(r));
    }
  }
  return out;
}

void WalArchive::Forget(uint64_t group) {
  std::lock_guard<std::mutex> lock(mu_);
  segments_.erase(group);
}

std::string WalArchive::SegmentName(uint64_t group, paxos::Lsn lsn) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = segments_.find(group);
  if (it == segments_.end()) return "";
  for (const Segment& s : it->second) {
    if (s.first <= lsn && lsn <= s.last) return s.name;
  }
  return "";
}

}  // namespace ddb::cluster
