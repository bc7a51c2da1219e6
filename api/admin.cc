// AdminHandler: the cluster snapshot as JSON, faults, fault rules, scrub,
// bit rot, snapshots and reset.
#include "api/admin.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "api/json.h"
#include "api/seed.h"

namespace ddb::api {

namespace {

HttpResponse Fail(int status, const std::string& message) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("error");
  w.String(message);
  w.EndObject();
  return HttpResponse{status, buf.GetString()};
}

void WriteNode(JsonWriter& w, const cluster::NodeInfo& n) {
  w.StartObject();
  w.Key("id");
  w.Uint(n.id);
  w.Key("name");
  w.String(n.name);
  w.Key("az");
  w.String(n.az);
  w.Key("up");
  w.Bool(n.up);
  w.Key("diskDelayMs");
  w.Int(n.disk_delay_ms);
  w.Key("replicas");
  w.StartArray();
  for (const cluster::ReplicaInfo& r : n.replicas) {
    w.StartObject();
    w.Key("group");
    w.Uint64(r.group);
    w.Key("role");
    w.String(r.leader ? "leader" : r.log_replica ? "log" : "follower");
    w.Key("ballot");
    w.Uint64(r.ballot);
    w.Key("commitLsn");
    w.Uint64(r.commit_lsn);
    w.Key("appliedLsn");
    w.Uint64(r.applied_lsn);
    w.Key("lastLsn");
    w.Uint64(r.last_lsn);
    w.Key("joinedLsn");
    w.Uint64(r.joined_lsn);
    w.Key("leaseMsLeft");
    w.Int64(r.lease_ms_left);
    w.Key("quiescent");
    w.Bool(r.quiescent);
    w.Key("itemCount");
    w.Uint64(r.item_count);
    w.Key("sizeBytes");
    w.Uint64(r.size_bytes);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// One partition's archive and scrub state (the members of a "scrub" object).
void WriteScrubMembers(JsonWriter& w, const cluster::PartitionScrub& p) {
  w.Key("archivedLsn");
  w.Uint64(p.archived_lsn);
  w.Key("archiveSegments");
  w.Uint64(p.archive_segments);
  w.Key("lastScrubMs");
  w.Int64(p.last_scrub_ms);
  w.Key("scrubLsn");
  w.Uint64(p.scrub_lsn);
  w.Key("result");
  w.String(p.result);
  w.Key("detail");
  w.String(p.detail);
  w.Key("referenceDigest");
  w.String(p.reference_digest);
  w.Key("mismatches");
  w.Uint64(p.mismatches);
  w.Key("repairs");
  w.Uint64(p.repairs);
  w.Key("replicas");
  w.StartArray();
  for (const cluster::ReplicaScrub& r : p.replicas) {
    w.StartObject();
    w.Key("node");
    w.Uint(r.node);
    w.Key("digest");
    w.String(r.digest);
    w.Key("state");
    w.String(r.state);
    w.EndObject();
  }
  w.EndArray();
}

void WriteAlarms(JsonWriter& w, const std::vector<cluster::ScrubAlarm>& alarms) {
  w.StartArray();
  for (const cluster::ScrubAlarm& a : alarms) {
    w.StartObject();
    w.Key("timeMs");
    w.Int64(a.time_ms);
    w.Key("partition");
    w.Uint64(a.group);
    w.Key("node");
    w.Uint(a.node);
    w.Key("kind");
    w.String(a.kind);
    w.Key("message");
    w.String(a.message);
    w.EndObject();
  }
  w.EndArray();
}

HttpResponse ScrubJson(const cluster::ScrubReport& report) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("partitions");
  w.StartArray();
  for (const auto& p : report.partitions) {
    w.StartObject();
    w.Key("group");
    w.Uint64(p.group);
    w.Key("tableId");
    w.Uint64(p.table_id);
    WriteScrubMembers(w, p);
    w.EndObject();
  }
  w.EndArray();
  w.Key("alarms");
  WriteAlarms(w, report.alarms);
  w.Key("periodicWaits");
  w.Uint64(report.periodic_waits);
  w.Key("periodicSkips");
  w.Uint64(report.periodic_skips);
  w.EndObject();
  return HttpResponse{200, buf.GetString()};
}

// `index_of`: for a global secondary index's own table ("<table>/<index>"),
// the name of its table; empty otherwise.
void WriteTable(JsonWriter& w, const cluster::TableInfo& t, const std::string& index_of,
                const std::map<uint64_t, const cluster::PartitionScrub*>& scrub) {
  w.StartObject();
  w.Key("name");  // namespace/name
  w.String(t.meta.name);
  w.Key("id");
  w.Uint64(t.meta.id);
  if (!index_of.empty()) {
    w.Key("globalIndexOf");
    w.String(index_of);
  }
  w.Key("partitions");
  w.StartArray();
  for (const cluster::PartitionInfo& p : t.partitions) {
    w.StartObject();
    w.Key("group");
    w.Uint64(p.group);
    // Hash ranges as hex: JSON numbers lose 64-bit precision in browsers.
    char lo[17], hi[17];
    std::snprintf(lo, sizeof lo, "%016llx", static_cast<unsigned long long>(p.hash_lo));
    std::snprintf(hi, sizeof hi, "%016llx", static_cast<unsigned long long>(p.hash_hi));
    w.Key("hashLo");
    w.String(lo);
    w.Key("hashHi");
    w.String(hi);
    w.Key("members");
    w.StartArray();
    for (uint32_t m : p.members) w.Uint(m);
    w.EndArray();
    w.Key("logMembers");
    w.StartArray();
    for (uint32_t m : p.log_members) w.Uint(m);
    w.EndArray();
    // The leader's view; all absent while the group has no leader.
    if (p.leader != 0) {
      w.Key("leader");
      w.Uint(p.leader);
      w.Key("leaseMsLeft");
      w.Int64(p.lease_ms_left);
      w.Key("quiescent");
      w.Bool(p.quiescent);
      w.Key("itemCount");
      w.Uint64(p.item_count);
      w.Key("sizeBytes");
      w.Uint64(p.size_bytes);
    }
    if (auto it = scrub.find(p.group); it != scrub.end()) {
      w.Key("scrub");
      w.StartObject();
      WriteScrubMembers(w, *it->second);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

HttpResponse Snapshot(cluster::Cluster* cluster) {
  cluster::ClusterSnapshot snap = cluster->Snapshot();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("nodes");
  w.StartArray();
  for (const auto& n : snap.nodes) WriteNode(w, n);
  w.EndArray();
  w.Key("network");
  w.StartObject();
  w.Key("partition");
  w.StartArray();
  for (const auto& group : snap.network.partition) {
    w.StartArray();
    for (const std::string& name : group) w.String(name);
    w.EndArray();
  }
  w.EndArray();
  w.Key("dropRate");
  w.Double(snap.network.drop_rate);
  w.Key("delayMs");
  w.Int(snap.network.delay_ms);
  w.Key("corruptRate");
  w.Double(snap.network.corrupt_rate);
  w.Key("messagesSent");
  w.Uint64(snap.messages_sent);
  w.Key("messagesDropped");
  w.Uint64(snap.messages_dropped);
  w.Key("messagesCorrupted");
  w.Uint64(snap.messages_corrupted);
  w.EndObject();
  w.Key("indexPropagationPaused");
  w.Bool(snap.index_propagation_paused);
  w.Key("healPasses");
  w.Uint64(snap.heal_passes);
  std::map<uint64_t, const cluster::PartitionScrub*> scrub;
  for (const auto& p : snap.scrub.partitions) scrub[p.group] = &p;
  w.Key("staleReadsMs");
  w.Int(snap.stale_reads_ms);
  w.Key("tables");
  w.StartArray();
  // A global index's table is named "<table's full name>/<index>" (table
  // names hold no '/'), derived from the names alone: no schema is parsed.
  std::set<std::string> names;
  for (const auto& t : snap.tables) names.insert(t.meta.name);
  for (const auto& t : snap.tables) {
    const std::string& name = t.meta.name;
    const size_t slash = name.rfind('/');
    std::string index_of;
    if (slash != std::string::npos && names.count(name.substr(0, slash)) != 0) {
      const std::string base = name.substr(0, slash);
      index_of = base.substr(base.rfind('/') == std::string::npos ? 0 : base.rfind('/') + 1);
    }
    WriteTable(w, t, index_of, scrub);
  }
  w.EndArray();
  w.Key("scrubAlarms");
  WriteAlarms(w, snap.scrub.alarms);
  w.Key("memds");
  w.StartArray();
  for (uint64_t lookups : snap.memds_lookups) {
    w.StartObject();
    w.Key("lookups");
    w.Uint64(lookups);
    w.EndObject();
  }
  w.EndArray();
  w.Key("routers");
  w.StartArray();
  for (size_t i = 0; i < snap.router_cache.size(); ++i) {
    w.StartObject();
    w.Key("cacheHits");
    w.Uint64(snap.router_cache[i].first);
    w.Key("cacheMisses");
    w.Uint64(snap.router_cache[i].second);
    w.Key("backoffs");
    w.Uint64(i < snap.router_backoffs.size() ? snap.router_backoffs[i] : 0);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return HttpResponse{200, buf.GetString()};
}

HttpResponse Power(cluster::Cluster* cluster, bool on, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string target;
  auto got = GetString(doc, "target", &target);
  if (!got.ok() || !*got) return Fail(400, "\"target\" (a node or AZ name) is required");
  Status s = on ? cluster->PowerOn(target) : cluster->PowerOff(target);
  if (s.IsNotFound()) return Fail(404, s.message());
  if (!s.ok()) return Fail(500, s.ToString());
  return HttpResponse{200, "{}"};
}

// Replaces the network faults; see admin.h.
HttpResponse Network(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body.empty() ? "{}" : body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  cluster::NetworkFaults faults;
  if (const JsonValue* p = Member(doc, "partition")) {
    if (!p->IsArray()) return Fail(400, "\"partition\" must be a list of lists of node or AZ names");
    for (const JsonValue& group : p->GetArray()) {
      if (!group.IsArray()) return Fail(400, "\"partition\" must be a list of lists of node or AZ names");
      std::vector<std::string> names;
      for (const JsonValue& n : group.GetArray()) {
        if (!n.IsString()) return Fail(400, "node and AZ names are strings");
        names.emplace_back(n.GetString());
      }
      faults.partition.push_back(std::move(names));
    }
  }
  if (const JsonValue* d = Member(doc, "dropRate")) {
    if (!d->IsNumber() || d->GetDouble() < 0 || d->GetDouble() > 1) return Fail(400, "\"dropRate\" is from 0 to 1");
    faults.drop_rate = d->GetDouble();
  }
  if (const JsonValue* c = Member(doc, "corruptRate")) {
    if (!c->IsNumber() || c->GetDouble() < 0 || c->GetDouble() > 1) return Fail(400, "\"corruptRate\" is from 0 to 1");
    faults.corrupt_rate = c->GetDouble();
  }
  int64_t delay = 0;
  auto got = GetInt64(doc, "delayMs", &delay);
  if (!got.ok() || delay < 0 || delay > 10000) return Fail(400, "\"delayMs\" is from 0 to 10000");
  faults.delay_ms = static_cast<int>(delay);
  Status s = cluster->SetNetwork(faults);
  if (s.IsNotFound()) return Fail(404, s.message());
  if (!s.ok()) return Fail(500, s.ToString());
  return HttpResponse{200, "{}"};
}

HttpResponse SlowDisk(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string target;
  int64_t delay = 0;
  auto t = GetString(doc, "target", &target);
  auto d = GetInt64(doc, "delayMs", &delay);
  if (!t.ok() || !*t) return Fail(400, "\"target\" (a node or AZ name) is required");
  if (!d.ok() || delay < 0 || delay > 10000) return Fail(400, "\"delayMs\" is from 0 to 10000");
  Status s = cluster->SetDiskDelay(target, static_cast<int>(delay));
  if (s.IsNotFound()) return Fail(404, s.message());
  return HttpResponse{200, "{}"};
}

HttpResponse IndexPropagation(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  bool paused = false;
  auto p = GetBool(doc, "paused", &paused);
  if (!p.ok() || !*p) return Fail(400, "\"paused\" (true or false) is required");
  cluster->PauseIndexPropagation(paused);
  return HttpResponse{200, "{}"};
}

HttpResponse StaleReads(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  int64_t delay = 0;
  auto got = GetInt64(doc, "delayMs", &delay);
  if (!got.ok() || !*got || delay < 0 || delay > 60000) return Fail(400, "\"delayMs\" is from 0 to 60000");
  Status s = cluster->SetStaleReads(static_cast<int>(delay));
  if (!s.ok()) return Fail(500, s.ToString());
  return HttpResponse{200, "{}"};
}

// Deletes tables, or one table's items; see admin.h.
HttpResponse Reset(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body.empty() ? "{}" : body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string ns, table;
  auto n = GetString(doc, "namespace", &ns);
  auto t = GetString(doc, "table", &table);
  if (!n.ok() || !t.ok()) return Fail(400, "\"namespace\" and \"table\" must be strings");
  const std::string prefix = ns.empty() ? "" : ns + "/";
  if (*t) {
    auto meta = cluster->GetTable(prefix + table);
    if (!meta.ok()) return Fail(404, "no table " + table + (ns.empty() ? "" : " in namespace " + ns));
    Status s = cluster->Truncate(*meta);
    if (!s.ok()) return Fail(500, s.ToString());
    // Its global indexes' tables ("<table>/<index>").
    for (const cluster::TableMeta& index : cluster->ListTables(prefix + table + "/")) {
      s = cluster->Truncate(index);
      if (!s.ok()) return Fail(500, s.ToString());
    }
    return HttpResponse{200, "{\"truncated\":1}"};
  }
  size_t deleted = 0;
  for (const cluster::TableMeta& m : cluster->ListTables(prefix)) {
    auto gone = cluster->DeleteTable(m.name);
    if (!gone.ok() && !gone.status().IsNotFound()) return Fail(500, gone.status().ToString());
    deleted += gone.ok() ? 1 : 0;
  }
  return HttpResponse{200, "{\"deleted\":" + std::to_string(deleted) + "}"};
}

// Scrubs now: every table, or {"namespace": ..., "table": "T"}.
HttpResponse ScrubNow(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body.empty() ? "{}" : body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string ns, table;
  auto n = GetString(doc, "namespace", &ns);
  auto t = GetString(doc, "table", &table);
  if (!n.ok() || !t.ok()) return Fail(400, "\"namespace\" and \"table\" must be strings");
  std::string name;
  if (*t) name = (ns.empty() ? "" : ns + "/") + table;
  auto report = cluster->ScrubNow(name);
  if (report.status().IsNotFound()) return Fail(404, "no table " + table + (ns.empty() ? "" : " in namespace " + ns));
  if (!report.ok()) return Fail(500, report.status().ToString());
  return ScrubJson(*report);
}

// Bit rot: {"node": "az-b-node-1", "partition": 3, "pick": 0}.
HttpResponse BitRot(cluster::Cluster* cluster, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string node;
  int64_t group = 0, pick = 0;
  auto n = GetString(doc, "node", &node);
  auto g = GetInt64(doc, "partition", &group);
  auto k = GetInt64(doc, "pick", &pick);
  if (!n.ok() || !*n) return Fail(400, "\"node\" (a node name) is required");
  if (!g.ok() || !*g || group <= 0) return Fail(400, "\"partition\" (a partition's group number) is required");
  if (!k.ok() || pick < 0) return Fail(400, "\"pick\" is a number from 0");
  auto rot = cluster->FlipItemBit(node, static_cast<uint64_t>(group), static_cast<uint64_t>(pick));
  if (rot.status().IsNotFound()) return Fail(404, rot.status().message());
  if (!rot.ok()) return Fail(500, rot.status().ToString());
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("node");
  w.Uint(rot->node);
  w.Key("partition");
  w.Uint64(rot->group);
  w.Key("hashKeyHex");
  w.String(Hex(rot->key.hash));
  w.Key("rangeKeyHex");
  w.String(Hex(rot->key.range));
  w.EndObject();
  return HttpResponse{200, buf.GetString()};
}

HttpResponse AddFault(FaultRules* faults, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  auto rule = FaultRules::Parse(doc);
  if (!rule.ok()) return Fail(400, rule.error().message);
  uint64_t id = faults->Add(std::move(*rule));
  return HttpResponse{200, "{\"id\":" + std::to_string(id) + "}"};
}

// DELETE /admin/faults/ID removes one rule; DELETE /admin/faults all of them.
HttpResponse RemoveFault(FaultRules* faults, const std::string& path) {
  const std::string prefix = "/admin/faults/";
  if (path == "/admin/faults") return HttpResponse{200, "{\"removed\":" + std::to_string(faults->Clear()) + "}"};
  std::string id = path.substr(prefix.size());
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(404, "no fault rule " + id);
  }
  if (!faults->Remove(std::stoull(id))) return Fail(404, "no fault rule " + id);
  return HttpResponse{200, "{\"removed\":1}"};
}

// Items in DynamoDB JSON lines into one table, with the -seed loader.
HttpResponse Import(Handler* handler, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string ns, table, lines, source = "import";
  int64_t first_line = 1;
  auto n = GetString(doc, "namespace", &ns);
  auto t = GetString(doc, "table", &table);
  auto l = GetString(doc, "lines", &lines);
  auto s = GetString(doc, "source", &source);
  auto f = GetInt64(doc, "firstLine", &first_line);
  if (!n.ok() || !t.ok() || !l.ok() || !s.ok()) return Fail(400, "\"namespace\", \"table\", \"lines\" and \"source\" are strings");
  if (!*t || !*l) return Fail(400, "\"table\" and \"lines\" (DynamoDB JSON lines) are required");
  if (!f.ok() || first_line < 1) return Fail(400, "\"firstLine\" is a line number from 1");
  std::string prefix;
  if (!ns.empty()) {
    size_t underscore = ns.rfind('_');
    if (underscore == std::string::npos) return Fail(400, "\"namespace\" is \"<access key id>_<region>\"");
    prefix = handler->Namespace(ns.substr(0, underscore), ns.substr(underscore + 1));
  }
  // Blank lines keep the numbers of a chunk's lines those of the whole file.
  std::istringstream in(std::string(static_cast<size_t>(first_line - 1), '\n') + lines);
  SeedReport report;
  RequestGate::Pass pass(handler->gate());  // not during a snapshot or restore
  Status loaded = Seeder(handler, prefix).LoadItems(in, table, source, &report);
  if (!loaded.ok()) return Fail(400, loaded.message());
  return HttpResponse{200, "{\"items\":" + std::to_string(report.items) + "}"};
}

bool ValidSnapshotName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
         std::string::npos;
}

HttpResponse ListSnapshots(cluster::Cluster* cluster) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("snapshots");
  w.StartArray();
  for (const cluster::SnapshotInfo& s : cluster->ListSnapshots()) {
    w.StartObject();
    w.Key("name");
    w.String(s.name);
    w.Key("createdMs");
    w.Int64(s.created_ms);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return HttpResponse{200, buf.GetString()};
}

// Takes or restores a snapshot with the handler's gate closed: no request is
// in flight meanwhile, and requests that arrive wait (api/request_gate.h).
HttpResponse SnapshotOp(cluster::Cluster* cluster, Handler* handler, bool restore, const std::string& body) {
  rapidjson::Document doc;
  if (!ParseBody(body, &doc).ok()) return Fail(400, "the body must be a JSON object");
  std::string name;
  auto got = GetString(doc, "name", &name);
  if (!got.ok() || !*got || !ValidSnapshotName(name)) {
    return Fail(400, "\"name\" is 1 to 255 letters, digits, '_', '.' or '-'");
  }
  const auto start = std::chrono::steady_clock::now();
  Status s;
  {
    RequestGate::Closed closed(handler->gate());
    s = restore ? cluster->RestoreSnapshot(name) : cluster->SaveSnapshot(name);
  }
  if (s.IsNotFound()) return Fail(404, s.message());
  if (s.IsBusy()) return Fail(409, s.message());
  if (!s.ok()) return Fail(500, s.ToString());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char out[64];
  std::snprintf(out, sizeof out, "{\"ms\":%.1f}", ms);
  return HttpResponse{200, out};
}

bool IsFaultInjection(const std::string& method, const std::string& path) {
  if (method == "GET") return false;
  return path == "/admin/power-off" || path == "/admin/power-on" || path == "/admin/network" ||
         path == "/admin/slow-disk" || path == "/admin/stale-reads" || path == "/admin/bit-rot" ||
         path == "/admin/index-propagation" || path.compare(0, 13, "/admin/faults") == 0;
}

}  // namespace

HttpResponse AdminHandler::Handle(const std::string& method, const std::string& path,
                                  const std::string& body) {
  if (!fault_injection_ && IsFaultInjection(method, path)) {
    return Fail(403,
                "fault injection is off because ddb-local is not bound to a loopback address; "
                "start it with -faultInjection to allow it");
  }
  if (method == "GET" && path == "/admin/cluster") return Snapshot(cluster_);
  if (method == "GET" && path == "/admin/faults") return HttpResponse{200, faults_->ToJson()};
  if (method == "POST" && path == "/admin/faults") return AddFault(faults_, body);
  if (method == "DELETE" && path.compare(0, 13, "/admin/faults") == 0) return RemoveFault(faults_, path);
  if (method == "GET" && path == "/admin/metrics") return HttpResponse{200, metrics_->ToJson()};
  if (method == "POST" && path == "/admin/power-off") return Power(cluster_, false, body);
  if (method == "POST" && path == "/admin/power-on") return Power(cluster_, true, body);
  if (method == "POST" && path == "/admin/index-propagation") return IndexPropagation(cluster_, body);
  if (method == "POST" && path == "/admin/network") return Network(cluster_, body);
  if (method == "POST" && path == "/admin/slow-disk") return SlowDisk(cluster_, body);
  if (method == "GET" && path == "/admin/scrub") return ScrubJson(cluster_->ScrubState());
  if (method == "POST" && path == "/admin/scrub") return ScrubNow(cluster_, body);
  if (method == "POST" && path == "/admin/bit-rot") return BitRot(cluster_, body);
  if (method == "POST" && path == "/admin/archive") {
    Status s = cluster_->ArchiveNow();
    return s.ok() ? HttpResponse{200, "{}"} : Fail(500, s.ToString());
  }
  if (method == "POST" && path == "/admin/reset") {
    if (handler_ == nullptr) return Reset(cluster_, body);
    RequestGate::Pass pass(handler_->gate());  // not during a snapshot or restore
    return Reset(cluster_, body);
  }
  if (method == "POST" && path == "/admin/import" && handler_ != nullptr) return Import(handler_, body);
  if (method == "GET" && path == "/admin/snapshots") return ListSnapshots(cluster_);
  if (method == "POST" && path == "/admin/snapshot" && handler_ != nullptr) {
    return SnapshotOp(cluster_, handler_, false, body);
  }
  if (method == "POST" && path == "/admin/restore" && handler_ != nullptr) {
    return SnapshotOp(cluster_, handler_, true, body);
  }
  if (method == "DELETE" && path.compare(0, 17, "/admin/snapshots/") == 0) {
    Status s = cluster_->DeleteSnapshot(path.substr(17));
    if (!s.ok()) return Fail(404, s.message());
    return HttpResponse{200, "{}"};
  }
  if (method == "POST" && path == "/admin/stale-reads") return StaleReads(cluster_, body);
  return Fail(404, "no such admin endpoint: " + method + " " + path);
}

}  // namespace ddb::api
