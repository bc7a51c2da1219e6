// Status and Result<T>: the error values returned by everything that can fail.
//
// Project code does not throw. An expected failure (a missing table, a
// condition that did not hold, a node that is down) is a Status; a bug is a
// CHECK failure (base/check.h). Status carries a coarse code that layers below
// api/ use to say what went wrong, and a message for people. api/ maps codes to
// DynamoDB's error types; only the HTTP server renders them as JSON.
//
// Thread safety: plain values, safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/check.h"

namespace ddb {

class Status {
 public:
  // Do not reorder: codes appear in logs and tests by name only, but keep
  // the numbering stable anyway.
  enum class Code : int {
    kOk = 0,
    kNotFound = 1,
    kAlreadyExists = 2,
    kInvalidArgument = 3,
    kUnavailable = 4,     // retryable: no quorum, node down, leader moving
    kIoError = 5,         // storage failed
    kCorruption = 6,      // a checksum or format check failed
    kInternal = 7,
    kConditionFailed = 8,
    kBusy = 9,            // e.g. a table is being created or deleted
    kUncertain = 10,      // a write may or may not have taken effect (timeout, leader lost)
    kConflict = 11,       // the item is locked by a transaction in progress
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status AlreadyExists(std::string m) { return Status(Code::kAlreadyExists, std::move(m)); }
  static Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status IoError(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }
  static Status ConditionFailed(std::string m) { return Status(Code::kConditionFailed, std::move(m)); }
  static Status Busy(std::string m) { return Status(Code::kBusy, std::move(m)); }
  static Status Uncertain(std::string m) { return Status(Code::kUncertain, std::move(m)); }
  static Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsUncertain() const { return code_ == Code::kUncertain; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    CHECK(!status_.ok());
  }
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() {
    CHECK(ok());
    return *value_;
  }
  const T& value() const {
    CHECK(ok());
    return *value_;
  }
  T&& take() {
    CHECK(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ddb

// Returns early from the enclosing function when a Status is not OK.
#define RETURN_IF_ERROR(expr)            \
  do {                                   \
    ::ddb::Status _st = (expr);          \
    if (!_st.ok()) return _st;           \
  } while (0)
