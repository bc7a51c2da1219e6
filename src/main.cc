// main: parses flags, starts the cluster and the HTTP server, and stops both
// cleanly on SIGINT or SIGTERM (every acknowledged write is on disk by then).
#include <algorithm>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/admin.h"
#include "api/handler.h"
#include "api/seed.h"
#include "api/ttl_sweeper.h"
#include "cluster/cluster.h"
#include "src/flags.h"
#include "src/http_server.h"

namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "ddb-local: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  ddb::Flags flags;
  std::string error;
  if (!ddb::ParseFlags(std::vector<std::string>(argv + 1, argv + argc), &flags, &error)) {
    return Fail(error, 2);
  }
  if (flags.help) {
    std::fputs(ddb::Usage().c_str(), stdout);
    return 0;
  }
  if (flags.version) {
    std::printf("ddb-local %s\n", DDB_VERSION);
    return 0;
  }

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ddb::cluster::ClusterOptions co;
  co.in_memory = flags.in_memory;
  co.data_dir = flags.db_path;
  co.fsync = flags.fsync;
  co.open_storage_at_start = !flags.seed.empty();  // seeding needs every node file
  // A seed into a new -dbPath is loaded before anything is answered: its
  // files are held in memory until it is in (FinishLoad below), and a
  // start after one that died while loading loads it anew.
  co.load_in_memory = !flags.seed.empty();
  co.load_files = ddb::api::Seeder::StateFiles();
  co.defer_periodic_work = true;                   // started below, 100 ms after listening
  co.partitions_per_table = static_cast<uint32_t>(flags.partitions);
  co.archive_interval_ms = flags.archive_interval_ms;
  co.scrub_interval_ms = flags.scrub_interval_ms;
  co.heal_after_ms = flags.heal_after_ms;
  // Replica clocks tick every co.tick_ms; timings are whole ticks.
  co.election_ticks = std::max(3, flags.election_timeout_ms / co.tick_ms);
  co.heartbeat_ticks = std::max(1, std::min(5, co.election_ticks / 6));
  co.lease_ticks = flags.lease_ms == 0 ? 0 : std::max(1, std::min(co.election_ticks - 1, flags.lease_ms / co.tick_ms));
  co.quiesce_ticks = flags.quiesce_after_ms == 0 ? 0 : std::max(co.heartbeat_ticks, flags.quiesce_after_ms / co.tick_ms);
  auto cluster = ddb::cluster::Cluster::Start(co);
  if (!cluster.ok()) return Fail(cluster.status().message(), 1);
  if (flags.stale_reads_ms > 0) (*cluster)->SetStaleReads(flags.stale_reads_ms);

  ddb::api::Handler handler(cluster->get(), flags.shared_db);
  ddb::ServerOptions so;
  so.host = flags.host;
  so.port = flags.port;
  so.cors = flags.cors;
  so.ui_dir = flags.ui_dir;
  ddb::api::AdminHandler admin(cluster->get(), &handler.metrics(), &handler.faults(),
                               flags.fault_injection || ddb::IsLoopback(flags.host));
  admin.set_handler(&handler);
  ddb::api::TtlSweeper ttl(cluster->get(), std::chrono::milliseconds(flags.ttl_sweep_ms));
  ttl.set_gate(handler.gate());
  ttl.set_index_builder(handler.index_builder());
  ddb::HttpServer server(so, &handler, &admin);
  ddb::Status bound = server.Bind();
  if (!bound.ok()) {
    (*cluster)->Stop();
    return Fail(bound.message(), 1);
  }
  // The server runs on its own thread, from now on: while the seed loads it
  // accepts connections and holds their requests (Hold), which a client that
  // polls the port would otherwise keep trying (the CPU its tries take is
  // the seed's). This thread then waits for a stop signal. If the server
  // fails on its own, it raises SIGTERM so that we stop too.
  if (!flags.seed.empty()) server.Hold();
  std::thread serving([&] {
    server.Serve();
    kill(getpid(), SIGTERM);
  });
  serving.detach();
  // Files of a seed held in memory that FinishLoad writes (its state).
  std::vector<std::pair<std::string, std::string>> load_files;
  if (!flags.seed.empty()) {
    const size_t underscore = flags.seed_namespace.rfind('_');
    const std::string ns = handler.Namespace(flags.seed_namespace.substr(0, underscore),
                                             flags.seed_namespace.substr(underscore + 1));
    ddb::api::Seeder seeder(&handler, ns, [](const std::string& source, size_t items) {
      std::fprintf(stderr, "ddb-local: seed %s: %zu items\n", source.c_str(), items);
    });
    ddb::api::SeedReport report;
    // A load held in memory: its state file is written with its files.
    const bool held = (*cluster)->Loading();
    ddb::Status seeded = seeder.SeedPath(
        flags.seed, flags.in_memory ? "" : flags.db_path + "/" + ddb::api::Seeder::kStateFile, &report, held);
    if (!seeded.ok()) {
      server.Drain();  // the requests held are refused (503)
      (*cluster)->Stop();
      Fail("seed: " + seeded.message(), 3);
      std::fflush(stderr);
      std::_Exit(3);  // the serving thread may still be leaving Serve()
    }
    std::fprintf(stderr,
                 "ddb-local: seeded %s: %zu tables created, %zu kept, %zu items from %zu files "
                 "(%zu files unchanged since the last load)\n",
                 flags.shared_db ? "the shared namespace" : ("namespace " + flags.seed_namespace).c_str(),
                 report.tables_created, report.tables_kept, report.items, report.files_loaded,
                 report.files_unchanged);
    if (!report.state.empty()) load_files.emplace_back(ddb::api::Seeder::kStateFile, report.state);
    // Reads are answered from here on; writes wait for FinishLoad below.
    server.ReleaseReads();
  }
  std::fprintf(stderr, "ddb-local %s (%s%s)\n", DDB_VERSION,
               flags.in_memory ? "in memory" : ("data in " + flags.db_path).c_str(),
               flags.shared_db ? ", shared db" : "");
  // The line tools wait for: printed once requests are answered (with
  // -seed, once the seed is in; a write may still wait below).
  std::printf("ddb-local listening on http://%s:%d\n", flags.host.c_str(), server.port());
  std::fflush(stdout);
  if (!flags.seed.empty()) {
    // A seed into a new -dbPath was held in memory (ClusterOptions::
    // load_in_memory): its files are written now, while reads are
    // answered, and no write is acknowledged before they are in. A
    // process that dies first leaves the load's marker, and its next start
    // loads the seed again: what the reads saw.
    ddb::Status finished = (*cluster)->FinishLoad(load_files);
    if (!finished.ok()) {
      server.Drain();
      (*cluster)->Stop();
      Fail(finished.message(), 1);
      std::fflush(stderr);
      std::_Exit(1);
    }
    server.Release();
  }
  // The node files open while the server answers, one at a time, so that
  // they do not take both cores from the first requests. With -seed, the
  // only ones not open are AZ c's on a new directory (ClusterImpl::Init:
  // AZ a and b hold a majority of every group): they open 20 ms later, so
  // that making them does not hold up the first writes, which make their
  // journals and (a held load) wait for the seed's files meanwhile. Side
  // by side, 20 starts a side of the example seed: the first PutItem
  // answered 6.82 -> 6.32 ms after the spawn.
  // The periodic threads (archiving, scrub, the transaction sweep, the
  // healer, TTL deletes) start 100 ms after the listening line rather than
  // before the first answer: making them took 0.2 to 1 ms of the main
  // thread's start, and would compete with the first requests for the cores.
  // A stop signal meanwhile stops at once, without them.
  const timespec kLateFilesDelay{0, flags.seed.empty() ? 0 : 20 * 1000 * 1000};
  const timespec kPeriodicDelay{0, 100 * 1000 * 1000 - kLateFilesDelay.tv_nsec};
  int sig = -1;
  if (kLateFilesDelay.tv_nsec > 0) sig = sigtimedwait(&stop_signals, nullptr, &kLateFilesDelay);
  if (sig < 0) {
    (*cluster)->OpenStorage(/*one_at_a_time=*/true);
    sig = sigtimedwait(&stop_signals, nullptr, &kPeriodicDelay);
  }
  if (sig < 0) {
    (*cluster)->StartPeriodicWork();
    ttl.Start();
    sigwait(&stop_signals, &sig);
  }
  server.Drain();   // every request in flight has been answered
  handler.Stop();   // background index work
  ttl.Stop();
  cluster->reset();  // nodes finish their queues and close their files
  std::fprintf(stderr, "ddb-local stopped\n");
  std::fflush(stderr);
  // Idle keep-alive connections may still hold HTTP workers; they have
  // nothing left to do, so leave without waiting for them.
  std::_Exit(0);
}
