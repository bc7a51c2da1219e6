// Error: mapping cluster Status values to DynamoDB errors.
#include "api/error.h"

namespace ddb::api {

Error Error::FromStatus(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return ResourceNotFound("Requested resource not found");
    case Status::Code::kAlreadyExists:
    case Status::Code::kBusy:
      return ResourceInUse(s.message());
    case Status::Code::kInvalidArgument:
      return Validation(s.message());
    case Status::Code::kConditionFailed:
      return ConditionalCheckFailed("The conditional request failed");
    case Status::Code::kConflict:
      return TransactionConflict();
    case Status::Code::kUnavailable:
      return ServiceUnavailable("The service is currently unavailable or busy.");
    case Status::Code::kUncertain:  // DynamoDB's answer when a write's outcome is unknown
      return InternalServer("Internal server error");
    default:
      return InternalServer("Internal server error");
  }
}

std::string Error::FullType() const {
  // DynamoDB names its errors in four namespaces; SDKs read the part after '#'.
  const char* ns = "com.amazonaws.dynamodb.v20120810#";
  if (type == "ValidationException") ns = "com.amazon.coral.validate#";
  if (type == "SerializationException" || type == "UnknownOperationException" ||
      type == "MissingAuthenticationTokenException" || type == "IncompleteSignatureException" ||
      type == "ServiceUnavailable") {
    ns = "com.amazon.coral.service#";
  }
  if (type == "ThrottlingException") ns = "com.amazon.coral.availability#";
  return ns + type;
}

}  // namespace ddb::api
