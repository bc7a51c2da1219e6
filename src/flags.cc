// Command-line parsing for ddb-local.
#include "src/flags.h"

#include <cerrno>
#include <cstdlib>

namespace ddb {

namespace {

bool ParseInt(const std::string& text, int lo, int hi, int* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.compare(0, 4, "127.") == 0;
}

std::string Usage() {
  return R"(Usage: ddb-local [options]

A DynamoDB emulator: the DynamoDB JSON API on http://HOST:PORT/, the web UI on /ui/.

Options (one dash or two; "-flag value" or "-flag=value"):
  -port N              port to listen on (default 8000)
  -host ADDR           address to bind (default 127.0.0.1)
  -dbPath DIR          folder for the data files (default ./ddb-local-data)
  -inMemory            keep everything in memory; write no file
  -sharedDb            one namespace for all credentials and regions
  -cors LIST           allowed CORS origins, comma-separated, or * (default *)
  -fsync               fsync every group commit (survive a power cut of the host)
  -partitions N        partitions per new table (default 2, 1 to 64)
  -ttlSweepMs N        how often expired items (time to live) are deleted (default 5000)
  -archiveIntervalMs N how often committed WAL records are archived (default 1000, 0: only when asked)
  -scrubIntervalMs N   how often the periodic scrub runs (default 60000, 0: only when asked)
  -staleReadsMs N      followers apply committed writes N ms late, so eventually
                       consistent reads can be stale (default 0: off; up to 60000)
  -faultInjection      allow the fault endpoints of /admin/ (power, network, slow
                       disks, stale reads, fault rules) when -host is not loopback
  -seed PATH           create tables and load items at start: PATH is a file or a
                       folder of .json files (CreateTable requests) and .jsonl
                       or .json.gz files (DynamoDB JSON lines, one {"Item": ...}
                       per line; the table is the file name up to its first dot)
  -seedNamespace NS    the namespace seeded tables go to, "<access key id>_<region>"
                       (default local_us-east-1; ignored with -sharedDb)
  -healAfterMs N       a replica whose node is off (or cut off from its leader) this long is
                       replaced: log replica, then a rebuilt full replica (default 2000, 0: never)
  -electionTimeoutMs N a follower that hears no leader this long starts an election (default 300)
  -leaseMs N           the leader's lease, less than the election timeout (default 3/4 of it)
  -quiesceAfterMs N    an idle partition's replicas stop ticking after this long (default 300, 0: never)
  -uiDir DIR           serve the web UI from DIR instead of the binary (development)
  -version             print the version and exit
  -help                print this help and exit

When ready, prints "ddb-local listening on http://HOST:PORT" on standard output.
Exit codes: 0 stopped by SIGINT or SIGTERM (or -help, -version); 1 could not
start (port in use, data folder unusable); 2 bad command line; 3 -seed failed
(the message names the file and line).
)";
}

bool ParseFlags(const std::vector<std::string>& args, Flags* f, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      *error = "unexpected argument '" + a + "' (see -help)";
      return false;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    std::string value;
    bool has_value = false;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto need_value = [&]() {
      if (has_value) return true;
      if (i + 1 >= args.size()) {
        *error = "-" + name + " needs a value (see -help)";
        return false;
      }
      value = args[++i];
      return true;
    };
    auto no_value = [&]() {
      if (!has_value) return true;
      *error = "-" + name + " takes no value";
      return false;
    };
    auto bad = [&]() {
      *error = "invalid value for -" + name + ": '" + value + "'";
      return false;
    };
    if (name == "port") {
      if (!need_value()) return false;
      if (!ParseInt(value, 0, 65535, &f->port)) return bad();
    } else if (name == "host") {
      if (!need_value()) return false;
      if (value.empty()) return bad();
      f->host = value;
    } else if (name == "dbPath") {
      if (!need_value()) return false;
      if (value.empty()) return bad();
      f->db_path = value;
      f->db_path_given = true;
    } else if (name == "cors") {
      if (!need_value()) return false;
      if (value.empty()) return bad();
      f->cors = value;
    } else if (name == "partitions") {
      if (!need_value()) return false;
      if (!ParseInt(value, 1, 64, &f->partitions)) return bad();
    } else if (name == "ttlSweepMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 10, 86400000, &f->ttl_sweep_ms)) return bad();
    } else if (name == "archiveIntervalMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 0, 86400000, &f->archive_interval_ms)) return bad();
    } else if (name == "electionTimeoutMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 30, 60000, &f->election_timeout_ms)) return bad();
    } else if (name == "leaseMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 10, 60000, &f->lease_ms)) return bad();
    } else if (name == "quiesceAfterMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 0, 86400000, &f->quiesce_after_ms)) return bad();
    } else if (name == "healAfterMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 0, 86400000, &f->heal_after_ms)) return bad();
    } else if (name == "scrubIntervalMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 0, 86400000, &f->scrub_interval_ms)) return bad();
    } else if (name == "seed") {
      if (!need_value()) return false;
      if (value.empty()) return bad();
      f->seed = value;
    } else if (name == "seedNamespace") {
      if (!need_value()) return false;
      size_t underscore = value.rfind('_');
      if (underscore == std::string::npos || underscore == 0 || underscore + 1 == value.size()) return bad();
      f->seed_namespace = value;
    } else if (name == "staleReadsMs") {
      if (!need_value()) return false;
      if (!ParseInt(value, 0, 60000, &f->stale_reads_ms)) return bad();
    } else if (name == "uiDir") {
      if (!need_value()) return false;
      f->ui_dir = value;
    } else if (name == "inMemory") {
      if (!no_value()) return false;
      f->in_memory = true;
    } else if (name == "sharedDb") {
      if (!no_value()) return false;
      f->shared_db = true;
    } else if (name == "faultInjection") {
      if (!no_value()) return false;
      f->fault_injection = true;
    } else if (name == "fsync") {
      if (!no_value()) return false;
      f->fsync = true;
    } else if (name == "help" || name == "h") {
      f->help = true;
    } else if (name == "version") {
      f->version = true;
    } else {
      *error = "unknown option '" + a + "' (see -help)";
      return false;
    }
  }
  if (f->lease_ms != 0 && f->lease_ms >= f->election_timeout_ms) {
    *error = "-leaseMs must be less than -electionTimeoutMs (" + std::to_string(f->election_timeout_ms) + ")";
    return false;
  }
  if (f->in_memory && f->db_path_given) {
    *error = "you cannot specify both -dbPath and -inMemory";
    return false;
  }
  return true;
}

}  // namespace ddb
