// Transport: delivery, and the network faults a user can inject.
#include "cluster/transport.h"

#include <string>

#include "base/crc32c.h"

namespace ddb::cluster {

namespace {

// A message's CRC-32C (base/crc32c.h, the CPU's crc32 instruction; zlib's
// CRC-32 cost ~120 ns a call before its first byte, and every message is
// checked twice: it was 2-3% of a PutItem's CPU, make bench at 16
// connections A B A B: PutItem and BatchWriteItem +1%; the checksum never
// leaves the process). Fields are fed little-endian, one after another,
// gathered in a buffer first, since each call costs more than the few bytes
// of a field.
class CrcFeed {
 public:
  template <typename T>
  void Add(T v) {
    if (n_ + sizeof(T) > sizeof(buf_)) Flush();
    for (size_t i = 0; i < sizeof(T); ++i) buf_[n_++] = static_cast<unsigned char>(static_cast<uint64_t>(v) >> (8 * i));
  }
  void AddBytes(const std::string& data) {
    Flush();
    crc_ = Crc32c(crc_, data.data(), data.size());
  }
  uint32_t Value() {
    Flush();
    return crc_;
  }

 private:
  void Flush() {
    if (n_ > 0) crc_ = Crc32c(crc_, buf_, n_);
    n_ = 0;
  }
  uint32_t crc_ = 0;
  unsigned char buf_[128];
  size_t n_ = 0;
};

}  // namespace

uint32_t MessageCrc(const paxos::Message& m) {
  CrcFeed c;
  c.Add(static_cast<uint8_t>(m.type));
  c.Add(m.group);
  c.Add(m.from);
  c.Add(m.to);
  c.Add(m.ballot);
  c.Add(m.lsn);
  c.Add(m.commit_lsn);
  c.Add(m.trim_lsn);
  c.Add(static_cast<uint8_t>(m.reject));
  c.Add(m.tick);
  c.Add(m.joined_lsn);
  c.Add(static_cast<uint8_t>(m.quiesce));
  c.Add(static_cast<uint64_t>(m.records.size()));
  for (const paxos::Record& r : m.records) {
    c.Add(r.lsn);
    c.Add(r.ballot);
    c.Add(static_cast<uint8_t>(r.kind));
    c.Add(static_cast<uint64_t>(r.data.size()));
    c.AddBytes(r.data);
  }
  return c.Value();
}

Transport::~Transport() { Stop(); }

void Transport::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    delayed_.clear();
  }
  cv_.notify_all();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void Transport::Deliver(paxos::Message m, uint32_t crc) {
  // The receiving side's check: a message that changed in flight is dropped.
  if (MessageCrc(m) != crc) {
    std::lock_guard<std::mutex> lock(mu_);
    ++faults_.corrupted;
    return;
  }
  auto it = inboxes_.find(m.to);
  if (it != inboxes_.end()) it->second(std::move(m));
}

void Transport::Send(paxos::Message m) {
  // The sending side's checksum, taken before the lock: the six node
  // threads send through this one mutex, and a batch's records are KBs.
  const uint32_t crc = MessageCrc(m);
  std::unique_lock<std::mutex> lock(mu_);
  ++faults_.sent;
  auto link = std::minmax(m.from, m.to);
  bool drop = faults_.cut.count({link.first, link.second}) > 0;
  if (!drop && faults_.drop_rate > 0) drop = NextRandom() < faults_.drop_rate;
  if (drop || stopping_) {
    ++faults_.dropped;
    return;
  }
  if (faults_.corrupt_rate > 0 && NextRandom() < faults_.corrupt_rate) {
    // One bit flips on the wire: in a record's data when there is one.
    if (!m.records.empty() && !m.records.front().data.empty()) {
      m.records.front().data[0] = static_cast<char>(m.records.front().data[0] ^ 0x01);
    } else {
      m.ballot ^= 1;
    }
  }
  if (faults_.delay.count() == 0) {
    lock.unlock();
    Deliver(std::move(m), crc);
    return;
  }
  // A fixed delay keeps messages in order: the queue is sorted by due time.
  delayed_.push_back(Delayed{std::chrono::steady_clock::now() + faults_.delay, std::move(m), crc});
  if (!delay_thread_.joinable()) delay_thread_ = std::thread([this] { DelayLoop(); });
  cv_.notify_one();
}

void Transport::DelayLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (delayed_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto due = delayed_.front().due;
    if (std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    paxos::Message m = std::move(delayed_.front().m);
    const uint32_t crc = delayed_.front().crc;
    delayed_.pop_front();
    lock.unlock();
    Deliver(std::move(m), crc);
    lock.lock();
  }
}

void Transport::SetCutLinks(std::set<std::pair<paxos::NodeId, paxos::NodeId>> cut) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.cut = std::move(cut);
}

bool Transport::IsCut(paxos::NodeId a, paxos::NodeId b) const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_.cut.count(std::minmax(a, b)) != 0;
}

void Transport::SetDropRate(double rate) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.drop_rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
}

double Transport::NextRandom() {
  random_ ^= random_ << 13;
  random_ ^= random_ >> 7;
  random_ ^= random_ << 17;
  return static_cast<double>(random_ >> 11) / static_cast<double>(1ull << 53);
}

void Transport::SetCorruptRate(double rate) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.corrupt_rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
}

void Transport::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.delay = delay.count() < 0 ? std::chrono::milliseconds(0) : delay;
}

Transport::Faults Transport::faults() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

}  // namespace ddb::cluster
