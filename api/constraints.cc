// Constraints and the helpers shared by the operations.
#include <cctype>

#include "api/operations.h"

namespace ddb::api {

std::string Quote(const std::string& value) { return "'" + value + "'"; }

void Constraints::Fail(const std::string& rendered_value, const std::string& path,
                       const std::string& constraint) {
  errors_.push_back("Value " + rendered_value + " at '" + path + "' failed to satisfy constraint: " +
                    constraint);
}

void Constraints::NotNull(bool present, const std::string& path) {
  if (!present) Fail("null", path, "Member must not be null");
}

void Constraints::MemberLengths(const std::vector<std::string>& list, const std::string& path, size_t max) {
  std::string listed;
  for (size_t i = 0; i < list.size(); ++i) listed += (i > 0 ? ", " : "") + list[i];
  Fail(Quote("[" + listed + "]"), path,
       "Member must satisfy constraint: [Member must have length less than or equal to " + std::to_string(max) +
           ", Member must have length greater than or equal to 1]");
}

void Constraints::TableName(const std::string* name, const std::string& path) {
  if (name == nullptr) return NotNull(false, path);
  const std::string quoted = Quote(*name);
  bool pattern_ok = !name->empty();
  for (unsigned char c : *name) {
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') pattern_ok = false;
  }
  if (!pattern_ok) Fail(quoted, path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  if (name->size() < 3) Fail(quoted, path, "Member must have length greater than or equal to 3");
  if (name->size() > 255) Fail(quoted, path, "Member must have length less than or equal to 255");
}

ApiResult<bool> ReadEnum(const JsonValue& obj, const char* name, const std::string& path,
                         std::initializer_list<const char*> allowed, const char* set, std::string* out,
                         Constraints* c) {
  auto got = GetString(obj, name, out);
  if (!got.ok()) return got.error();
  if (!*got) return false;
  for (const char* a : allowed) {
    if (*out == a) return true;
  }
  c->Fail(Quote(*out), path, std::string("Member must satisfy enum value set: ") + set);
  return true;
}

Error Constraints::ToError() const {
  std::string m = std::to_string(errors_.size()) +
                  (errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errors_.size(); ++i) m += (i ? "; " : "") + errors_[i];
  return Error::Validation(m);
}

ApiResult<ResolvedTable> ResolveTable(Context& ctx, const std::string& name, const std::string& not_found) {
  auto meta = ctx.cluster->GetTable(ctx.ns + name);
  if (!meta.ok()) {
    if (meta.status().IsNotFound()) return Error::ResourceNotFound(not_found);
    return Error::FromStatus(meta.status());
  }
  auto schema = ctx.schemas->Get(*meta);
  if (!schema.ok()) return schema.error();
  return ResolvedTable{std::move(meta.value()), std::move(schema.value())};
}

ApiResult<bool> RejectEnabledStream(const JsonValue& request) {
  const JsonValue* spec = Member(request, "StreamSpecification");
  if (spec == nullptr) return true;
  if (!spec->IsObject()) return Error::Serialization(JsonKind(*spec) + " cannot be converted to StreamSpecification");
  Constraints c;
  std::string view;
  auto v = ReadEnum(*spec, "StreamViewType", "streamSpecification.streamViewType",
                    {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"},
                    "[NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]", &view, &c);
  if (!v.ok()) return v.error();
  if (!c.ok()) return c.ToError();
  bool enabled = false;
  auto got = GetBool(*spec, "StreamEnabled", &enabled);
  if (!got.ok()) return got.error();
  if (!*got) {
    return Error::Validation("1 validation error detected: Value null at 'streamSpecification.streamEnabled' "
                             "failed to satisfy constraint: Member must not be null");
  }
  if (enabled) return Error::Validation("StreamSpecification is not supported by this version of ddb-local yet");
  return true;
}

ApiResult<bool> RejectUnsupported(const JsonValue& request, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (Member(request, n) != nullptr) {
      return Error::Validation(std::string(n) + " is not supported by this version of ddb-local yet");
    }
  }
  return true;
}

}  // namespace ddb::api
