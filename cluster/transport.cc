// Transport: delivery, and the network faults a user can inject.
#include "cluster/transport.h"

namespace ddb::cluster {

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

void Transport::Deliver(paxos::Message m) const {
  auto it = inboxes_.find(m.to);
  if (it != inboxes_.end()) it->second(std::move(m));
}

void Transport::Send(paxos::Message m) {
  std::unique_lock<std::mutex> lock(mu_);
  auto link = std::minmax(m.from, m.to);
  bool drop = faults_.cut.count({link.first, link.second}) > 0;
  if (!drop && faults_.drop_rate > 0) {
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    drop = static_cast<double>(random_ >> 11) / static_cast<double>(1ull << 53) < faults_.drop_rate;
  }
  if (drop || stopping_) {
    ++faults_.dropped;
    return;
  }
  if (faults_.delay.count() == 0) {
    lock.unlock();
    Deliver(std::move(m));
    return;
  }
  // A fixed delay keeps messages in order: the queue is sorted by due time.
  delayed_.emplace_back(std::chrono::steady_clock::now() + faults_.delay, std::move(m));
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
    auto due = delayed_.front().first;
    if (std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    paxos::Message m = std::move(delayed_.front().second);
    delayed_.pop_front();
    lock.unlock();
    Deliver(std::move(m));
    lock.lock();
  }
}

void Transport::SetCutLinks(std::set<std::pair<paxos::NodeId, paxos::NodeId>> cut) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.cut = std::move(cut);
}

void Transport::SetDropRate(double rate) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.drop_rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
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
