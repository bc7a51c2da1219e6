// Seed: loads tables and items into ddb-local through its own operations —
// at start (-seed PATH) and for the web UI's import (POST /admin/import).
//
// Input formats:
//   table definitions   a .json file holding one CreateTable request, or a
//                       JSON array of them; a table that exists already is
//                       kept as it is
//   items               a .jsonl (or .ndjson) file of DynamoDB JSON lines, the
//                       format of DynamoDB's export to S3: one {"Item": {...}}
//                       per line, blank lines ignored; the table is the file
//                       name up to its first dot (Users.jsonl, Users.2.jsonl);
//                       gzip'd as DynamoDB exports them: Users.json.gz,
//                       Users.jsonl.gz
// PATH is one such file, or a folder whose files (not its subfolders) are
// read in name order: every table definition first, then every items file.
// Other files are skipped. Items are written with BatchWriteItem, 25 at a
// time (PutItem one by one when a batch is refused, so that a later line of
// the same key wins and a bad item is named by its line).
//
// Idempotence: with a state file (a -dbPath run), each items file loaded in
// full is recorded as "<crc32> <size> <name>"; a file recorded with the same
// size and checksum is not loaded again, so a restart does not overwrite what
// the tests changed since. A changed file is loaded again (puts overwrite).
//
// Errors name the file and line: "seed/Users.jsonl:17: ValidationException:
// One or more parameter values were invalid: ...".
//
// Thread safety: one Seeder per loading thread; the Handler it uses is safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "api/handler.h"
#include "base/status.h"

namespace ddb::api {

struct SeedReport {
  size_t tables_created = 0;
  size_t tables_kept = 0;     // existed already
  size_t files_loaded = 0;
  size_t files_unchanged = 0; // skipped: recorded in the state file
  size_t items = 0;
  // SeedPath's state_later: the state file's content, "" when no items
  // file was loaded.
  std::string state;
};

class Seeder {
 public:
  // `ns`: the namespace prefix the tables go to (Handler::Namespace).
  // `progress(source, items_so_far)` is called every kProgressItems items.
  Seeder(Handler* handler, std::string ns, std::function<void(const std::string&, size_t)> progress = {})
      : handler_(handler), ns_(std::move(ns)), progress_(std::move(progress)) {}

  static constexpr size_t kProgressItems = 10000;
  // Item files loaded at once.
  static constexpr size_t kParallelFiles = 4;

  // The state file's name in a data folder, and every file the state is
  // written through (the state and its temporary, WriteState).
  static constexpr const char* kStateFile = "seed-state";
  static std::vector<std::string> StateFiles();

  // Loads a file or folder; `state_path` empty for no state (-inMemory).
  // With `state_later`, the state is not written but left in
  // report->state, for the caller to write (main: Cluster::FinishLoad).
  Status SeedPath(const std::string& path, const std::string& state_path, SeedReport* report,
                  bool state_later = false);
  // The state file's content for `state` (name -> "<crc32> <size>").
  static std::string StateText(const std::map<std::string, std::string>& state);
  // Creates the tables of one definition text; `source` names it in errors.
  // `on_table(name)`, if given, is called for each table created or kept.
  Status CreateTables(const std::string& text, const std::string& source, SeedReport* report,
                      const std::function<void(const std::string&)>& on_table = {});
  // Writes the items of JSON lines from `in` to `table`.
  Status LoadItems(std::istream& in, const std::string& table, const std::string& source, SeedReport* report);

 private:
  struct Line;
  Status Flush(const std::string& table, const std::string& source, std::vector<Line>* lines);
  Status PutOne(const std::string& table, const std::string& source, const Line& line);
  // LoadItems of one .jsonl or .json.gz file, into the table it is named after.
  Status LoadFile(const std::filesystem::path& f, SeedReport* report);

  Handler* handler_;
  std::string ns_;
  std::function<void(const std::string&, size_t)> progress_;
};

}  // namespace ddb::api
