// Helpers every item operation shares: attribute name limits, capacity
// units, AttributesToGet.
#include <cmath>

#include "api/operations.h"

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

namespace {

// One table's ConsumedCapacity object.
void WriteCapacityEntry(JsonWriter& w, const std::string& table, const std::string& mode, double units) {
  w.StartObject();
  w.Key("TableName");
  w.String(table);
  w.Key("CapacityUnits");
  w.Double(units);
  if (mode == "INDEXES") {
    w.Key("Table");
    w.StartObject();
    w.Key("CapacityUnits");
    w.Double(units);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

void WriteConsumedCapacity(JsonWriter& w, const std::string& table, const std::string& mode, double units) {
  if (mode == "NONE") return;
  w.Key("ConsumedCapacity");
  WriteCapacityEntry(w, table, mode, units);
}

void WriteConsumedCapacityList(JsonWriter& w, const std::string& mode,
                               const std::vector<std::pair<std::string, double>>& tables) {
  if (mode == "NONE") return;
  w.Key("ConsumedCapacity");
  w.StartArray();
  for (const auto& [table, units] : tables) WriteCapacityEntry(w, table, mode, units);
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
