// Query: the items of one partition key, in sort key order (or reverse),
// within the key condition's sort key range, paged, filtered and projected.
#include "api/read_request.h"
#include "api/secondary_index.h"

namespace ddb::api {

namespace {

// The smallest byte string greater than every string that starts with
// `prefix`; nullopt when there is none (all bytes 0xFF).
std::optional<std::string> PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::string Shown(const AttributeValue& v) {
  return std::string("AttributeValue: {") + TypeName(v.type) + ":" + v.scalar + "}";
}

// The sort key bounds of the range condition.
ApiResult<bool> SetBounds(const KeyTerm& term, cluster::QuerySpec* spec) {
  std::string a = EncodeKeyValue(term.values[0]);
  switch (term.op) {
    case ComparisonOperator::kEq:
      spec->lower = cluster::SortBound{a, true};
      spec->upper = cluster::SortBound{a, true};
      break;
    case ComparisonOperator::kLt: spec->upper = cluster::SortBound{a, false}; break;
    case ComparisonOperator::kLe: spec->upper = cluster::SortBound{a, true}; break;
    case ComparisonOperator::kGt: spec->lower = cluster::SortBound{a, false}; break;
    case ComparisonOperator::kGe: spec->lower = cluster::SortBound{a, true}; break;
    case ComparisonOperator::kBetween: {
      std::string b = EncodeKeyValue(term.values[1]);
      if (b < a) {
        return Error::Validation(
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal "
            "to lower bound; lower bound operand: " + Shown(term.values[0]) + ", upper bound operand: " +
            Shown(term.values[1]));
      }
      spec->lower = cluster::SortBound{a, true};
      spec->upper = cluster::SortBound{b, true};
      break;
    }
    case ComparisonOperator::kBeginsWith: {
      spec->lower = cluster::SortBound{a, true};
      if (auto end = PrefixEnd(a)) spec->upper = cluster::SortBound{*end, false};
      break;
    }
    default:
      return Error::Validation("Query key condition not supported");
  }
  return true;
}

// The bounds on an index's (last queried) sort key attribute as bounds on
// its rows' keys, which start with Component(s1) + .. + Component(sk)
// (secondary_index.h); `prefix` is the Components of the sort attributes
// before it, all given by equality. Component keeps the order, and every row
// of one value v lies in [prefix + Component(v), PrefixEnd(prefix + Component(v))).
void ToIndexBounds(const std::string& prefix, cluster::QuerySpec* spec) {
  if (spec->lower) {
    std::string c = prefix + Component(spec->lower->value);
    spec->lower = cluster::SortBound{spec->lower->inclusive ? c : *PrefixEnd(c), true};
  } else if (!prefix.empty()) {
    spec->lower = cluster::SortBound{prefix, true};
  }
  if (spec->upper) {
    std::string c = prefix + Component(spec->upper->value);
    spec->upper = cluster::SortBound{spec->upper->inclusive ? *PrefixEnd(c) : c, false};
  } else if (!prefix.empty()) {
    spec->upper = cluster::SortBound{*PrefixEnd(prefix), false};
  }
}

// The row hash and sort bounds of a Query of a global index with
// multi-attribute keys (the row key as IndexRowOf builds it).
ApiResult<bool> SetMultiKeyBounds(const IndexDef& index, const MultiKeyCondition& kc, cluster::QuerySpec* spec) {
  for (const KeyTerm& t : kc.hash) {
    std::string v = EncodeKeyValue(t.values[0]);
    spec->hash += index.hash.size() == 1 ? v : Component(v);
  }
  if (kc.range.empty()) return true;
  std::string prefix;
  for (size_t i = 0; i + 1 < kc.range.size(); ++i) prefix += Component(EncodeKeyValue(kc.range[i].values[0]));
  auto bounds = SetBounds(kc.range.back(), spec);
  if (!bounds.ok()) return bounds.error();
  ToIndexBounds(prefix, spec);
  return true;
}

std::vector<KeyAttribute> Attributes(const std::vector<KeyDef>& keys) {
  std::vector<KeyAttribute> out;
  for (const KeyDef& k : keys) out.push_back(KeyAttribute{k.name, k.type});
  return out;
}

// True when a resume point lies within the sort key bounds.
bool WithinBounds(const cluster::QuerySpec& spec, const std::string& at) {
  if (spec.lower && (spec.lower->inclusive ? at < spec.lower->value : at <= spec.lower->value)) return false;
  if (spec.upper && (spec.upper->inclusive ? at > spec.upper->value : at >= spec.upper->value)) return false;
  return true;
}

// DynamoDB refuses filters on the key attributes of a Query (of the index
// queried, for an index).
ApiResult<bool> CheckFilter(const ReadRequest& r, const std::vector<KeyDef>& keys) {
  if (!r.filter) return true;
  for (const std::string& a : ConditionAttributes(*r.filter)) {
    bool is_key = false;
    for (const KeyDef& k : keys) is_key |= a == k.name;
    if (is_key) {
      return Error::Validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " + a);
    }
  }
  return true;
}

}  // namespace

ApiResult<std::string> Query(Context& ctx, const JsonValue& req) {
  auto r = ParseReadRequest(req, /*is_query=*/true);
  if (!r.ok()) return r.error();
  auto t = ResolveTable(ctx, r->table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  const TableSchema& s = *t->schema;
  auto target = ResolveReadTarget(ctx, *r, *t);
  if (!target.ok()) return target.error();
  const IndexDef* index = target->index;
  std::vector<KeyDef> keys = index ? index->hash : std::vector<KeyDef>{s.hash};
  if (index) keys.insert(keys.end(), index->range.begin(), index->range.end());
  if (!index && s.range) keys.push_back(*s.range);

  cluster::QuerySpec spec;
  if (index && index->multi_attribute()) {
    auto kc = BindMultiKeyCondition(r->key_terms, Attributes(index->hash), Attributes(index->range));
    if (!kc.ok()) return kc.error();
    auto filter = CheckFilter(*r, keys);
    if (!filter.ok()) return filter.error();
    auto bounds = SetMultiKeyBounds(*index, *kc, &spec);
    if (!bounds.ok()) return bounds.error();
  } else {
    const KeyDef& hash = keys[0];
    std::optional<KeyAttribute> range;
    if (keys.size() == 2) range = KeyAttribute{keys[1].name, keys[1].type};
    auto kc = BindKeyCondition(r->key_terms, KeyAttribute{hash.name, hash.type}, range);
    if (!kc.ok()) return kc.error();
    auto filter = CheckFilter(*r, keys);
    if (!filter.ok()) return filter.error();
    spec.hash = EncodeKeyValue(kc->hash.values[0]);
    if (kc->range) {
      auto bounds = SetBounds(*kc->range, &spec);
      if (!bounds.ok()) return bounds.error();
      if (index) ToIndexBounds("", &spec);
    }
  }
  spec.forward = r->forward;
  spec.limit = r->limit ? static_cast<size_t>(*r->limit) : SIZE_MAX;
  spec.max_bytes = kPageBytes;
  spec.local_index = target->local_index;
  if (index && r->start_key) {
    auto key = ReadStartKey(*r, s, *target);
    if (!key.ok()) return key.error();
    if ((*key)->hash != spec.hash) {
      return Error::Validation("The provided starting key is outside query boundaries based on provided conditions");
    }
    spec.after = (*key)->range;
  } else if (r->start_key && !s.range) {
    // A Query of a hash-only table returns at most one item: nothing to resume.
    std::string shown;
    for (const auto& [name, value] : *r->start_key) {
      shown += (shown.empty() ? "" : ", ") + name + "=" + Shown(value);
    }
    return Error::Validation("The provided exclusive start key is invalid: ExclusiveStartKey: {" + shown + "}");
  }
  if (r->start_key && !index) {
    auto key = KeyOfKeyParam(s, *r->start_key, "The provided starting key is invalid: ");
    if (!key.ok()) return key.error();
    if (key->hash != spec.hash) {
      return Error::Validation("The provided starting key is outside query boundaries based on provided conditions");
    }
    spec.after = key->range;
  }
  if (spec.after && !WithinBounds(spec, *spec.after)) {
    return Error::Validation("The provided starting key is outside query boundaries based on provided conditions");
  }
  auto page = ctx.cluster->Query(target->meta, spec, r->consistent);
  if (!page.ok()) return Error::FromStatus(page.status());
  auto fetched = FetchFromTable(ctx, *r, *t, *target, &*page);
  if (!fetched.ok()) return fetched.error();
  return RespondWithPage(*r, s, *page, index);
}

}  // namespace ddb::api
