// Flags: the command line of ddb-local. DynamoDB Local's flags (-port, -dbPath,
// -inMemory, -sharedDb, -cors, -help) plus our own; each may be written with
// one dash or two, and as "-flag value" or "-flag=value".
//
// Thread safety: parsed once in main.
#pragma once

#include <string>
#include <vector>

namespace ddb {

struct Flags {
  int port = 8000;
  std::string host = "127.0.0.1";
  std::string db_path = "ddb-local-data";
  bool db_path_given = false;
  bool in_memory = false;
  bool shared_db = false;
  std::string cors = "*";
  bool fsync = false;
  int partitions = 2;
  int ttl_sweep_ms = 5000;  // how often expired items are looked for
  int archive_interval_ms = 1000;  // WAL archiving; 0: only when asked
  int scrub_interval_ms = 60000;   // scrub of every partition; 0: only when asked
  int stale_reads_ms = 0;  // followers apply committed writes this late (0: off)
  bool fault_injection = false;  // fault endpoints answer on a non-loopback bind too
  std::string seed;                            // -seed PATH: a file or folder to load at start
  std::string seed_namespace = "local_us-east-1";  // "<access key id>_<region>" the seed goes to
  int heal_after_ms = 2000;        // replace a replica lost this long; 0: never
  int election_timeout_ms = 300;   // a follower that hears no leader this long campaigns
  int lease_ms = 0;                // the leader's lease; 0: 3/4 of the election timeout
  int quiesce_after_ms = 300;      // an idle partition's group goes quiet after this long; 0: never
  std::string ui_dir;  // serve the web UI from this folder instead of the binary
  bool help = false;
  bool version = false;
};

// Parses argv. On a bad command line returns false and sets *error to a
// one-line message (main prints it and exits with code 2).
// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopback(const std::string& host);

bool ParseFlags(const std::vector<std::string>& args, Flags* flags, std::string* error);
std::string Usage();

}  // namespace ddb
