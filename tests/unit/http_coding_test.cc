// src/http_coding.h: which coding an Accept-Encoding value gets, and
// request bodies decoded (gzip members, deflate) or refused.
#include "src/http_coding.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ddb {
namespace {

std::string Gunzip(const std::string& z) {
  std::string body = z;
  REQUIRE(Decode("gzip", 1 << 20, &body) == DecodeResult::kOk);
  return body;
}

TEST_CASE("http coding: Accept-Encoding values choose gzip, deflate or nothing", "[unit]") {
  const std::vector<std::pair<const char*, Coding>> cases = {
      {"", Coding::kIdentity},
      {"identity", Coding::kIdentity},
      {"br", Coding::kIdentity},
      {"x-gzip", Coding::kIdentity},
      {"gzip", Coding::kGzip},
      {"deflate", Coding::kDeflate},
      {"GZIP, identity", Coding::kGzip},
      {"gzip, deflate", Coding::kGzip},          // the earlier entry, at equal q
      {"br, identity, deflate, gzip", Coding::kDeflate},
      {"dog, gzip ,, cat", Coding::kGzip},
      {"gzip;q=0.8, deflate;q=0.5", Coding::kGzip},
      {"br, gzip;q=0, deflate; q = 0.5 , identity;q=0", Coding::kDeflate},
      {"*", Coding::kGzip},                      // "*" alone: gzip
      {"*, deflate;q=0.5", Coding::kGzip},
      {"*, deflate", Coding::kDeflate},          // named beats "*" at equal q
      {"*, identity", Coding::kGzip},
      {"*, gzip;q=0.5", Coding::kDeflate},
      {"gzip ;q=0", Coding::kIdentity},
      {"*;q=0", Coding::kIdentity},
      {"*;q=0.5,identity", Coding::kGzip},
      {"br;q=0.8,identity;q=0.5,*;q=0", Coding::kIdentity},
      {"\"gzip\"", Coding::kIdentity},           // malformed entries are ignored
      {"gzip br", Coding::kIdentity},
      {"gzip:q=1", Coding::kIdentity},
      {"deflate;q=0.5, gzip;q=31", Coding::kGzip},     // q over 1 counts as 1
      {"deflate;q=0.5, gzip;q=1;q=0.2", Coding::kGzip},  // the first q counts
      {"deflate;q=0.5,gzip;q=0.", Coding::kDeflate},
      {"deflate;q=0.5,gzip;q=0.x", Coding::kGzip},     // an unreadable q counts as 1
      {"deflate;q=-0.5,gzip;q=0.2", Coding::kGzip},    // a negative q as 0
      {"gzip;q= 0;q=1", Coding::kIdentity},
  };
  for (const auto& [value, want] : cases) {
    INFO("Accept-Encoding: " << value);
    CHECK(ChooseCoding(value) == want);
  }
}

TEST_CASE("http coding: compressed answers decode to what was compressed", "[unit]") {
  std::string body(20000, 'x');
  for (size_t i = 0; i < body.size(); i += 7) body[i] = static_cast<char>('a' + i % 26);
  const std::string gz = Compress(Coding::kGzip, body);
  CHECK(gz.size() < body.size() / 4);
  CHECK(Gunzip(gz) == body);
  std::string z = Compress(Coding::kDeflate, body);
  REQUIRE(Decode("deflate", 1 << 20, &z) == DecodeResult::kOk);
  CHECK(z == body);
}

TEST_CASE("http coding: request bodies are decoded or refused, and a refusal changes nothing", "[unit]") {
  const std::string json = "{\"TableName\":\"t\"}";
  SECTION("two gzip members one after another") {
    CHECK(Gunzip(Compress(Coding::kGzip, json.substr(0, 5)) + Compress(Coding::kGzip, json.substr(5))) == json);
  }
  SECTION("identity and no coding leave the body as it is") {
    std::string body = json;
    CHECK(Decode("identity", 100, &body) == DecodeResult::kOk);
    CHECK(Decode("", 100, &body) == DecodeResult::kOk);
    CHECK(body == json);
  }
  SECTION("errors") {
    std::string gz = Compress(Coding::kGzip, json);
    std::string cut = gz.substr(0, gz.size() - 1);
    std::string body;
    const std::vector<std::pair<std::pair<const char*, std::string>, DecodeResult>> cases = {
        {{"garbage", json}, DecodeResult::kUnknownCoding},
        {{"gzip", json}, DecodeResult::kDamaged},  // not gzip at all
        {{"gzip", cut}, DecodeResult::kDamaged},   // the last byte missing
        {{"gzip", ""}, DecodeResult::kDamaged},
        {{"deflate", ""}, DecodeResult::kDamaged},
        {{"deflate", json}, DecodeResult::kDamaged},
        {{"deflate", Compress(Coding::kDeflate, json) + "x"}, DecodeResult::kDamaged},
    };
    for (const auto& [in, want] : cases) {
      INFO(in.first << " of " << in.second.size() << " bytes");
      body = in.second;
      CHECK(Decode(in.first, 1 << 20, &body) == want);
      CHECK(body == in.second);
    }
  }
  SECTION("a body that decompresses past the limit") {
    std::string big = Compress(Coding::kGzip, std::string(200000, ' '));
    const std::string sent = big;
    CHECK(Decode("gzip", 100000, &big) == DecodeResult::kTooLarge);
    CHECK(big == sent);
    CHECK(Decode("gzip", 200000, &big) == DecodeResult::kOk);
    CHECK(big.size() == 200000);
  }
}

}  // namespace
}  // namespace ddb
