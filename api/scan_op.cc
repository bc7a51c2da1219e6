// Scan: the whole table in hash order, page by page (Limit, the 1 MB page,
// ExclusiveStartKey / LastEvaluatedKey), filtered and projected, and parallel
// scan: segment i of n covers the i-th n-th of the 64-bit hash ring, so the
// segments are disjoint and together cover every item.
#include "api/read_request.h"

namespace ddb::api {

namespace {

// [lo, hi] of segment `s` of `n` on the 64-bit hash ring.
std::pair<uint64_t, uint64_t> SegmentRange(int64_t s, int64_t n) {
  using u128 = unsigned __int128;
  const u128 ring = u128(1) << 64;
  uint64_t lo = static_cast<uint64_t>(ring * static_cast<u128>(s) / static_cast<u128>(n));
  uint64_t hi = static_cast<uint64_t>(ring * static_cast<u128>(s + 1) / static_cast<u128>(n) - 1);
  return {lo, hi};
}

}  // namespace

ApiResult<std::string> Scan(Context& ctx, const JsonValue& req) {
  auto r = ParseReadRequest(req, /*is_query=*/false);
  if (!r.ok()) return r.error();
  auto t = ResolveTable(ctx, r->table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  auto target = ResolveReadTarget(ctx, *r, *t);
  if (!target.ok()) return target.error();
  auto start = ReadStartKey(*r, *t->schema, *target);
  if (!start.ok()) return start.error();
  auto [lo, hi] = r->segment ? SegmentRange(*r->segment, *r->total_segments)
                             : std::pair<uint64_t, uint64_t>(0, UINT64_MAX);
  size_t limit = r->limit ? static_cast<size_t>(*r->limit) : SIZE_MAX;
  auto page = ctx.cluster->Scan(target->meta, *start, limit, kPageBytes, r->consistent, lo, hi, target->local_index);
  if (!page.ok()) return Error::FromStatus(page.status());
  auto fetched = FetchFromTable(ctx, *r, *t, *target, &*page);
  if (!fetched.ok()) return fetched.error();
  return RespondWithPage(*r, *t->schema, *page, target->index);
}

}  // namespace ddb::api
