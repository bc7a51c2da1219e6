// Content codings with zlib; see http_coding.h.
#include "src/http_coding.h"

#include <zlib.h>

#include <cstdlib>
#include <vector>

#include "src/http_text.h"

namespace ddb {

namespace {

constexpr int kWindowBits = 15;
constexpr int kGzipWindowBits = 16 + kWindowBits;  // zlib: gzip wrapper
constexpr int kLevel = 6;                          // zlib's default balance
constexpr size_t kChunkBytes = 64 * 1024;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A q-value: digits, at most one '.', an optional sign. Unreadable: 1.
double QValue(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > 16) return 1;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+')) return 1;
  }
  std::string s(text);
  char* end = nullptr;
  double q = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return 1;
  if (q < 0) return 0;
  return q > 1 ? 1 : q;
}

struct Acceptance {
  double q = 0;
  bool named = false;  // by its own entry, not by "*"
  size_t position = 0;
};

// True when a beats b (see ChooseCoding).
bool Beats(const Acceptance& a, const Acceptance& b) {
  if (a.q != b.q) return a.q > b.q;
  if (a.named != b.named) return a.named;
  return a.position < b.position;
}

}  // namespace

Coding ChooseCoding(std::string_view accept_encoding) {
  Acceptance gzip, deflate, any;
  bool gzip_seen = false, deflate_seen = false, any_seen = false;
  size_t position = 0;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view entry = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semi = entry.find(';');
    const std::string_view name = Trim(entry.substr(0, semi));
    if (name.empty()) continue;
    ++position;
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string_view params = entry.substr(semi + 1);
      while (!params.empty()) {  // the first q=... counts
        const size_t next = params.find(';');
        const std::string_view param = params.substr(0, next);
        params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
        const size_t eq = param.find('=');
        if (eq != std::string_view::npos && EqualsIgnoreCase(Trim(param.substr(0, eq)), "q")) {
          q = QValue(param.substr(eq + 1));
          break;
        }
      }
    }
    const Acceptance a{q, true, position};
    if (EqualsIgnoreCase(name, "gzip") && !gzip_seen) {
      gzip = a;
      gzip_seen = true;
    } else if (EqualsIgnoreCase(name, "deflate") && !deflate_seen) {
      deflate = a;
      deflate_seen = true;
    } else if (name == "*" && !any_seen) {
      any = a;
      any_seen = true;
    }
  }
  if (any_seen) {  // "*" stands for the codings not named, gzip first
    if (!gzip_seen) gzip = Acceptance{any.q, false, 0};
    if (!deflate_seen) deflate = Acceptance{any.q, false, 1};
  }
  const bool gzip_ok = gzip.q > 0;
  const bool deflate_ok = deflate.q > 0;
  if (gzip_ok && (!deflate_ok || Beats(gzip, deflate))) return Coding::kGzip;
  if (deflate_ok) return Coding::kDeflate;
  return Coding::kIdentity;
}

const char* CodingName(Coding coding) {
  switch (coding) {
    case Coding::kGzip: return "gzip";
    case Coding::kDeflate: return "deflate";
    case Coding::kIdentity: break;
  }
  return "";
}

std::string Compress(Coding coding, std::string_view body) {
  z_stream z{};
  const int bits = coding == Coding::kGzip ? kGzipWindowBits : kWindowBits;
  if (deflateInit2(&z, kLevel, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::string();
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);  // deflateBound: room for all of it
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

DecodeResult Decode(std::string_view content_encoding, size_t max_bytes, std::string* body) {
  const std::string_view coding = Trim(content_encoding);
  if (coding.empty() || EqualsIgnoreCase(coding, "identity")) return DecodeResult::kOk;
  const bool gzip = EqualsIgnoreCase(coding, "gzip");
  if (!gzip && !EqualsIgnoreCase(coding, "deflate")) return DecodeResult::kUnknownCoding;
  if (body->empty()) return DecodeResult::kDamaged;
  std::string out;
  std::vector<char> chunk(kChunkBytes);
  const Bytef* in = reinterpret_cast<const Bytef*>(body->data());
  size_t left = body->size();
  // One stream after another: a gzip body may hold several members.
  while (left > 0) {
    z_stream z{};
    if (inflateInit2(&z, gzip ? kGzipWindowBits : kWindowBits) != Z_OK) return DecodeResult::kDamaged;
    z.next_in = const_cast<Bytef*>(in);
    z.avail_in = static_cast<uInt>(left);
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(chunk.data());
      z.avail_out = static_cast<uInt>(chunk.size());
      rc = inflate(&z, Z_NO_FLUSH);
      const size_t produced = chunk.size() - z.avail_out;
      if (out.size() + produced > max_bytes) {
        inflateEnd(&z);
        return DecodeResult::kTooLarge;
      }
      out.append(chunk.data(), produced);
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // the input ended mid-stream
    }
    const size_t used = left - z.avail_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return DecodeResult::kDamaged;
    in += used;
    left -= used;
    if (!gzip && left > 0) return DecodeResult::kDamaged;  // bytes after the zlib stream
  }
  body->swap(out);
  return DecodeResult::kOk;
}

}  // namespace ddb
