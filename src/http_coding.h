// HTTP content codings as DynamoDB applies them, with zlib:
//
//   Requests: a body sent with `Content-Encoding: gzip` (one or more gzip
//   members, one after another) or `deflate` (the zlib format) is
//   decompressed before it is parsed; any other coding, a damaged body, or a
//   decompressed body over the request limit is refused (DynamoDB answers
//   500 InternalServerError).
//
//   Answers: an answer larger than kCompressAboveBytes (4 KB, DynamoDB's
//   threshold) is compressed with gzip or deflate when the request's first
//   Accept-Encoding header accepts one (ChooseCoding's rules), and then
//   carries `Content-Encoding`. Its x-amz-crc32 is that of the compressed
//   bytes, as DynamoDB's is.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ddb {

constexpr size_t kCompressAboveBytes = 4096;

enum class Coding { kIdentity, kGzip, kDeflate };

// The coding for an answer given the request's Accept-Encoding value
// (RFC 9110 12.5.3, with DynamoDB's reading of it): gzip or deflate by
// their q-values ("q" of at most 1, the first one an entry gives; an
// unreadable one counts as 1, a negative one as 0); an entry that names
// the coding beats "*" at the same q, an earlier entry beats a later one,
// and "*" alone means gzip. Unknown or malformed entries ("br", "x-gzip",
// "\"gzip\"", "gzip br") are ignored; "identity" never compresses nor
// prevents compression.
Coding ChooseCoding(std::string_view accept_encoding);

// The name of `coding` for Content-Encoding ("gzip", "deflate"; "" for identity).
const char* CodingName(Coding coding);

// `body` compressed with `coding` (gzip or deflate); empty when zlib fails
// (out of memory).
std::string Compress(Coding coding, std::string_view body);

enum class DecodeResult { kOk, kUnknownCoding, kDamaged, kTooLarge };

// Replaces *body (encoded as `content_encoding` says; "" or "identity": as
// it is) by its decoded bytes, at most `max_bytes` of them. On an error
// *body is unchanged.
DecodeResult Decode(std::string_view content_encoding, size_t max_bytes, std::string* body);

}  // namespace ddb
