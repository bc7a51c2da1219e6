// ClusterImpl: wires the emulated fleet together — storage nodes in AZs, the
// in-process transport, MemDS nodes, routers, the metadata store — and runs
// the table operations (autoadmin's part: placing and creating replica groups).
//
// Placement: nodes are numbered az * nodes_per_az + i + 1 (1-based; 0 means
// "no node"). A group has one member per AZ; group g uses node g % nodes_per_az
// of each AZ (or the next one that is powered on), AZ a's first, and AZ a's
// replica is asked to lead first. A table cannot be created while a whole AZ
// is down. Later, autoadmin (autoadmin.h) moves members when it heals a group.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/autoadmin.h"
#include "cluster/cluster.h"
#include "cluster/index_propagator.h"
#include "cluster/memds.h"
#include "cluster/meta_store.h"
#include "cluster/node_replies.h"
#include "cluster/router.h"
#include "cluster/scrub.h"
#include "cluster/snapshots.h"
#include "cluster/storage_node.h"
#include "cluster/transport.h"
#include "cluster/txn_coordinator.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

namespace {

// The longest a write waits for its global index writes to be propagated.
constexpr std::chrono::milliseconds kIndexWait{2000};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ClusterImpl final : public Cluster {
 public:
  explicit ClusterImpl(const ClusterOptions& o) : options_(o) {}
  ~ClusterImpl() override { Stop(); }

  Status Init();
  Result<TableMeta> CreateTable(const std::string& name, const std::string& schema) override;
  Result<TableMeta> GetTable(const std::string& name) override;
  std::vector<TableMeta> ListTables(const std::string& prefix) override;
  uint64_t TablesVersion() override { return memds_.back()->version(); }  // the last one PublishRoute updates
  Result<TableMeta> DeleteTable(const std::string& name) override;
  Result<TableMeta> UpdateSchema(const std::string& name, const std::string& schema) override;
  TableStats Stats(const TableMeta& table, uint32_t local_index) override;
  Result<uint64_t> CollectionBytes(const TableMeta& table, const std::string& hash_key) override;
  Status Put(const TableMeta& table, const Key& key, std::string item, uint32_t size) override;
  Status Delete(const TableMeta& table, const Key& key) override;
  Status Mutate(const TableMeta& table, const Key& key, Mutator mutator, MutateResult* result) override;
  std::vector<Status> MutateBatch(const TableMeta& table, const std::vector<std::pair<Key, Mutator>>& ops) override;
  Status MutateVia(const TableMeta& table, const Key& key, const Mutator& mutator, MutateResult* result,
                   bool idempotent);
  Status Truncate(const TableMeta& table) override;
  std::vector<Status> WriteBatch(const TableMeta& table, const std::vector<WriteOp>& ops) override;
  Result<std::optional<std::string>> Get(const TableMeta& table, const Key& key,
                                         bool consistent) override;
  Result<ScanPage> Scan(const TableMeta& table, const std::optional<Key>& exclusive_start,
                        size_t limit, size_t max_bytes, bool consistent, uint64_t hash_lo,
                        uint64_t hash_hi, uint32_t local_index) override;
  Result<ScanPage> Query(const TableMeta& table, const QuerySpec& spec, bool consistent) override;
  Status TransactWrite(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results,
                       std::string* txn_id) override {
    return txn_->Write(actions, results, txn_id);
  }
  Result<bool> TransactionOutcome(const TableMeta& table, const Key& first_key, const std::string& txn_id) override {
    return txn_->Outcome(table, first_key, txn_id);
  }
  Status TransactRead(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results) override {
    return txn_->Read(actions, results);
  }
  ClusterSnapshot Snapshot() override;
  Status PowerOff(const std::string& target) override;
  Status PowerOn(const std::string& target) override;
  Status SetNetwork(const NetworkFaults& faults) override;
  Status SetDiskDelay(const std::string& target, int delay_ms) override;
  void PauseIndexPropagation(bool paused) override { propagator_->SetPaused(paused); }
  Result<ScrubReport> ScrubNow(const std::string& table) override;
  ScrubReport ScrubState() override { return scrubber_->State(); }
  Status ArchiveNow() override { return scrubber_->ArchiveNow(); }
  Result<BitRot> FlipItemBit(const std::string& node, uint64_t group, uint64_t pick) override;
  Status CorruptWalRecord(const std::string& node, uint64_t group, uint64_t lsn) override;
  Status LoseWalRecord(const std::string& node, uint64_t group, uint64_t lsn) override;
  Status SetStaleReads(int delay_ms) override {
    for (auto& n : nodes_) n->SetStaleReads(std::chrono::milliseconds(delay_ms));
    stale_reads_ms_ = delay_ms;
    return Status::Ok();
  }
  Status SaveSnapshot(const std::string& name) override;
  Status RestoreSnapshot(const std::string& name) override;
  Status DeleteSnapshot(const std::string& name) override {
    std::lock_guard<std::mutex> lock(ddl_mu_);
    archive_images_.erase(name);
    return snapshots_.Delete(name);
  }
  std::vector<SnapshotInfo> ListSnapshots() override { return snapshots_.List(); }
  void Stop() override;
  void StartPeriodicWork() override;
  void OpenStorage(bool one_at_a_time) override {
    if (!one_at_a_time) {
      for (auto& n : nodes_) n->OpenFile();
      return;
    }
    open_in_turn_ = true;
    OpenNextNode();
  }
  Status FinishLoad(const std::vector<std::pair<std::string, std::string>>& files) override;
  bool Loading() const override { return load_in_memory_.load(std::memory_order_acquire); }

 private:
  // The next node in turn whose file is not open asks to open it; its
  // on_open calls this again. Nodes opened by requests meanwhile are skipped.
  void OpenNextNode() {
    for (size_t i = next_open_.fetch_add(1); i < nodes_.size(); i = next_open_.fetch_add(1)) {
      if (nodes_[i]->OpenFile()) return;
    }
  }
  std::vector<StorageNode*> NodePointers() const {
    std::vector<StorageNode*> out;
    for (const auto& n : nodes_) out.push_back(n.get());
    return out;
  }
  // Runs `fn` on node `node`'s thread (StorageNode::Inspect) and waits.
  Status InspectNode(const std::string& node, uint64_t group, StorageNode::InspectFn fn);
  Router& PickRouter();
  std::shared_ptr<const TableRoute> Route(const TableMeta& table);
  std::vector<paxos::NodeId> Place(uint64_t group) const;
  // Creates every member's replica, promised to round 1 of the first member
  // that is powered on (its owner). Returns once every member answered, or
  // (members whose node file is not open yet) each partition's owner and a
  // majority did, or at the timeout; Ok when each partition has a majority
  // of replicas (the others are created after, in order, or are lost members
  // the healer replaces: nodes off or too slow). `*leaders`, when given,
  // gets each group's first member created.
  Status CreateReplicas(const TableRoute& route, std::map<uint64_t, paxos::NodeId>* leaders = nullptr);
  // Autoadmin's healer: one partition's members in meta.sqlite and MemDS.
  Status SetPartitionMembers(const std::string& table, uint64_t table_id, uint64_t group,
                             std::vector<paxos::NodeId> members, std::vector<paxos::NodeId> log_members);
  Status DropReplicas(const TableRoute& route);
  void PublishRoute(std::shared_ptr<const TableRoute> route);
  std::string NodePath(const std::string& name) const;
  std::string MarkerPath() const;  // kLoadMarker's
  // The database names of the data directory: meta and every node's.
  std::vector<std::string> DatabaseNames() const;
  // At every start on disk: takes the data directory's lock (dir_lock_),
  // which this process holds until it ends: no other process may use it.
  Status LockDirectory();
  // At every start on disk, after LockDirectory: removes what a load that
  // did not finish left (its marker is there).
  Status DiscardUnfinishedLoad();
  // ClusterOptions::load_in_memory on a new directory: removes leftovers
  // and sets load_in_memory_.
  Status BeginLoad();
  // The nodes a power target names: one node, or every node of an AZ.
  std::vector<StorageNode*> Targets(const std::string& target);
  Status Write(const TableMeta& table, WalRecord record);
  // WriteBatch and MutateBatch: step i (of n) of each partition goes to its
  // leader in one batch record (StorageNode::WriteBatch); one status per step.
  std::vector<Status> SendBatches(const TableMeta& table, size_t n, const std::function<const Key&(size_t)>& key_of,
                                  const std::function<BatchStep(size_t)>& step_of);
  // Global index writes from the propagator (see IndexPropagator::ApplyFn).
  std::vector<Status> ApplyIndexWrites(const std::string& name, uint64_t id, const std::vector<WriteOp>& ops);
  // The table whose partitions include `group` (nullptr when none does).
  std::shared_ptr<const TableRoute> RouteOfGroup(uint64_t group);
  // Powers every node off, runs `copy` on the stopped databases (meta, then
  // the nodes), powers on the nodes that were on, and waits for leaders.
  Status WithNodesOff(const std::function<Status(SqliteDb*, const std::vector<SqliteDb*>&)>& copy);
  // Asks each partition's preferred replica to lead; waits (bounded) until
  // every partition has a leader.
  void ElectLeaders();

  // The data directory's lock (flock on the directory), held while the
  // process lives. First: closed after every file of the directory is.
  struct DirectoryLock {
    int fd = -1;
    ~DirectoryLock() {
      if (fd >= 0) ::close(fd);
    }
  } dir_lock_;
  ClusterOptions options_;
  Transport transport_;
  std::vector<std::unique_ptr<StorageNode>> nodes_;
  std::unordered_map<paxos::NodeId, StorageNode*> node_by_id_;
  std::vector<std::unique_ptr<MemdsNode>> memds_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::unique_ptr<IndexPropagator> propagator_;
  std::unique_ptr<MetaStore> meta_;
  std::atomic<uint64_t> next_router_{0};
  std::mutex ddl_mu_;  // one table operation at a time
  std::atomic<bool> open_in_turn_{false};  // OpenStorage(true) was called
  // A load held in memory is under way (BeginLoad, FinishLoad).
  std::atomic<bool> load_in_memory_{false};
  std::atomic<size_t> next_open_{0};       // the next node OpenNextNode asks
  std::mutex power_mu_;  // power changes and snapshots, one at a time
  std::once_flag stopped_;
  std::mutex periodic_mu_;
  bool periodic_started_ = false;  // StartPeriodicWork() ran
  bool stopping_ = false;          // Stop() ran
  std::mutex faults_mu_;
  NetworkFaults network_;  // guarded by faults_mu_
  std::unique_ptr<Scrubber> scrubber_;
  std::unique_ptr<TxnCoordinator> txn_;
  Snapshots snapshots_;
  // Per snapshot, the WAL archive's objects when it was taken (guarded by ddl_mu_).
  std::map<std::string, std::map<std::string, std::string>> archive_images_;
  std::atomic<int> stale_reads_ms_{0};
  std::unique_ptr<Healer> healer_;
};

std::shared_ptr<const TableRoute> ClusterImpl::RouteOfGroup(uint64_t group) {
  for (auto& route : memds_.front()->List("")) {
    for (const PartitionRoute& p : route->partitions) {
      if (p.group == group) return route;
    }
  }
  return nullptr;
}


std::string ClusterImpl::MarkerPath() const {
  return (std::filesystem::path(options_.data_dir) / kLoadMarker).string();
}

std::string ClusterImpl::NodePath(const std::string& name) const {
  if (options_.in_memory) return ":memory:";
  return (std::filesystem::path(options_.data_dir) / (name + ".sqlite")).string();
}

namespace {
std::string NodeName(int az, int i) {
  return std::string("az-") + static_cast<char>('a' + az) + "-node-" + std::to_string(i + 1);
}
}  // namespace

std::vector<std::string> ClusterImpl::DatabaseNames() const {
  std::vector<std::string> dbs = {"meta"};
  for (int az = 0; az < options_.azs; ++az) {
    for (int i = 0; i < options_.nodes_per_az; ++i) dbs.push_back(NodeName(az, i));
  }
  return dbs;
}

Status ClusterImpl::LockDirectory() {
  // A lock on the directory, not on a file in it: taking it makes no file.
  const int fd = ::open(options_.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open -dbPath " + options_.data_dir + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return SqliteDb::InUse(options_.data_dir);
  }
  dir_lock_.fd = fd;
  return Status::Ok();
}

Status ClusterImpl::DiscardUnfinishedLoad() {
  const std::filesystem::path dir(options_.data_dir);
  const std::string marker = MarkerPath();
  if (::access(marker.c_str(), F_OK) != 0) return Status::Ok();
  // The process that made it died before its load was in: nothing of it
  // was acknowledged, and its files may be torn. Removed, marker last.
  std::vector<std::string> files = options_.load_files;
  for (const std::string& db : DatabaseNames()) {
    for (const char* suffix : {".sqlite", ".sqlite-journal", ".sqlite-wal", ".sqlite.new"}) files.push_back(db + suffix);
  }
  for (const std::string& f : files) {
    std::error_code ec;
    std::filesystem::remove(dir / f, ec);
    if (ec) return Status::IoError("cannot remove " + (dir / f).string() + ": " + ec.message());
  }
  if (std::remove(marker.c_str()) != 0) return Status::IoError("cannot remove " + marker + ": " + std::strerror(errno));
  std::fprintf(stderr, "ddb-local: the last start's load into %s did not finish: its files were removed\n",
               options_.data_dir.c_str());
  return Status::Ok();
}

Status ClusterImpl::BeginLoad() {
  // The load's files are held in memory, then written to their names
  // (SqliteDb::OpenHeld), without a look for a journal of the same name,
  // which SQLite would play back into the new file: any such journal goes
  // now, in one pass over the directory, with any file of the load's own
  // (a state that describes files no longer there).
  std::set<std::string> leftovers(options_.load_files.begin(), options_.load_files.end());
  for (const std::string& db : DatabaseNames()) {
    for (const char* suffix : {".sqlite-journal", ".sqlite-wal"}) leftovers.insert(db + suffix);
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator it(options_.data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!leftovers.count(it->path().filename().string())) continue;
    std::error_code removed;
    std::filesystem::remove(it->path(), removed);
    if (removed) return Status::IoError("cannot remove " + it->path().string() + ": " + removed.message());
  }
  if (ec) return Status::IoError("cannot read " + options_.data_dir + ": " + ec.message());
  load_in_memory_.store(true, std::memory_order_release);
  return Status::Ok();
}

Status ClusterImpl::FinishLoad(const std::vector<std::pair<std::string, std::string>>& files) {
  if (!load_in_memory_.exchange(false, std::memory_order_acq_rel)) return Status::Ok();
  const std::filesystem::path dir(options_.data_dir);
  const std::string marker = MarkerPath();
  // Each held file makes the marker before it goes to disk (the VFS,
  // HeldDatabase::marker), meta.sqlite among them: a load always holds it,
  // so the marker is there before `files` below.
  // A node that reads the flag from now on makes its file on disk; one
  // that read it before has noted it (StorageNode::MoveToDisk). Meta is
  // written meanwhile, on this thread.
  NodeReplies barrier(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i]->MoveToDisk(barrier.Slot(i));
  const Status meta = meta_->MoveToDisk();
  RETURN_IF_ERROR(barrier.Wait(std::chrono::milliseconds(options_.request_timeout_ms)));
  RETURN_IF_ERROR(meta);
  // The load's own files, in place: the marker undoes a torn one.
  for (const auto& [name, content] : files) {
    const std::string path = (dir / name).string();
    std::FILE* f = std::fopen(path.c_str(), "we");
    const bool written = f != nullptr && std::fwrite(content.data(), 1, content.size(), f) == content.size();
    if ((f != nullptr && std::fclose(f) != 0) || !written) return Status::IoError("cannot write " + path);
  }
  if (std::remove(marker.c_str()) != 0) return Status::IoError("cannot remove " + marker + ": " + std::strerror(errno));
  return Status::Ok();
}

Status ClusterImpl::Init() {
  bool new_directory = options_.in_memory;  // no meta.sqlite yet
  if (!options_.in_memory) {
    std::error_code ec;
    std::filesystem::create_directories(options_.data_dir, ec);
    if (ec) return Status::IoError("cannot create -dbPath " + options_.data_dir + ": " + ec.message());
    RETURN_IF_ERROR(LockDirectory());
    // Whatever this start's options: files a load left torn must not be
    // opened, nor written to and then removed by a later start.
    RETURN_IF_ERROR(DiscardUnfinishedLoad());
    // A meta.sqlite that cannot be looked at: not a new directory.
    new_directory = !std::filesystem::exists(NodePath("meta"), ec) && !ec;
    if (new_directory && options_.load_in_memory && !options_.fsync) RETURN_IF_ERROR(BeginLoad());
  }
  for (int az = 0; az < options_.azs; ++az) {
    for (int i = 0; i < options_.nodes_per_az; ++i) {
      NodeOptions no;
      no.id = static_cast<paxos::NodeId>(az * options_.nodes_per_az + i + 1);
      no.name = NodeName(az, i);
      no.path = NodePath(no.name);
      no.fsync = options_.fsync;
      no.tick_ms = options_.tick_ms;
      no.election_ticks = options_.election_ticks;
      no.heartbeat_ticks = options_.heartbeat_ticks;
      no.lease_ticks = options_.lease_ticks;
      no.quiesce_ticks = options_.quiesce_ticks;
      for (int other = 1; other <= options_.azs * options_.nodes_per_az; ++other) {
        if (static_cast<paxos::NodeId>(other) != no.id) no.peer_ids.push_back(static_cast<paxos::NodeId>(other));
      }
      no.load_in_memory = &load_in_memory_;
      no.load_marker = MarkerPath();
      no.on_outbox = [this] { propagator_->Notify(); };
      no.on_open = [this] {
        if (open_in_turn_) OpenNextNode();
      };
      no.peer = [this](paxos::NodeId id) -> StorageNode* {
        auto it = node_by_id_.find(id);
        return it == node_by_id_.end() ? nullptr : it->second;
      };
      auto node = std::make_unique<StorageNode>(no, &transport_);
      StorageNode* raw = node.get();
      transport_.Register(no.id, [raw](paxos::Message m) { raw->Deliver(std::move(m)); });
      node_by_id_[no.id] = raw;
      nodes_.push_back(std::move(node));
    }
  }
  // The index propagator exists before any node thread runs: a node that
  // applies a global index write notifies it.
  const std::vector<StorageNode*> nodes = NodePointers();
  propagator_ = std::make_unique<IndexPropagator>(
      nodes, [this](const std::string& name, uint64_t id, const std::vector<WriteOp>& ops) {
        return ApplyIndexWrites(name, id, ops);
      });
  // meta.sqlite opens on this thread: the partition map and the first
  // answers (ListTables, DescribeTable) need only it. Each node opens its
  // own file on its own thread (Start(true)), later (OpenStorage): what is
  // posted to a node meanwhile waits in its inbox. Opening (or creating)
  // the six node files is most of the work of a start. With
  // open_storage_at_start (-seed) the nodes start first and open their files
  // while meta.sqlite opens; otherwise they start only once it is open, so
  // that a start that fails there (another process holds the -dbPath) opens
  // no node file (a node stopped before it opened still opens its file:
  // PowerOn needs it).
  //
  // On a new data directory, the last AZ's nodes do not open theirs at
  // start: every group is made now (Place), one member in each AZ, so the
  // other AZs hold a majority of each, and a write commits without them.
  // They open when OpenStorage() is called, once the server answers, and
  // catch up from their inboxes (their replicas' creation first, in order),
  // or once something has waited late_az_open_ms in an inbox, should a
  // group need them after all. Four node files instead of six before the
  // first answer with -seed: side by side, alternating, median of 30 starts
  // of the example seed, 6.71 -> 5.96 ms.
  if (options_.open_storage_at_start) {
    const bool majority_without_last_az = (options_.azs - 1) * 2 > options_.azs;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const bool late = new_directory && majority_without_last_az &&
                        static_cast<int>(i) >= (options_.azs - 1) * options_.nodes_per_az;
      nodes_[i]->Start(/*open_file=*/true, std::chrono::milliseconds(late ? options_.late_az_open_ms : 0),
                       /*defer_thread=*/late);
      if (!late) nodes_[i]->OpenFile();
    }
  }
  auto meta = MetaStore::Open(NodePath("meta"), options_.fsync,
                              load_in_memory_.load(std::memory_order_acquire) ? MarkerPath() : std::string());
  if (!meta.ok()) return meta.status();
  meta_ = meta.take();
  for (int i = 0; i < options_.memds_nodes; ++i) memds_.push_back(std::make_unique<MemdsNode>());
  std::vector<MemdsNode*> memds;
  for (auto& m : memds_) memds.push_back(m.get());
  for (int i = 0; i < options_.routers; ++i) {
    routers_.push_back(std::make_unique<Router>(memds, node_by_id_, options_.request_timeout_ms));
  }
  if (!options_.open_storage_at_start) {
    for (auto& n : nodes_) n->Start(/*open_file=*/true);
  }
  txn_ = std::make_unique<TxnCoordinator>([this](const TableMeta& t) { return Route(t); },
                                          [this]() -> Router& { return PickRouter(); },
                                          [this](uint64_t group) { return RouteOfGroup(group); },
                                          options_.txn_test_hook);

  // Load the partition map, finish any table operation a crash interrupted,
  // and ask AZ a's replicas to lead so that the first requests need not wait
  // for an election timeout.
  // A meta.sqlite made now has no tables to read.
  auto tables = meta_->created() ? std::vector<TableRoute>{} : meta_->LoadAll();
  if (!tables.ok()) return tables.status();
  for (TableRoute& route : tables.value()) {
    if (route.meta.state == TableState::kDeleting) {
      RETURN_IF_ERROR(DropReplicas(route));
      RETURN_IF_ERROR(meta_->DeleteTable(route.meta));
      continue;
    }
    if (route.meta.state == TableState::kCreating) {
      RETURN_IF_ERROR(CreateReplicas(route));
      route.meta.state = TableState::kActive;
      RETURN_IF_ERROR(meta_->SaveTable(route));
    }
    for (const PartitionRoute& p : route.partitions) node_by_id_[p.members.front()]->Campaign(p.group);
    PublishRoute(std::make_shared<TableRoute>(std::move(route)));
  }
  // The propagator's thread starts with the periodic work, or with the first
  // write that fills an outbox (IndexPropagator::Notify), if sooner; not
  // before this point, where everything it calls exists.
  propagator_->Enable(options_.pause_index_propagation);
  // The WAL archive: archive/ under the data directory (the emulated S3).
  std::unique_ptr<ArchiveBucket> bucket;
  if (options_.in_memory) {
    bucket = ArchiveBucket::InMemory();
  } else {
    auto disk = ArchiveBucket::OnDisk((std::filesystem::path(options_.data_dir) / "archive").string());
    if (!disk.ok()) return disk.status();
    bucket = disk.take();
  }
  auto archive = WalArchive::Open(std::move(bucket));
  if (!archive.ok()) return archive.status();
  scrubber_ = std::make_unique<Scrubber>(options_, archive.take(), memds_.front().get(), routers_.front().get());
  // Every request looks its table up in a router first.
  scrubber_->set_request_count([this] {
    uint64_t n = 0;
    for (const auto& r : routers_) n += r->cache_hits() + r->cache_misses();
    return n;
  });
  RETURN_IF_ERROR(scrubber_->Start());
  Healer::Hooks hooks;
  hooks.routes = [this] { return memds_.front()->List(""); };
  hooks.routes_version = [this] { return TablesVersion(); };
  hooks.set_members = [this](const std::string& table, uint64_t table_id, uint64_t group,
                             std::vector<paxos::NodeId> members, std::vector<paxos::NodeId> log_members) {
    return SetPartitionMembers(table, table_id, group, std::move(members), std::move(log_members));
  };
  hooks.link_cut = [this](paxos::NodeId a, paxos::NodeId b) { return transport_.IsCut(a, b); };
  hooks.forgotten = [this](const std::vector<uint64_t>& groups) {
    std::lock_guard<std::mutex> lock(ddl_mu_);
    std::vector<uint64_t> out;
    for (uint64_t g : groups) {
      auto has = meta_->HasGroup(g);
      if (has.ok() && !*has) out.push_back(g);
    }
    return out;
  };
  healer_ = std::make_unique<Healer>(options_, nodes, std::move(hooks));
  if (!options_.defer_periodic_work) StartPeriodicWork();
  return Status::Ok();
}

void ClusterImpl::StartPeriodicWork() {
  std::lock_guard<std::mutex> lock(periodic_mu_);
  if (periodic_started_ || stopping_) return;
  periodic_started_ = true;
  propagator_->Start();  // what an earlier run left in the outboxes
  scrubber_->StartLoop();
  txn_->StartSweep(NodePointers(), std::chrono::milliseconds(options_.txn_recovery_ms));
  healer_->Start();
}

Status ClusterImpl::SetPartitionMembers(const std::string& table, uint64_t table_id, uint64_t group,
                                        std::vector<paxos::NodeId> members,
                                        std::vector<paxos::NodeId> log_members) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  auto found = memds_.front()->Lookup(table);
  if (!found || found->meta.id != table_id) return Status::Ok();  // deleted meanwhile
  auto route = std::make_shared<TableRoute>(*found);
  for (PartitionRoute& p : route->partitions) {
    if (p.group != group) continue;
    p.members = std::move(members);
    p.log_members = std::move(log_members);
  }
  RETURN_IF_ERROR(meta_->SaveTable(*route));
  PublishRoute(route);
  return Status::Ok();
}

void ClusterImpl::Stop() {
  std::call_once(stopped_, [this] {
    {
      std::lock_guard<std::mutex> lock(periodic_mu_);
      stopping_ = true;  // a later StartPeriodicWork() starts nothing
    }
    if (healer_) healer_->Stop();
    if (propagator_) propagator_->Stop();
    if (scrubber_) scrubber_->Stop();
    if (txn_) txn_->StopSweep();
    for (auto& n : nodes_) n->Stop();
    transport_.Stop();
  });
}

Router& ClusterImpl::PickRouter() {
  return *routers_[next_router_.fetch_add(1, std::memory_order_relaxed) % routers_.size()];
}

std::vector<paxos::NodeId> ClusterImpl::Place(uint64_t group) const {
  // Node group % nodes_per_az of each AZ, or the next one of that AZ that is
  // powered on (a new replica cannot be created on a node that is off).
  std::vector<paxos::NodeId> members;
  const int per_az = options_.nodes_per_az;
  for (int az = 0; az < options_.azs; ++az) {
    const int first = static_cast<int>(group % per_az);
    paxos::NodeId chosen = static_cast<paxos::NodeId>(az * per_az + first + 1);
    for (int i = 0; i < per_az; ++i) {
      auto id = static_cast<paxos::NodeId>(az * per_az + (first + i) % per_az + 1);
      if (node_by_id_.at(id)->powered_on()) {
        chosen = id;
        break;
      }
    }
    members.push_back(chosen);
  }
  return members;
}

Status ClusterImpl::CreateReplicas(const TableRoute& route, std::map<uint64_t, paxos::NodeId>* leaders) {
  size_t count = 0;
  for (const PartitionRoute& p : route.partitions) count += p.members.size();
  NodeReplies barrier(count);
  std::vector<size_t> owner_slots;  // per partition, its owner's reply
  size_t slot = 0;
  for (const PartitionRoute& p : route.partitions) {
    // A member on a node that is off (its whole AZ is) gets no replica now;
    // the first one on a node that is on owns round 1.
    paxos::NodeId owner = p.members.front();
    for (paxos::NodeId n : p.members) {
      if (node_by_id_.at(n)->powered_on()) {
        owner = n;
        break;
      }
    }
    owner_slots.push_back(slot + static_cast<size_t>(std::find(p.members.begin(), p.members.end(), owner) -
                                                     p.members.begin()));
    for (paxos::NodeId n : p.members) {
      ReplicaRow row;
      row.group = p.group;
      row.table_id = route.meta.id;
      row.members = p.members;
      row.hash_lo = p.hash_lo;
      row.hash_hi = p.hash_hi;
      // Every member promised to the owner's ballot of round 1, so that it
      // can lead without an election (paxos::Replica::LeadNewGroup). Rows
      // already there (a create finished after a crash) keep theirs.
      row.state.hard_state.promised = paxos::MakeBallot(1, owner);
      node_by_id_[n]->CreateReplica(row, barrier.Slot(slot++));
    }
  }
  // Until every member answered, but for members whose node has not opened
  // its file yet (the start of the process; -seed's last AZ waits for the
  // server to answer, ClusterImpl::Init): those are not waited for once
  // the partition has its owner's reply and a majority of replicas. Such a
  // member holds its replica's creation in its inbox, before anything
  // posted to it later, so the replica is there for whatever reaches it.
  (void)barrier.WaitUntil(std::chrono::milliseconds(options_.request_timeout_ms),
                          [&](const std::vector<std::optional<NodeReply>>& replies) {
                            size_t at = 0;
                            for (size_t i = 0; i < route.partitions.size(); ++i) {
                              const PartitionRoute& p = route.partitions[i];
                              size_t ok = 0;
                              for (size_t k = 0; k < p.members.size(); ++k, ++at) {
                                if (!replies[at] && node_by_id_.at(p.members[k])->file_open()) return false;
                                if (replies[at] && replies[at]->status.ok()) ++ok;
                              }
                              if (!replies[owner_slots[i]] || ok * 2 <= p.members.size()) return false;
                            }
                            return true;
                          });
  slot = 0;
  for (const PartitionRoute& p : route.partitions) {
    Status failed = Status::Ok();
    size_t created = 0;
    paxos::NodeId first = 0;
    for (paxos::NodeId n : p.members) {
      auto reply = barrier.Take(slot++);
      Status s = reply ? reply->status : Status::Unavailable("storage node " + std::to_string(n) + " did not answer");
      if (!s.ok()) {
        if (failed.ok()) failed = s;
        continue;
      }
      ++created;
      if (first == 0) first = n;
    }
    // A majority holds every write the group makes; with less, the table
    // would not take one.
    if (created * 2 <= p.members.size()) return failed;
    if (leaders != nullptr) (*leaders)[p.group] = first;
  }
  return Status::Ok();
}

Status ClusterImpl::DropReplicas(const TableRoute& route) {
  size_t count = 0;
  for (const PartitionRoute& p : route.partitions) count += p.members.size() + p.log_members.size();
  NodeReplies barrier(count);
  size_t slot = 0;
  for (const PartitionRoute& p : route.partitions) {
    for (paxos::NodeId n : p.members) node_by_id_[n]->DropReplica(p.group, barrier.Slot(slot++));
    for (paxos::NodeId n : p.log_members) node_by_id_[n]->DropReplica(p.group, barrier.Slot(slot++));
    // A member still catching up is not in the route yet: every other node too.
    for (auto& n : nodes_) {
      bool listed = std::count(p.members.begin(), p.members.end(), n->id()) +
                        std::count(p.log_members.begin(), p.log_members.end(), n->id()) > 0;
      if (!listed) n->DropReplica(p.group, [](NodeReply) {});
    }
  }
  return barrier.Wait(std::chrono::milliseconds(options_.request_timeout_ms));
}

void ClusterImpl::PublishRoute(std::shared_ptr<const TableRoute> route) {
  for (auto& m : memds_) m->Put(route);
}

Result<TableMeta> ClusterImpl::CreateTable(const std::string& name, const std::string& schema) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  if (memds_.front()->Lookup(name)) return Status::AlreadyExists(name);
  auto route = std::make_shared<TableRoute>();
  const uint64_t n = options_.partitions_per_table;
  // Its ids and its row in state kCreating, in one transaction of meta.sqlite.
  RETURN_IF_ERROR(meta_->CreateTable(route.get(), n, [&](uint64_t id, uint64_t first_group) {
    route->meta = TableMeta{name, id, schema, NowMs(), TableState::kCreating, options_.partitions_per_table};
    const uint64_t span = UINT64_MAX / n;
    for (uint64_t i = 0; i < n; ++i) {
      PartitionRoute p;
      p.group = first_group + i;
      p.hash_lo = i == 0 ? 0 : i * span + 1;
      p.hash_hi = i + 1 == n ? UINT64_MAX : (i + 1) * span;
      p.members = Place(p.group);
      route->partitions.push_back(std::move(p));
    }
  }));
  std::map<uint64_t, paxos::NodeId> leaders;
  RETURN_IF_ERROR(CreateReplicas(*route, &leaders));
  for (const PartitionRoute& p : route->partitions) {
    // The owner of round 1 leads at once; another member (the owner's
    // replica was not created) campaigns.
    node_by_id_[leaders.at(p.group)]->Campaign(p.group, /*new_group=*/true);
  }
  route->meta.state = TableState::kActive;
  RETURN_IF_ERROR(meta_->SaveTable(*route));
  PublishRoute(route);
  return route->meta;
}

Result<TableMeta> ClusterImpl::GetTable(const std::string& name) {
  auto route = PickRouter().Lookup(name);
  if (!route) return Status::NotFound(name);
  return route->meta;
}

std::vector<TableMeta> ClusterImpl::ListTables(const std::string& prefix) {
  std::vector<TableMeta> out;
  MemdsNode* m = memds_[next_router_.fetch_add(1, std::memory_order_relaxed) % memds_.size()].get();
  for (const auto& r : m->List(prefix)) out.push_back(r->meta);
  return out;
}

Result<TableMeta> ClusterImpl::UpdateSchema(const std::string& name, const std::string& schema) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  auto found = memds_.front()->Lookup(name);
  if (!found) return Status::NotFound(name);
  auto route = std::make_shared<TableRoute>(*found);
  route->meta.schema = schema;
  RETURN_IF_ERROR(meta_->SaveTable(*route));
  PublishRoute(route);
  return route->meta;
}

Result<TableMeta> ClusterImpl::DeleteTable(const std::string& name) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  auto found = memds_.front()->Lookup(name);
  if (!found) return Status::NotFound(name);
  TableRoute route = *found;
  route.meta.state = TableState::kDeleting;
  RETURN_IF_ERROR(meta_->SaveTable(route));
  for (auto& m : memds_) m->Erase(name);
  if (scrubber_) scrubber_->Forget(route);
  // A member that is off, or does not answer in time, keeps its replica in
  // its file; the healer drops it once the node is back (no table has its
  // group then). The table is deleted all the same, as on DynamoDB.
  (void)DropReplicas(route);
  RETURN_IF_ERROR(meta_->DeleteTable(route.meta));
  return route.meta;
}

std::shared_ptr<const TableRoute> ClusterImpl::Route(const TableMeta& table) {
  auto route = PickRouter().Lookup(table.name);
  if (!route || route->meta.id != table.id) return nullptr;
  return route;
}

TableStats ClusterImpl::Stats(const TableMeta& table, uint32_t local_index) {
  TableStats total;
  auto route = Route(table);
  if (!route) return total;
  for (const PartitionRoute& p : route->partitions) {
    NodeReply r = PickRouter().ToLeader(p, [&](StorageNode* n, ReplyFn done) { n->Stats(p.group, local_index, done); });
    total.item_count += r.stats.item_count;
    total.size_bytes += r.stats.size_bytes;
    total.index_backlog += r.stats.index_backlog;
  }
  return total;
}

Result<uint64_t> ClusterImpl::CollectionBytes(const TableMeta& table, const std::string& hash_key) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  const PartitionRoute& p = route->ForHash(KeyHash(hash_key));
  NodeReply r = PickRouter().ToLeader(p, [&](StorageNode* n, ReplyFn done) {
    n->CollectionBytes(p.group, hash_key, std::move(done));
  });
  if (!r.status.ok()) return r.status;
  return r.stats.size_bytes;
}

std::vector<Status> ClusterImpl::ApplyIndexWrites(const std::string& name, uint64_t id,
                                                  const std::vector<WriteOp>& ops) {
  auto route = PickRouter().Lookup(name);
  if (!route || route->meta.id != id) return {};  // the index is gone: nothing to do
  return WriteBatch(route->meta, ops);
}

Status ClusterImpl::Write(const TableMeta& table, WalRecord record) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  const PartitionRoute& p = route->ForHash(KeyHash(record.hash_key));
  NodeReply r = PickRouter().ToLeader(p, [&](StorageNode* n, ReplyFn done) {
    n->Write(p.group, record, std::move(done));
  });
  return r.status;
}

Status ClusterImpl::Put(const TableMeta& table, const Key& key, std::string item, uint32_t size) {
  WalRecord rec;
  rec.op = WalRecord::Op::kPut;
  rec.hash_key = key.hash;
  rec.range_key = key.range;
  rec.item = std::move(item);
  rec.item_size = size;
  return Write(table, std::move(rec));
}

Status ClusterImpl::Delete(const TableMeta& table, const Key& key) {
  WalRecord rec;
  rec.op = WalRecord::Op::kDelete;
  rec.hash_key = key.hash;
  rec.range_key = key.range;
  return Write(table, std::move(rec));
}

std::vector<Status> ClusterImpl::WriteBatch(const TableMeta& table, const std::vector<WriteOp>& ops) {
  return SendBatches(
      table, ops.size(), [&](size_t i) -> const Key& { return ops[i].key; },
      [&](size_t i) { return BatchStep{ops[i].key, nullptr, ops[i].erase, ops[i].item, ops[i].size}; });
}

std::vector<Status> ClusterImpl::SendBatches(const TableMeta& table, size_t n,
                                             const std::function<const Key&(size_t)>& key_of,
                                             const std::function<BatchStep(size_t)>& step_of) {
  std::vector<Status> out(n);
  auto route = Route(table);
  if (!route) {
    for (Status& s : out) s = Status::NotFound(table.name);
    return out;
  }
  // The steps of each partition, in request order.
  struct Part {
    const PartitionRoute* p = nullptr;
    std::vector<size_t> steps;
  };
  std::map<uint64_t, Part> parts;
  for (size_t i = 0; i < n; ++i) {
    const PartitionRoute& p = route->ForHash(KeyHash(key_of(i).hash));
    Part& part = parts[p.group];
    part.p = &p;
    part.steps.push_back(i);
  }
  auto batch_of = [&](const std::vector<size_t>& steps) {
    std::vector<BatchStep> batch;
    batch.reserve(steps.size());
    for (size_t i : steps) batch.push_back(step_of(i));
    return batch;
  };
  // A step's status that is its answer: written, or refused for good (a
  // failed condition, an invalid update, an item locked by a transaction).
  auto final_status = [](const Status& s) {
    return s.ok() || s.code() == Status::Code::kConditionFailed || s.code() == Status::Code::kInvalidArgument ||
           s.code() == Status::Code::kConflict;
  };
  // Takes a partition's answer; returns the steps to send again.
  auto take = [&](const Part& part, const NodeReply& r, bool last) {
    std::vector<size_t> again;
    const bool each = r.status.ok() && r.statuses.size() == part.steps.size();
    const Status whole = r.status.ok() && !each ? Status::Unavailable("malformed batch reply") : r.status;
    for (size_t j = 0; j < part.steps.size(); ++j) {
      const Status& s = each ? r.statuses[j] : whole;
      if (last || final_status(s)) {
        out[part.steps[j]] = s;
      } else {
        again.push_back(part.steps[j]);
      }
    }
    if (each && r.wait_for_indexes) propagator_->WaitFor(part.p->group, r.lsn, kIndexWait);
    return again;
  };
  // First, each partition's steps at once, as one batch to the node believed to lead it.
  Router& router = PickRouter();
  NodeReplies barrier(parts.size());
  size_t k = 0;
  for (auto& [group, part] : parts) {
    router.Node(router.LeaderHint(*part.p))->WriteBatch(group, batch_of(part.steps), barrier.Slot(k++));
  }
  const bool answered = barrier.WaitAll(std::chrono::milliseconds(options_.request_timeout_ms));
  // Then, through the router's retries, each partition's steps without an
  // answer (a leader moved, a node was off), with the partition's members
  // as the map says now (healing may have changed them). The steps give
  // the same result when run twice (blind puts and deletes, and mutators
  // that are).
  k = 0;
  std::shared_ptr<const TableRoute> now;
  for (auto& [group, part] : parts) {
    std::vector<size_t> again = answered ? take(part, *barrier.Take(k), false) : part.steps;
    ++k;
    if (again.empty()) continue;
    if (!now) now = Route(table);
    const PartitionRoute* p = part.p;
    for (const PartitionRoute& q : now ? now->partitions : route->partitions) {
      if (q.group == group) p = &q;
    }
    const std::vector<BatchStep> batch = batch_of(again);
    NodeReply r = router.ToLeader(*p, [&, group = group](StorageNode* node, ReplyFn done) {
      node->WriteBatch(group, batch, std::move(done));
    });
    take(Part{part.p, std::move(again)}, r, true);
  }
  return out;
}

Status ClusterImpl::Truncate(const TableMeta& table) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  WalRecord rec;
  rec.op = WalRecord::Op::kTruncate;
  for (const PartitionRoute& p : route->partitions) {
    NodeReply r = PickRouter().ToLeader(p, [&](StorageNode* n, ReplyFn done) { n->Write(p.group, rec, std::move(done)); });
    if (!r.status.ok()) return r.status;
  }
  return Status::Ok();
}

Status ClusterImpl::Mutate(const TableMeta& table, const Key& key, Mutator mutator, MutateResult* result) {
  // A mutation is not idempotent (a conditional increment must not run twice).
  return MutateVia(table, key, mutator, result, /*idempotent=*/false);
}

std::vector<Status> ClusterImpl::MutateBatch(const TableMeta& table,
                                             const std::vector<std::pair<Key, Mutator>>& ops) {
  return SendBatches(
      table, ops.size(), [&](size_t i) -> const Key& { return ops[i].first; },
      [&](size_t i) { return BatchStep{ops[i].first, ops[i].second, false, std::string(), 0}; });
}

Status ClusterImpl::MutateVia(const TableMeta& table, const Key& key, const Mutator& mutator, MutateResult* result,
                              bool idempotent) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  const PartitionRoute& p = route->ForHash(KeyHash(key.hash));
  NodeReply r = PickRouter().ToLeader(
      p, [&](StorageNode* n, ReplyFn done) { n->Mutate(p.group, key, mutator, std::move(done)); }, idempotent);
  result->old_item = std::move(r.item);
  result->new_item = std::move(r.new_item);
  if (r.status.ok() && r.wait_for_indexes) propagator_->WaitFor(p.group, r.lsn, kIndexWait);
  return r.status;
}

Result<std::optional<std::string>> ClusterImpl::Get(const TableMeta& table, const Key& key,
                                                    bool consistent) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  const PartitionRoute& p = route->ForHash(KeyHash(key.hash));
  auto call = [&](StorageNode* n, ReplyFn done) { n->Get(p.group, key, consistent, std::move(done)); };
  Router& router = PickRouter();
  NodeReply r = consistent ? router.ToLeader(p, call) : router.ToAnyReplica(p, call);
  if (!r.status.ok()) return r.status;
  return std::move(r.item);
}

Result<ScanPage> ClusterImpl::Scan(const TableMeta& table, const std::optional<Key>& exclusive_start,
                                   size_t limit, size_t max_bytes, bool consistent, uint64_t hash_lo,
                                   uint64_t hash_hi, uint32_t local_index) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  if (exclusive_start) {
    uint64_t h = KeyHash(exclusive_start->hash);
    if (h < hash_lo || h > hash_hi) {
      return Status::InvalidArgument("The provided Exclusive start key does not map to the provided segment");
    }
  }
  ScanPage out;
  // Start at the partition holding the resume point, or the range's start.
  const uint64_t from = exclusive_start ? std::max(hash_lo, KeyHash(exclusive_start->hash)) : hash_lo;
  size_t first = 0;
  while (first + 1 < route->partitions.size() && route->partitions[first].hash_hi < from) ++first;
  size_t bytes = 0;
  for (size_t i = first; i < route->partitions.size() && route->partitions[i].hash_lo <= hash_hi; ++i) {
    const PartitionRoute& p = route->partitions[i];
    std::optional<Key> after = i == first ? exclusive_start : std::nullopt;
    size_t want = limit - out.rows.size();
    auto call = [&](StorageNode* n, ReplyFn done) {
      n->Scan(p.group, after, want, max_bytes - bytes, consistent, hash_lo, hash_hi, local_index, std::move(done));
    };
    Router& router = PickRouter();
    NodeReply r = consistent ? router.ToLeader(p, call) : router.ToAnyReplica(p, call);
    if (!r.status.ok()) return r.status;
    for (Row& row : r.page.rows) {
      bytes += row.item.size();
      out.rows.push_back(std::move(row));
    }
    if (r.page.truncated) {
      out.truncated = true;
      break;
    }
  }
  return out;
}

Result<ScanPage> ClusterImpl::Query(const TableMeta& table, const QuerySpec& spec, bool consistent) {
  auto route = Route(table);
  if (!route) return Status::NotFound(table.name);
  const PartitionRoute& p = route->ForHash(KeyHash(spec.hash));
  auto call = [&](StorageNode* n, ReplyFn done) { n->Query(p.group, spec, consistent, std::move(done)); };
  Router& router = PickRouter();
  NodeReply r = consistent ? router.ToLeader(p, call) : router.ToAnyReplica(p, call);
  if (!r.status.ok()) return r.status;
  return std::move(r.page);
}

std::vector<StorageNode*> ClusterImpl::Targets(const std::string& target) {
  std::vector<StorageNode*> out;
  for (auto& n : nodes_) {
    if (n->name() == target || n->name().rfind(target + "-node-", 0) == 0) out.push_back(n.get());
  }
  return out;
}

Status ClusterImpl::PowerOff(const std::string& target) {
  auto nodes = Targets(target);
  if (nodes.empty()) return Status::NotFound("no node or AZ named " + target);
  std::lock_guard<std::mutex> lock(power_mu_);
  for (StorageNode* n : nodes) n->PowerOff();
  return Status::Ok();
}

Status ClusterImpl::PowerOn(const std::string& target) {
  auto nodes = Targets(target);
  if (nodes.empty()) return Status::NotFound("no node or AZ named " + target);
  std::lock_guard<std::mutex> lock(power_mu_);
  for (StorageNode* n : nodes) RETURN_IF_ERROR(n->PowerOn());
  return Status::Ok();
}

Status ClusterImpl::SetNetwork(const NetworkFaults& faults) {
  // Every pair of nodes in different groups loses its link.
  std::vector<std::vector<paxos::NodeId>> groups;
  for (const auto& names : faults.partition) {
    std::vector<paxos::NodeId> ids;
    for (const std::string& name : names) {
      auto nodes = Targets(name);
      if (nodes.empty()) return Status::NotFound("no node or AZ named " + name);
      for (StorageNode* n : nodes) ids.push_back(n->id());
    }
    groups.push_back(std::move(ids));
  }
  std::set<std::pair<paxos::NodeId, paxos::NodeId>> cut;
  for (size_t i = 0; i < groups.size(); ++i) {
    for (size_t j = i + 1; j < groups.size(); ++j) {
      for (paxos::NodeId a : groups[i]) {
        for (paxos::NodeId b : groups[j]) cut.insert(std::minmax(a, b));
      }
    }
  }
  transport_.SetCutLinks(std::move(cut));
  transport_.SetDropRate(faults.drop_rate);
  transport_.SetDelay(std::chrono::milliseconds(faults.delay_ms));
  transport_.SetCorruptRate(faults.corrupt_rate);
  std::lock_guard<std::mutex> lock(faults_mu_);
  network_ = faults;
  return Status::Ok();
}

Status ClusterImpl::SetDiskDelay(const std::string& target, int delay_ms) {
  auto nodes = Targets(target);
  if (nodes.empty()) return Status::NotFound("no node or AZ named " + target);
  for (StorageNode* n : nodes) n->SetDiskDelay(std::chrono::milliseconds(delay_ms));
  return Status::Ok();
}

ClusterSnapshot ClusterImpl::Snapshot() {
  ClusterSnapshot snap;
  // Ask every node at once, then wait for all of them (a powered-off node
  // answers at once that it is off). A node still busy at the deadline (a
  // slow disk) is shown without its replicas; the others are shown whole.
  NodeReplies barrier(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i]->Describe(barrier.Slot(i));
  (void)barrier.WaitAll(std::chrono::milliseconds(2000));
  for (size_t i = 0; i < nodes_.size(); ++i) {
    NodeInfo info;
    info.id = nodes_[i]->id();
    info.name = nodes_[i]->name();
    info.az = info.name.substr(0, info.name.find("-node-"));
    info.up = nodes_[i]->powered_on();
    info.disk_delay_ms = nodes_[i]->disk_delay_ms();
    if (std::optional<NodeReply> reply = barrier.Take(i); reply && info.up) info.replicas = std::move(reply->replicas);
    snap.nodes.push_back(std::move(info));
  }
  // Per group, the up leader with the highest ballot (an old leader cut off
  // from its peers may still think it leads until check-quorum).
  std::map<uint64_t, const ReplicaInfo*> leaders;
  for (const NodeInfo& n : snap.nodes) {
    for (const ReplicaInfo& r : n.replicas) {
      if (!r.leader) continue;
      const ReplicaInfo*& best = leaders[r.group];
      if (best == nullptr || r.ballot > best->ballot) best = &r;
    }
  }
  for (const auto& route : memds_.front()->List("")) {
    TableInfo t{route->meta, {}};
    for (const PartitionRoute& p : route->partitions) {
      PartitionInfo info{p.group, p.hash_lo, p.hash_hi, {p.members.begin(), p.members.end()},
                         {p.log_members.begin(), p.log_members.end()}};
      if (auto it = leaders.find(p.group); it != leaders.end()) {
        info.leader = it->second->node;
        info.lease_ms_left = it->second->lease_ms_left;
        info.quiescent = it->second->quiescent;
        info.item_count = it->second->item_count;
        info.size_bytes = it->second->size_bytes;
      }
      t.partitions.push_back(std::move(info));
    }
    snap.tables.push_back(std::move(t));
  }
  for (auto& m : memds_) snap.memds_lookups.push_back(m->lookups());
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    snap.network = network_;
  }
  const Transport::Faults tf = transport_.faults();
  snap.messages_sent = tf.sent;
  snap.messages_dropped = tf.dropped;
  snap.messages_corrupted = tf.corrupted;
  snap.index_propagation_paused = propagator_->paused();
  snap.heal_passes = healer_ ? healer_->passes() : 0;
  snap.stale_reads_ms = stale_reads_ms_.load();
  for (auto& r : routers_) {
    snap.router_cache.emplace_back(r->cache_hits(), r->cache_misses());
    snap.router_backoffs.push_back(r->backoffs());
  }
  snap.scrub = scrubber_->State();
  return snap;
}

Result<ScrubReport> ClusterImpl::ScrubNow(const std::string& table) {
  std::vector<std::shared_ptr<const TableRoute>> routes;
  if (table.empty()) {
    for (auto& r : memds_.front()->List("")) {
      if (r->meta.state == TableState::kActive) routes.push_back(r);
    }
  } else {
    auto r = memds_.front()->Lookup(table);
    if (!r) return Status::NotFound("no table " + table);
    routes.push_back(r);
  }
  return scrubber_->ScrubNow(routes);
}

Result<BitRot> ClusterImpl::FlipItemBit(const std::string& node, uint64_t group, uint64_t pick) {
  std::vector<StorageNode*> nodes = Targets(node);
  if (nodes.size() != 1 || nodes.front()->name() != node) return Status::NotFound("no node named " + node);
  StorageNode* n = nodes.front();
  auto rot = std::make_shared<BitRot>();
  rot->node = n->id();
  rot->group = group;
  NodeReplies reply(1);
  n->Inspect(
      group,
      [rot, group, pick](NodeStore& store, const paxos::Replica* r) -> Status {
        if (r == nullptr) return Status::NotFound("the node holds no replica of partition " + std::to_string(group));
        auto key = store.scrub().FlipItemBit(group, pick);
        if (!key.ok()) return key.status();
        rot->key = Key{key->first, key->second};
        return Status::Ok();
      },
      reply.Slot(0));
  if (!reply.WaitAll(std::chrono::milliseconds(options_.request_timeout_ms))) {
    return Status::Unavailable("the node did not answer");
  }
  if (Status s = reply.Take(0)->status; !s.ok()) return s;
  return *rot;
}

Status ClusterImpl::InspectNode(const std::string& node, uint64_t group, StorageNode::InspectFn fn) {
  std::vector<StorageNode*> nodes = Targets(node);
  if (nodes.size() != 1 || nodes.front()->name() != node) return Status::NotFound("no node named " + node);
  NodeReplies barrier(1);
  nodes.front()->Inspect(group, std::move(fn), barrier.Slot(0));
  return barrier.Wait(std::chrono::milliseconds(options_.request_timeout_ms));
}

Status ClusterImpl::CorruptWalRecord(const std::string& node, uint64_t group, uint64_t lsn) {
  return InspectNode(node, group, [group, lsn](NodeStore& store, const paxos::Replica*) {
    return store.scrub().CorruptWal(group, lsn);
  });
}

Status ClusterImpl::LoseWalRecord(const std::string& node, uint64_t group, uint64_t lsn) {
  return InspectNode(node, group, [group, lsn](NodeStore& store, const paxos::Replica*) {
    return store.scrub().LoseWal(group, lsn);
  });
}

Status ClusterImpl::WithNodesOff(
    const std::function<Status(SqliteDb*, const std::vector<SqliteDb*>&)>& copy) {
  std::lock_guard<std::mutex> lock(power_mu_);  // no node powered on mid-copy
  std::vector<bool> was_on;
  std::vector<SqliteDb*> dbs;
  for (auto& n : nodes_) {
    was_on.push_back(n->powered_on());
    n->PowerOff();
    dbs.push_back(n->db());
  }
  Status s = copy(meta_->db(), dbs);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!was_on[i]) continue;
    Status on = nodes_[i]->PowerOn(/*whole_cluster=*/true);
    if (s.ok()) s = on;
  }
  ElectLeaders();
  return s;
}

void ClusterImpl::ElectLeaders() {
  std::set<uint64_t> groups;
  for (const auto& route : memds_.front()->List("")) {
    for (const PartitionRoute& p : route->partitions) {
      groups.insert(p.group);
      for (paxos::NodeId m : p.members) {
        if (!node_by_id_[m]->powered_on()) continue;
        node_by_id_[m]->Campaign(p.group);
        break;
      }
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::set<uint64_t> led;
    for (const NodeInfo& n : Snapshot().nodes) {
      for (const ReplicaInfo& r : n.replicas) {
        if (r.leader) led.insert(r.group);
      }
    }
    if (std::includes(led.begin(), led.end(), groups.begin(), groups.end())) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Status ClusterImpl::SaveSnapshot(const std::string& name) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  {
    std::lock_guard<std::mutex> faults(faults_mu_);
    if (network_.delay_ms > 0) return Status::Busy("set the network delay to 0 before a snapshot");
  }
  return WithNodesOff([&](SqliteDb* meta, const std::vector<SqliteDb*>& nodes) {
    RETURN_IF_ERROR(snapshots_.Save(name, meta, nodes));
    // The WAL archive goes with the WALs it continues.
    auto archive = scrubber_->CaptureArchive();
    if (!archive.ok()) return archive.status();
    archive_images_[name] = std::move(archive.value());
    return Status::Ok();
  });
}

Status ClusterImpl::RestoreSnapshot(const std::string& name) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  if (!snapshots_.Has(name)) return Status::NotFound("no snapshot named " + name);
  {
    std::lock_guard<std::mutex> faults(faults_mu_);
    if (network_.delay_ms > 0) return Status::Busy("set the network delay to 0 before a restore");
  }
  Status s = WithNodesOff([&](SqliteDb* meta, const std::vector<SqliteDb*>& nodes) {
    RETURN_IF_ERROR(snapshots_.Restore(name, meta, nodes));
    RETURN_IF_ERROR(scrubber_->RestoreArchive(archive_images_[name]));
    // The outboxes are the snapshot's: what the propagator sent before means nothing now.
    propagator_->Forget();
    // The partition map is the restored one: MemDS forgets every route and
    // loads the snapshot's (leaders are elected for these routes).
    for (auto& m : memds_) {
      for (const auto& route : m->List("")) m->Erase(route->meta.name);
    }
    auto tables = meta_->LoadAll();
    if (!tables.ok()) return tables.status();
    for (TableRoute& route : tables.value()) PublishRoute(std::make_shared<TableRoute>(std::move(route)));
    return Status::Ok();
  });
  return s;
}

}  // namespace

Result<std::unique_ptr<Cluster>> Cluster::Start(const ClusterOptions& options) {
  auto impl = std::make_unique<ClusterImpl>(options);
  Status s = impl->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<Cluster>(std::move(impl));
}

}  // namespace ddb::cluster
