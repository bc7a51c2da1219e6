// Applying a validated update to an item, with DynamoDB's semantics:
//   - every SET value is computed from the item as it was before the update;
//   - list indexes name positions in the lists as they were: REMOVE marks an
//     element, SET past the end records an append, and only after all actions
//     are marked elements dropped and appends added in index order, deepest
//     lists first (so "REMOVE a[1] SET a[3] = :v" sets the old a[3]);
//   - a path whose parent is missing or of the wrong kind is "The document
//     path provided in the update expression is invalid for update", except
//     that REMOVE on an item that does not exist does nothing;
//   - DELETE that empties a set removes the attribute; ADD on a missing
//     attribute creates it.
// Run-time messages are DynamoDB's (DynamoDB Local's error table, dynalite's
// suite); "Type mismatch for attribute to update" is AttributeUpdates' wording
// per dynalite. Not confirmed: DELETE through a missing parent of an item that
// does not exist being an error like SET's.
//
// Thread safety: pure functions.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "api/expression_internal.h"
#include "base/check.h"
#include "base/number.h"

namespace ddb::api {
namespace {

constexpr char kMissingAttribute[] = "The provided expression refers to an attribute that does not exist in the item";
constexpr char kWrongType[] = "An operand in the update expression has an incorrect data type";
constexpr char kBadPath[] = "The document path provided in the update expression is invalid for update";
constexpr char kLegacyMismatch[] = "Type mismatch for attribute to update";

using Map = std::map<std::string, AttributeValue>;
using List = std::vector<AttributeValue>;

ApiResult<AttributeValue> Arithmetic(const AttributeValue& a, const AttributeValue& b, bool add) {
  if (a.type != AttrType::kN || b.type != AttrType::kN) return Error::Validation(kWrongType);
  Result<Number> x = Number::Parse(a.scalar);
  Result<Number> y = Number::Parse(b.scalar);
  CHECK(x.ok() && y.ok());  // the model holds only canonical numbers
  Result<Number> sum = add ? x->Add(*y) : x->Subtract(*y);
  if (!sum.ok()) return Error::Validation(sum.status().message());
  return AttributeValue::N(sum->ToString());
}

ApiResult<AttributeValue> SetValue(const Operand& op, const Item& item) {
  if (op.kind == Operand::Kind::kValue) return op.value;
  if (op.kind == Operand::Kind::kPath) {
    const AttributeValue* v = FindPath(item, op.path);
    if (v == nullptr) return Error::Validation(kMissingAttribute);
    return *v;
  }
  if (op.function == "if_not_exists") {
    const AttributeValue* v = FindPath(item, op.args[0].path);
    return v != nullptr ? ApiResult<AttributeValue>(*v) : SetValue(op.args[1], item);
  }
  ApiResult<AttributeValue> a = SetValue(op.args[0], item);
  if (!a.ok()) return a;
  ApiResult<AttributeValue> b = SetValue(op.args[1], item);
  if (!b.ok()) return b;
  if (op.function != "list_append") return Arithmetic(*a, *b, op.function == "+");
  if (a->type != AttrType::kL || b->type != AttrType::kL) return Error::Validation(kWrongType);
  List joined = std::move(a->list);
  std::move(b->list.begin(), b->list.end(), std::back_inserter(joined));
  return AttributeValue::L(std::move(joined));
}

AttributeValue SetUnion(const AttributeValue& a, const AttributeValue& b) {
  std::vector<std::string> out;
  std::set_union(a.set.begin(), a.set.end(), b.set.begin(), b.set.end(), std::back_inserter(out));
  AttributeValue v = a;
  v.set = std::move(out);
  return v;
}

AttributeValue SetDifference(const AttributeValue& a, const AttributeValue& b) {
  std::vector<std::string> out;
  std::set_difference(a.set.begin(), a.set.end(), b.set.begin(), b.set.end(), std::back_inserter(out));
  AttributeValue v = a;
  v.set = std::move(out);
  return v;
}

// Where an action's last path element lives: a map (the item or an M) or a list.
struct Slot {
  Map* map = nullptr;
  List* list = nullptr;
  size_t list_depth = 0;
  const PathElement* element = nullptr;
};

class Applier {
 public:
  Applier(const Item& start, bool existed, bool legacy) : item_(start), existed_(existed), legacy_(legacy) {}

  ApiResult<Item> Run(const UpdateExpression& update) {
    std::vector<AttributeValue> values;
    for (const UpdateAction& a : update.actions) {
      if (a.kind != UpdateAction::Kind::kSet) continue;
      ApiResult<AttributeValue> v = SetValue(a.value, item_);
      if (!v.ok()) return v.error();
      values.push_back(std::move(*v));
    }
    size_t next_value = 0;
    for (const UpdateAction& a : update.actions) {
      AttributeValue* set_value = a.kind == UpdateAction::Kind::kSet ? &values[next_value++] : nullptr;
      ApiResult<bool> done = Apply(a, set_value);
      if (!done.ok()) return done.error();
    }
    CompactLists();
    return std::move(item_);
  }

 private:
  struct ListEdits {
    size_t depth = 0;
    std::set<uint32_t> removed;
    std::map<uint32_t, AttributeValue> appended;
  };

  // Finds the container of the path's last element; false when a step is
  // missing or of the wrong kind.
  bool Locate(const Path& path, Slot* slot) {
    Map* map = &item_;
    List* list = nullptr;
    for (size_t i = 0; i + 1 < path.elements.size(); ++i) {
      AttributeValue* v = Child(map, list, path.elements[i]);
      bool wants_list = path.elements[i + 1].is_index;
      if (v == nullptr || v->type != (wants_list ? AttrType::kL : AttrType::kM)) return false;
      map = wants_list ? nullptr : &v->map;
      list = wants_list ? &v->list : nullptr;
      slot->list_depth = i + 1;
    }
    slot->map = map;
    slot->list = list;
    slot->element = &path.elements.back();
    return true;
  }

  static AttributeValue* Child(Map* map, List* list, const PathElement& e) {
    if (map != nullptr) {
      auto it = map->find(e.name);
      return it == map->end() ? nullptr : &it->second;
    }
    return e.index < list->size() ? &(*list)[e.index] : nullptr;
  }

  void Store(const Slot& s, AttributeValue v) {
    if (s.map != nullptr) {
      (*s.map)[s.element->name] = std::move(v);
    } else if (s.element->index < s.list->size()) {
      (*s.list)[s.element->index] = std::move(v);
    } else {
      Edits(s).appended[s.element->index] = std::move(v);
    }
  }

  void Erase(const Slot& s) {
    if (s.map != nullptr) {
      s.map->erase(s.element->name);
    } else if (s.element->index < s.list->size()) {
      Edits(s).removed.insert(s.element->index);
    }
  }

  ListEdits& Edits(const Slot& s) {
    ListEdits& e = lists_[s.list];
    e.depth = s.list_depth;
    return e;
  }

  ApiResult<bool> Apply(const UpdateAction& a, AttributeValue* set_value) {
    Slot slot;
    if (!Locate(a.path, &slot)) {
      if (a.kind == UpdateAction::Kind::kRemove && !existed_) return true;
      return Error::Validation(kBadPath);
    }
    switch (a.kind) {
      case UpdateAction::Kind::kSet: Store(slot, std::move(*set_value)); return true;
      case UpdateAction::Kind::kRemove: Erase(slot); return true;
      case UpdateAction::Kind::kAdd: return Add(slot, a.value.value);
      case UpdateAction::Kind::kDelete: return Delete(slot, a.value.value);
    }
    return true;
  }

  Error Mismatch() const { return Error::Validation(legacy_ ? kLegacyMismatch : kWrongType); }

  ApiResult<bool> Add(const Slot& slot, const AttributeValue& value) {
    AttributeValue* existing = Child(slot.map, slot.list, *slot.element);
    if (existing == nullptr) {
      Store(slot, value);
      return true;
    }
    if (existing->type != value.type) return Mismatch();
    if (value.type == AttrType::kN) {
      ApiResult<AttributeValue> sum = Arithmetic(*existing, value, true);
      if (!sum.ok()) return sum.error();
      *existing = std::move(*sum);
    } else if (value.type == AttrType::kL) {
      existing->list.insert(existing->list.end(), value.list.begin(), value.list.end());
    } else {
      *existing = SetUnion(*existing, value);
    }
    return true;
  }

  ApiResult<bool> Delete(const Slot& slot, const AttributeValue& value) {
    AttributeValue* existing = Child(slot.map, slot.list, *slot.element);
    if (existing == nullptr) return true;
    if (existing->type != value.type) return Mismatch();
    AttributeValue rest = SetDifference(*existing, value);
    if (rest.set.empty()) {
      Erase(slot);
    } else {
      *existing = std::move(rest);
    }
    return true;
  }

  // Deepest lists first: compacting an outer list moves the inner ones.
  void CompactLists() {
    std::vector<std::pair<List*, ListEdits*>> order;
    for (auto& [list, edits] : lists_) order.emplace_back(list, &edits);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.second->depth > b.second->depth; });
    for (auto& [list, edits] : order) {
      for (auto it = edits->removed.rbegin(); it != edits->removed.rend(); ++it) list->erase(list->begin() + *it);
      for (auto& [index, value] : edits->appended) list->push_back(std::move(value));
    }
  }

  Item item_;
  bool existed_;
  bool legacy_;
  std::map<List*, ListEdits> lists_;
};

}  // namespace

ApiResult<Item> ApplyUpdate(const UpdateExpression& update, const Item* old_item, const Item& key) {
  Applier applier(old_item != nullptr ? *old_item : key, old_item != nullptr, update.legacy);
  return applier.Run(update);
}

}  // namespace ddb::api
