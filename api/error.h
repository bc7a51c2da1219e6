// Error: DynamoDB's error vocabulary — HTTP status, error type and message —
// with one named factory per DynamoDB error type. Operations return Error (or
// ApiResult<T>); only src/http_server.cc renders one as DynamoDB's JSON body
// {"__type":"<namespace>#<type>","message":"..."}, with the namespace DynamoDB
// uses for that type (see FullType).
//
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/check.h"
#include "base/status.h"

namespace ddb::api {

struct Error {
  Error() = default;
  Error(int status, std::string t, std::string m)
      : http_status(status), type(std::move(t)), message(std::move(m)) {}

  int http_status = 400;
  std::string type;     // e.g. "ValidationException"
  std::string message;  // DynamoDB's exact text
  // An item to send with the error as "Item" (already DynamoDB JSON), as
  // ConditionalCheckFailedException does with ReturnValuesOnConditionCheckFailure.
  std::string item_json;
  // TransactionCanceledException's "CancellationReasons" (a JSON array);
  // such an error spells its message "Message", as DynamoDB does.
  std::string cancellation_reasons_json;

  static Error Validation(std::string m) { return {400, "ValidationException", std::move(m)}; }
  static Error Serialization(std::string m) { return {400, "SerializationException", std::move(m)}; }
  static Error ResourceNotFound(std::string m) { return {400, "ResourceNotFoundException", std::move(m)}; }
  static Error ResourceInUse(std::string m) { return {400, "ResourceInUseException", std::move(m)}; }
  static Error ConditionalCheckFailed(std::string m) {
    return {400, "ConditionalCheckFailedException", std::move(m)};
  }
  static Error UnknownOperation() { return {400, "UnknownOperationException", ""}; }
  static Error MissingAuthenticationToken(std::string m) {
    return {400, "MissingAuthenticationTokenException", std::move(m)};
  }
  static Error LimitExceeded(std::string m) { return {400, "LimitExceededException", std::move(m)}; }
  static Error TransactionConflict() {
    return {400, "TransactionConflictException", "Transaction is ongoing for the item"};
  }
  static Error IdempotentParameterMismatch(std::string m) {
    return {400, "IdempotentParameterMismatchException", std::move(m)};
  }
  static Error InternalServer(std::string m) { return {500, "InternalServerError", std::move(m)}; }
  static Error ServiceUnavailable(std::string m) { return {503, "ServiceUnavailable", std::move(m)}; }

  // The "__type" DynamoDB sends, e.g. "com.amazon.coral.validate#ValidationException".
  std::string FullType() const;

  // Maps a Status from the cluster to the DynamoDB error a client sees.
  // NotFound and AlreadyExists keep their messages (the caller words them).
  static Error FromStatus(const Status& s);
};

// Either a T or an Error.
template <typename T>
class ApiResult {
 public:
  ApiResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  ApiResult(Error error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  const Error& error() const {
    CHECK(!ok());
    return *error_;
  }
  T& value() {
    CHECK(ok());
    return *value_;
  }
  const T& value() const {
    CHECK(ok());
    return *value_;
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

}  // namespace ddb::api
