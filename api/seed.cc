// Seed: table definitions and DynamoDB JSON lines through the operations.
#include "api/seed.h"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "api/json.h"

namespace ddb::api {

namespace {

namespace fs = std::filesystem;

constexpr size_t kBatchItems = 25;                // BatchWriteItem's limit
constexpr size_t kMaxLineBytes = 4 * 1024 * 1024;  // far above a 400 KB item in JSON
constexpr int kAttempts = 8;                       // for a write the cluster could not take now

std::string Where(const std::string& source, size_t line) { return source + ":" + std::to_string(line) + ": "; }

std::string ErrorText(const Error& e) { return e.message.empty() ? e.type : e.type + ": " + e.message; }

// An error worth trying again: no quorum now, or an outcome not known.
bool Retryable(const Error& e) { return e.http_status >= 500; }

void Backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 20 << attempt)));
}

enum class Kind { kTables, kItems, kGzipItems, kOther };

Kind KindOf(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".json") return Kind::kTables;
  if (ext == ".jsonl" || ext == ".ndjson") return Kind::kItems;
  if (ext == ".gz") {
    // DynamoDB's export to S3 writes gzip'd JSON lines named *.json.gz.
    const std::string inner = p.stem().extension().string();
    if (inner == ".json" || inner == ".jsonl" || inner == ".ndjson") return Kind::kGzipItems;
  }
  return Kind::kOther;
}

bool IsItems(Kind k) { return k == Kind::kItems || k == Kind::kGzipItems; }

// An istream over a gzip file (zlib's gzread), for LoadItems.
class GzipBuf : public std::streambuf {
 public:
  explicit GzipBuf(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {}
  ~GzipBuf() override {
    if (file_ != nullptr) gzclose(file_);
  }
  bool ok() const { return file_ != nullptr; }
  bool failed() const { return failed_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (file_ == nullptr) return traits_type::eof();
    int n = gzread(file_, buf_, sizeof buf_);
    if (n < 0) failed_ = true;
    if (n <= 0) return traits_type::eof();
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  gzFile file_;
  bool failed_ = false;
  char buf_[1 << 16];
};

// Users.jsonl and Users.2.jsonl both go to table Users.
std::string TableOfFile(const fs::path& p) {
  std::string name = p.filename().string();
  return name.substr(0, name.find('.'));
}

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return Status::IoError("cannot read " + p.string());
  std::stringstream buf;
  buf << f.rdbuf();
  return buf.str();
}

// "<crc32 hex> <size>" of a file, read in chunks.
Result<std::string> Fingerprint(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return Status::IoError("cannot read " + p.string());
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t size = 0;
  constexpr size_t kChunk = 1 << 16;
  std::unique_ptr<char[]> chunk(new char[kChunk]);  // not zeroed: a small file touches one page of it
  while (f) {
    f.read(chunk.get(), static_cast<std::streamsize>(kChunk));
    std::streamsize n = f.gcount();
    if (n <= 0) break;
    crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.get()), static_cast<uInt>(n));
    size += static_cast<uint64_t>(n);
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc));
  return std::string(hex) + " " + std::to_string(size);
}

// The state file: "<crc32> <size> <name>" per loaded items file.
std::map<std::string, std::string> ReadState(const std::string& path) {
  std::map<std::string, std::string> state;
  std::ifstream f(path);
  std::string crc, size, name;
  while (f >> crc >> size && std::getline(f >> std::ws, name)) state[name] = crc + " " + size;
  return state;
}

constexpr const char* kTempSuffix = ".tmp";

Status WriteState(const std::string& path, const std::map<std::string, std::string>& state) {
  const std::string tmp = path + kTempSuffix;
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << Seeder::StateText(state);
    if (!f) return Status::IoError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IoError("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

struct Seeder::Line {
  size_t number = 0;
  rapidjson::Document item;  // the Item object
};

Status Seeder::CreateTables(const std::string& text, const std::string& source, SeedReport* report,
                            const std::function<void(const std::string&)>& on_table) {
  rapidjson::Document doc;
  // A single object, or an array of them.
  const std::string wrapped = "{\"t\":" + text + "}";
  if (!ParseBody(wrapped, &doc).ok()) return Status::InvalidArgument(source + ": not valid JSON");
  const JsonValue& top = doc["t"];
  std::vector<const JsonValue*> requests;
  if (top.IsArray()) {
    for (const JsonValue& r : top.GetArray()) requests.push_back(&r);
  } else {
    requests.push_back(&top);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string where = top.IsArray() ? source + "[" + std::to_string(i) + "]: " : source + ": ";
    if (!requests[i]->IsObject()) return Status::InvalidArgument(where + "expected a CreateTable request object");
    auto created = handler_->Call("CreateTable", ns_, *requests[i]);
    if (created.ok()) {
      ++report->tables_created;
    } else if (created.error().type == "ResourceInUseException") {
      ++report->tables_kept;
    } else {
      return Status::InvalidArgument(where + "CreateTable: " + ErrorText(created.error()));
    }
    const JsonValue* name = Member(*requests[i], "TableName");
    if (on_table && name != nullptr && name->IsString()) on_table(name->GetString());
  }
  return Status::Ok();
}

Status Seeder::PutOne(const std::string& table, const std::string& source, const Line& line) {
  rapidjson::Document req(rapidjson::kObjectType);
  auto& a = req.GetAllocator();
  req.AddMember("TableName", rapidjson::Value(table.c_str(), a), a);
  req.AddMember("Item", rapidjson::Value(line.item, a), a);
  for (int attempt = 0;; ++attempt) {
    auto put = handler_->Call("PutItem", ns_, req);
    if (put.ok()) return Status::Ok();
    if (!Retryable(put.error()) || attempt + 1 >= kAttempts) {
      return Status::InvalidArgument(Where(source, line.number) + ErrorText(put.error()));
    }
    Backoff(attempt);
  }
}

// Writes `lines` with one BatchWriteItem; item by item when the batch is
// refused or leaves items unprocessed.
Status Seeder::Flush(const std::string& table, const std::string& source, std::vector<Line>* lines) {
  if (lines->empty()) return Status::Ok();
  rapidjson::Document req(rapidjson::kObjectType);
  auto& a = req.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  for (const Line& l : *lines) {
    rapidjson::Value put(rapidjson::kObjectType), wrap(rapidjson::kObjectType);
    put.AddMember("Item", rapidjson::Value(l.item, a), a);
    wrap.AddMember("PutRequest", put, a);
    list.PushBack(wrap, a);
  }
  rapidjson::Value items(rapidjson::kObjectType);
  items.AddMember(rapidjson::Value(table.c_str(), a), list, a);
  req.AddMember("RequestItems", items, a);
  auto out = handler_->Call("BatchWriteItem", ns_, req);
  bool done = false;
  if (out.ok()) {
    rapidjson::Document resp;
    done = ParseBody(*out, &resp).ok() && resp.HasMember("UnprocessedItems") &&
           resp["UnprocessedItems"].IsObject() && resp["UnprocessedItems"].ObjectEmpty();
  }
  if (!done) {
    for (const Line& l : *lines) {
      Status s = PutOne(table, source, l);
      if (!s.ok()) return s;
    }
  }
  lines->clear();
  return Status::Ok();
}

Status Seeder::LoadItems(std::istream& in, const std::string& table, const std::string& source,
                         SeedReport* report) {
  if (!handler_->HasTable(ns_, table)) {
    return Status::InvalidArgument(source + ": no table " + table +
                                   "; define it in a .json file of CreateTable requests");
  }
  std::vector<Line> pending;
  std::string text;
  size_t number = 0, loaded = 0;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    if (text.size() > kMaxLineBytes) return Status::InvalidArgument(Where(source, number) + "line too long");
    rapidjson::Document record;
    auto parsed = ParseBody(text, &record);
    if (!parsed.ok()) return Status::InvalidArgument(Where(source, number) + "not a JSON object");
    const JsonValue* item = Member(record, "Item");
    if (item == nullptr || !item->IsObject() || record.MemberCount() != 1) {
      return Status::InvalidArgument(Where(source, number) + "expected {\"Item\": {...}} (DynamoDB JSON)");
    }
    Line line;
    line.number = number;
    line.item.CopyFrom(*item, line.item.GetAllocator());
    pending.push_back(std::move(line));
    if (pending.size() == kBatchItems) {
      Status s = Flush(table, source, &pending);
      if (!s.ok()) return s;
    }
    if (++loaded % kProgressItems == 0 && progress_) progress_(source, loaded);
  }
  Status s = Flush(table, source, &pending);
  if (!s.ok()) return s;
  report->items += loaded;
  return Status::Ok();
}

Status Seeder::LoadFile(const fs::path& f, SeedReport* report) {
  if (KindOf(f) == Kind::kGzipItems) {
    GzipBuf buf(f.string());
    if (!buf.ok()) return Status::IoError("cannot read " + f.string());
    std::istream in(&buf);
    Status s = LoadItems(in, TableOfFile(f), f.string(), report);
    if (s.ok() && buf.failed()) s = Status::InvalidArgument(f.string() + ": not a valid gzip file");
    return s;
  }
  std::ifstream in(f, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + f.string());
  return LoadItems(in, TableOfFile(f), f.string(), report);
}

std::vector<std::string> Seeder::StateFiles() { return {kStateFile, std::string(kStateFile) + kTempSuffix}; }

std::string Seeder::StateText(const std::map<std::string, std::string>& state) {
  std::string text;
  for (const auto& [name, print] : state) text += print + " " + name + "\n";
  return text;
}

Status Seeder::SeedPath(const std::string& path, const std::string& state_path, SeedReport* report,
                        bool state_later) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) return Status::IoError("cannot read the folder " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
    if (KindOf(path) == Kind::kOther) {
      return Status::InvalidArgument(path +
                                     ": a seed file is .json (CreateTable requests), or .jsonl or .json.gz (items)");
    }
  } else {
    return Status::NotFound("no file or folder " + path);
  }
  std::map<std::string, std::string> state;
  if (!state_path.empty()) state = ReadState(state_path);
  // The item files to load: those not recorded as loaded with the same content.
  struct Load {
    fs::path file;
    std::string name;   // absolute, the state file's key
    std::string print;  // its fingerprint ("": taken by the thread that loads it)
    Status status;
    SeedReport counts;
  };
  std::vector<Load> loads;
  for (const fs::path& f : files) {
    if (!IsItems(KindOf(f))) continue;
    const std::string name = fs::absolute(f, ec).lexically_normal().string();
    std::string print;
    // Only a file the state records is read here, to compare; any other is
    // loaded anyway, and its fingerprint is taken just before, on its thread.
    if (!state_path.empty() && state.count(name)) {
      auto taken = Fingerprint(f);
      if (!taken.ok()) return taken.status();
      if (state[name] == *taken) {
        ++report->files_unchanged;
        continue;
      }
      print = *taken;
    }
    loads.push_back(Load{f, name, print, Status::Ok(), SeedReport{}});
  }
  // The tables are created on this thread while the first round's other item
  // files wait, each on a thread of its own, for their table: a file starts
  // loading as soon as its table exists, while the next tables are created.
  // A file whose table no tables file creates waits for all of them (the
  // table may exist from an earlier start).
  struct Tables {
    std::mutex mu;
    std::condition_variable cv;
    std::set<std::string> ready;
    bool done = false;
    bool failed = false;  // a tables file failed: nothing more is loaded
  } tables;
  auto table_ready = [&tables](const std::string& name) {
    {
      std::lock_guard<std::mutex> lock(tables.mu);
      tables.ready.insert(name);
    }
    tables.cv.notify_all();
  };
  auto load_when_ready = [this, &tables](Load* l) {
    const std::string table = TableOfFile(l->file);
    {
      std::unique_lock<std::mutex> lock(tables.mu);
      tables.cv.wait(lock, [&] { return tables.done || tables.ready.count(table) > 0; });
      if (tables.failed) return;
    }
    if (l->print.empty()) {
      auto taken = Fingerprint(l->file);  // before loading: a later change shows at the next start
      if (!taken.ok()) {
        l->status = taken.status();
        return;
      }
      l->print = *taken;
    }
    l->status = LoadFile(l->file, &l->counts);
  };
  // Several files at once (each its own table, as a rule): their writes go to
  // different replication groups and overlap instead of waiting in turn.
  // Results are taken in file order: the first failure is the one reported,
  // and the state file records the files loaded before it. A tables file's
  // failure comes before any of theirs, and then nothing is recorded.
  std::vector<std::thread> threads;  // the current round's files but its first
  for (size_t i = 1; i < std::min(loads.size(), kParallelFiles); ++i) threads.emplace_back(load_when_ready, &loads[i]);
  Status created;
  for (const fs::path& f : files) {
    if (KindOf(f) != Kind::kTables) continue;
    auto text = ReadFile(f);
    created = text.ok() ? CreateTables(*text, f.string(), report, table_ready) : text.status();
    if (!created.ok()) break;
  }
  {
    std::lock_guard<std::mutex> lock(tables.mu);
    tables.done = true;
    tables.failed = !created.ok();
  }
  tables.cv.notify_all();
  if (!created.ok()) {
    for (auto& t : threads) t.join();
    return created;
  }
  for (size_t first = 0; first < loads.size(); first += kParallelFiles) {
    const size_t end = std::min(loads.size(), first + kParallelFiles);
    if (first > 0) {
      for (size_t i = first + 1; i < end; ++i) threads.emplace_back(load_when_ready, &loads[i]);
    }
    load_when_ready(&loads[first]);
    for (auto& t : threads) t.join();
    threads.clear();
    // The state file is written once per round (each write makes a file):
    // with the files loaded before the first failure, if any.
    Status failed = Status::Ok();
    size_t recorded = 0;
    for (size_t i = first; i < end; ++i) {
      if (!loads[i].status.ok()) {
        failed = loads[i].status;
        break;
      }
      report->items += loads[i].counts.items;
      ++report->files_loaded;
      state[loads[i].name] = loads[i].print;
      ++recorded;
    }
    if (!state_path.empty() && recorded > 0 && state_later) {
      report->state = StateText(state);
    } else if (!state_path.empty() && recorded > 0) {
      Status w = WriteState(state_path, state);
      if (!w.ok()) return w;
    }
    if (!failed.ok()) return failed;
  }
  return Status::Ok();
}

}  // namespace ddb::api
