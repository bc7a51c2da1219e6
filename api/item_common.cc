// Helpers every item operation shares: attribute name limits, capacity
// units, AttributesToGet.
#include <algorithm>
#include <cmath>

#include "api/operations.h"
#include "api/secondary_index.h"

namespace ddb::api {

ApiResult<bool> CheckAttributeNames(const Item& item) {
  for (const auto& entry : item) {
    if (entry.first.empty()) {
      return Error::Validation("One or more parameter values were invalid: Empty attribute name");
    }
    if (entry.first.size() > 65535) {
      return Error::Validation(
          "One or more parameter values were invalid: Attribute name is too large, must be less than 65536 bytes");
    }
  }
  return true;
}

double WriteUnits(size_t bytes) { return std::max(1.0, std::ceil(static_cast<double>(bytes) / 1024.0)); }

double ReadUnits(size_t bytes, bool consistent) {
  double units = std::max(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2;
}

double Consumed::Total() const {
  double total = table;
  for (const auto& [name, units] : global) total += units;
  for (const auto& [name, units] : local) total += units;
  return total;
}

void Consumed::Add(const Consumed& other) {
  table += other.table;
  for (const auto& [name, units] : other.global) global[name] += units;
  for (const auto& [name, units] : other.local) local[name] += units;
}

Consumed ConsumedByWrite(const Item* old, const Item* next, const std::vector<IndexChange>& changes) {
  Consumed out;
  out.table = WriteUnits(std::max(old ? ItemSize(*old) : 0, next ? ItemSize(*next) : 0));
  // A delete of the old row, a put of the new one, or both.
  for (const IndexChange& c : changes) {
    double units = 0;
    if (c.erases()) units += WriteUnits(ItemSize(c.before->item));
    if (c.after) units += WriteUnits(ItemSize(c.after->item));
    (c.index->global ? out.global : out.local)[c.index->name] += units;
  }
  return out;
}

namespace {

// "CapacityUnits": units, and the same again as ReadCapacityUnits or
// WriteCapacityUnits for a named kind.
void WriteUnitsMembers(JsonWriter& w, double units, UnitKind kind) {
  w.Key("CapacityUnits");
  w.Double(units);
  if (kind == UnitKind::kUnnamed) return;
  w.Key(kind == UnitKind::kRead ? "ReadCapacityUnits" : "WriteCapacityUnits");
  w.Double(units);
}

void WriteIndexShares(JsonWriter& w, const char* key, const std::map<std::string, double>& shares, UnitKind kind) {
  if (shares.empty()) return;
  w.Key(key);
  w.StartObject();
  for (const auto& [name, units] : shares) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartObject();
    WriteUnitsMembers(w, units, kind);
    w.EndObject();
  }
  w.EndObject();
}

// One table's ConsumedCapacity object.
void WriteCapacityEntry(JsonWriter& w, const std::string& table, const std::string& mode, const Consumed& units,
                        UnitKind kind) {
  w.StartObject();
  w.Key("TableName");
  w.String(table);
  WriteUnitsMembers(w, units.Total(), kind);
  if (mode == "INDEXES") {
    w.Key("Table");
    w.StartObject();
    WriteUnitsMembers(w, units.table, kind);
    w.EndObject();
    WriteIndexShares(w, "GlobalSecondaryIndexes", units.global, kind);
    WriteIndexShares(w, "LocalSecondaryIndexes", units.local, kind);
  }
  w.EndObject();
}

}  // namespace

void WriteConsumedCapacity(JsonWriter& w, const std::string& table, const std::string& mode, const Consumed& units) {
  if (mode == "NONE") return;
  w.Key("ConsumedCapacity");
  WriteCapacityEntry(w, table, mode, units, UnitKind::kUnnamed);
}

void WriteConsumedCapacity(JsonWriter& w, const std::string& table, const std::string& mode, double units) {
  WriteConsumedCapacity(w, table, mode, Consumed(units));
}

void WriteConsumedCapacityList(JsonWriter& w, const std::string& mode,
                               const std::vector<std::pair<std::string, Consumed>>& tables, UnitKind kind) {
  if (mode == "NONE") return;
  w.Key("ConsumedCapacity");
  w.StartArray();
  for (const auto& [table, units] : tables) WriteCapacityEntry(w, table, mode, units, kind);
  w.EndArray();
}

Item ProjectAttributes(Item item, const std::vector<std::string>& names) {
  if (names.empty()) return item;
  Item out;
  for (const std::string& n : names) {
    auto it = item.find(n);
    if (it != item.end()) out.emplace(n, std::move(it->second));
  }
  return out;
}

}  // namespace ddb::api
