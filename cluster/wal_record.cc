// WalRecord codec and the key hash; see wal_record.h for the grammar.
#include "cluster/wal_record.h"

#include <md5.h>

#include <cstdlib>

#include "base/varint.h"

namespace ddb::cluster {

namespace {
constexpr uint8_t kVersion = 1;

bool GetIndexWrite(std::string_view* in, IndexWrite* w) {
  uint64_t local = 0, global = 0, size = 0;
  if (!GetVarint(in, &local) || local > UINT32_MAX || !GetVarint(in, &global) ||
      !GetBytes(in, &w->global_name) || in->empty()) {
    return false;
  }
  w->local_index = static_cast<uint32_t>(local);
  w->global_table = global;
  w->erase = (*in)[0] != 0;
  in->remove_prefix(1);
  if (!GetBytes(in, &w->key.hash) || !GetBytes(in, &w->key.range)) return false;
  if (w->erase) return true;
  if (!GetVarint(in, &size) || size > UINT32_MAX || !GetBytes(in, &w->item)) return false;
  w->size = static_cast<uint32_t>(size);
  return true;
}

// A batch's write: op, keys, item (put), and its index writes (always counted).
void AppendBatchWrite(const WalRecord& w, std::string* out) {
  out->push_back(static_cast<char>(w.op));
  PutBytes(out, w.hash_key);
  PutBytes(out, w.range_key);
  if (w.op == WalRecord::Op::kPut) {
    PutVarint(out, w.item_size);
    PutBytes(out, w.item);
  }
  PutVarint(out, w.index_writes.size());
  for (const IndexWrite& iw : w.index_writes) AppendIndexWrite(iw, out);
}

bool GetBatchWrite(std::string_view* in, WalRecord* w) {
  if (in->empty()) return false;
  const uint8_t op = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (op != static_cast<uint8_t>(WalRecord::Op::kPut) && op != static_cast<uint8_t>(WalRecord::Op::kDelete)) {
    return false;
  }
  w->op = static_cast<WalRecord::Op>(op);
  if (!GetBytes(in, &w->hash_key) || !GetBytes(in, &w->range_key)) return false;
  uint64_t size = 0, n = 0;
  if (w->op == WalRecord::Op::kPut) {
    if (!GetVarint(in, &size) || size > UINT32_MAX || !GetBytes(in, &w->item)) return false;
    w->item_size = static_cast<uint32_t>(size);
  }
  if (!GetVarint(in, &n) || n > in->size()) return false;
  w->index_writes.resize(n);
  for (IndexWrite& iw : w->index_writes) {
    if (!GetIndexWrite(in, &iw)) return false;
  }
  return true;
}

size_t EncodedSizeHint(const WalRecord& r) {
  size_t n = 16 + r.hash_key.size() + r.range_key.size() + r.item.size();
  for (const IndexWrite& w : r.index_writes) n += 24 + w.key.hash.size() + w.key.range.size() + w.item.size();
  for (const WalRecord& w : r.writes) n += EncodedSizeHint(w);
  return n;
}
}  // namespace

void AppendIndexWrite(const IndexWrite& w, std::string* out) {
  PutVarint(out, w.local_index);
  PutVarint(out, w.global_table);
  PutBytes(out, w.global_name);
  out->push_back(w.erase ? 1 : 0);
  PutBytes(out, w.key.hash);
  PutBytes(out, w.key.range);
  if (w.erase) return;
  PutVarint(out, w.size);
  PutBytes(out, w.item);
}

Result<IndexWrite> DecodeIndexWrite(std::string_view data) {
  IndexWrite w;
  if (!GetIndexWrite(&data, &w) || !data.empty()) return Status::Corruption("index write: malformed");
  return w;
}

std::string EncodeWalRecord(const WalRecord& r) {
  std::string out;
  out.reserve(EncodedSizeHint(r));
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(r.op));
  PutBytes(&out, r.hash_key);
  PutBytes(&out, r.range_key);
  if (r.op == WalRecord::Op::kPut) {
    PutVarint(&out, r.item_size);
    PutBytes(&out, r.item);
  }
  if (r.op == WalRecord::Op::kOutboxTrim) PutVarint(&out, r.trim_lsn);
  if ((r.op == WalRecord::Op::kPut || r.op == WalRecord::Op::kDelete) && !r.index_writes.empty()) {
    PutVarint(&out, r.index_writes.size());
    for (const IndexWrite& w : r.index_writes) AppendIndexWrite(w, &out);
  }
  if (r.op == WalRecord::Op::kBatch) {
    PutVarint(&out, r.writes.size());
    for (const WalRecord& w : r.writes) AppendBatchWrite(w, &out);
  }
  if (r.op == WalRecord::Op::kScrubMarker) {
    PutVarint(&out, r.scrub_id);
    PutVarint(&out, r.scrub_source);
  }
  if (IsTxnOp(r.op)) PutBytes(&out, r.txn);
  if (r.op == WalRecord::Op::kPrepare) {
    PutVarint(&out, r.shared ? 1 : 0);
    PutVarint(&out, r.decision_group);
    PutBytes(&out, r.staged);
  }
  if (r.op == WalRecord::Op::kDecide) PutVarint(&out, r.commit ? 1 : 2);
  return out;
}

Result<WalRecord> DecodeWalRecord(std::string_view in) {
  WalRecord r;
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kVersion) {
    return Status::Corruption("wal record: bad version");
  }
  uint8_t op = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  if ((op < 1 || op > 8) && op != static_cast<uint8_t>(WalRecord::Op::kOutboxTrim) &&
      op != static_cast<uint8_t>(WalRecord::Op::kScrubMarker)) {
    return Status::Corruption("wal record: bad op");
  }
  r.op = static_cast<WalRecord::Op>(op);
  if (!GetBytes(&in, &r.hash_key) || !GetBytes(&in, &r.range_key)) {
    return Status::Corruption("wal record: truncated key");
  }
  if (r.op == WalRecord::Op::kPut) {
    uint64_t size;
    if (!GetVarint(&in, &size) || size > UINT32_MAX || !GetBytes(&in, &r.item)) {
      return Status::Corruption("wal record: truncated item");
    }
    r.item_size = static_cast<uint32_t>(size);
  }
  if (r.op == WalRecord::Op::kOutboxTrim && !GetVarint(&in, &r.trim_lsn)) {
    return Status::Corruption("wal record: truncated trim");
  }
  if ((r.op == WalRecord::Op::kPut || r.op == WalRecord::Op::kDelete) && !in.empty()) {
    uint64_t n;
    if (!GetVarint(&in, &n) || n > in.size()) return Status::Corruption("wal record: bad index count");
    r.index_writes.resize(n);
    for (IndexWrite& w : r.index_writes) {
      if (!GetIndexWrite(&in, &w)) return Status::Corruption("wal record: truncated index write");
    }
  }
  if (r.op == WalRecord::Op::kBatch) {
    uint64_t n;
    // Each write takes at least 4 bytes: a count beyond that is corrupt.
    if (!GetVarint(&in, &n) || n == 0 || n > in.size() / 4) return Status::Corruption("wal record: bad batch count");
    r.writes.resize(n);
    for (WalRecord& w : r.writes) {
      if (!GetBatchWrite(&in, &w)) return Status::Corruption("wal record: truncated batch write");
    }
  }
  if (r.op == WalRecord::Op::kScrubMarker) {
    uint64_t source;
    if (!GetVarint(&in, &r.scrub_id) || !GetVarint(&in, &source) || source > UINT32_MAX) {
      return Status::Corruption("wal record: truncated scrub marker");
    }
    r.scrub_source = static_cast<uint32_t>(source);
  }
  if (IsTxnOp(r.op) && !GetBytes(&in, &r.txn)) return Status::Corruption("wal record: truncated txn");
  uint64_t v = 0;
  if (r.op == WalRecord::Op::kPrepare) {
    if (!GetVarint(&in, &v) || v > 1) return Status::Corruption("wal record: bad prepare flags");
    r.shared = v == 1;
    if (!GetVarint(&in, &r.decision_group) || !GetBytes(&in, &r.staged)) {
      return Status::Corruption("wal record: truncated prepare");
    }
  }
  if (r.op == WalRecord::Op::kDecide) {
    if (!GetVarint(&in, &v) || (v != 1 && v != 2)) return Status::Corruption("wal record: bad outcome");
    r.commit = v == 1;
  }
  if (!in.empty()) return Status::Corruption("wal record: trailing bytes");
  return r;
}

uint64_t KeyHash(std::string_view hash_key) {
  // MD5 (libmd) only spreads keys here, as DynamoDB's partitioning does.
  uint8_t digest[MD5_DIGEST_LENGTH];
  MD5_CTX ctx;
  MD5Init(&ctx);
  MD5Update(&ctx, reinterpret_cast<const uint8_t*>(hash_key.data()), hash_key.size());
  MD5Final(digest, &ctx);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
  return h;
}

std::string KeyHashBytes(uint64_t h) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(h & 0xff);
    h >>= 8;
  }
  return out;
}

std::string JoinNodeIds(const std::vector<uint32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

std::vector<uint32_t> SplitNodeIds(const std::string& text) {
  std::vector<uint32_t> out;
  size_t from = 0;
  while (from < text.size()) {
    size_t comma = text.find(',', from);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(static_cast<uint32_t>(std::strtoul(text.substr(from, comma - from).c_str(), nullptr, 10)));
    from = comma + 1;
  }
  return out;
}

}  // namespace ddb::cluster
