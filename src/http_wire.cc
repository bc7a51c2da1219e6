// WireConnection: one request at a time off a blocking socket, through
// http_parser's callbacks; see http_wire.h.
#include "src/http_wire.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>

#include "src/http_text.h"

namespace ddb {

namespace {

// Enough for any request line with its headers, and for most bodies in one
// recv; a bigger body takes several.
constexpr size_t kBufferBytes = 64 * 1024;
// A body is given room for its declared length up to this; a bigger one
// grows as it arrives, so a client cannot make us allocate by declaring.
constexpr size_t kReserveBytesMax = 1024 * 1024;
constexpr time_t kLingerSeconds = 5;
constexpr size_t kLingerBytes = 2 * kMaxBodyBytes;
// DynamoDB refuses a request line, or headers, over 16 KB with a 400.
constexpr uint32_t kMaxHeadBytes = 16 * 1024;

// Optional whitespace after a header value is not part of it (RFC 9110
// 5.5); http_parser keeps it.
void TrimTrailingWhitespace(std::string* s) {
  while (!s->empty() && (s->back() == ' ' || s->back() == '\t')) s->pop_back();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded; a malformed escape is kept as it is.
std::string PercentDecoded(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexDigit(in[i + 1]) >= 0 && HexDigit(in[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(in[i + 1]) * 16 + HexDigit(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// The path of a request target, decoded; an origin-form target ("/a?b")
// gives its path, anything else (an absolute URL, "*") its path if it has
// one, else the target as it came.
std::string PathOf(const std::string& url, bool connect) {
  http_parser_url parts;
  http_parser_url_init(&parts);
  if (http_parser_parse_url(url.data(), url.size(), connect ? 1 : 0, &parts) != 0) return url;
  if (!(parts.field_set & (1 << UF_PATH))) return "/";
  return PercentDecoded(std::string_view(url).substr(parts.field_data[UF_PATH].off, parts.field_data[UF_PATH].len));
}

WireConnection* Self(http_parser* p) { return static_cast<WireConnection*>(p->data); }

}  // namespace

const std::string* WireRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

WireConnection::WireConnection(int fd) : fd_(fd), buffer_(new char[kBufferBytes]) {}

WireConnection::Read WireConnection::Next(WireRequest* request) {
  static const http_parser_settings settings = [] {
    http_parser_set_max_header_size(kMaxHeadBytes);  // process-wide, set once here
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_url = &WireConnection::OnUrl;
    s.on_header_field = &WireConnection::OnHeaderField;
    s.on_header_value = &WireConnection::OnHeaderValue;
    s.on_headers_complete = &WireConnection::OnHeadersComplete;
    s.on_body = &WireConnection::OnBody;
    s.on_message_complete = &WireConnection::OnMessageComplete;
    return s;
  }();
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  request_ = request;
  request->headers.clear();
  if (request->body.capacity() > kReserveBytesMax) {
    std::string().swap(request->body);  // a big body's memory goes back between requests
  } else {
    request->body.clear();
  }
  url_.clear();
  in_value_ = false;
  headers_done_ = false;
  complete_ = false;
  too_large_ = false;
  for (;;) {
    if (begin_ == end_) {
      ssize_t n;
      do {
        n = recv(fd_, buffer_.get(), kBufferBytes, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return Read::kClosed;  // EOF, reset or the receive timeout
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    begin_ += http_parser_execute(&parser_, &settings, buffer_.get() + begin_, end_ - begin_);
    if (complete_) break;  // paused at the end of the request; the rest stays buffered
    if (too_large_) return Read::kTooLarge;
    if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) return Read::kBadRequest;
  }
  request->method = http_method_str(static_cast<http_method>(parser_.method));
  request->path = PathOf(url_, parser_.method == HTTP_CONNECT);
  request->keep_alive = http_should_keep_alive(&parser_) != 0;
  request->http10 = parser_.http_major == 1 && parser_.http_minor == 0;
  return Read::kRequest;
}

int WireConnection::OnUrl(http_parser* p, const char* at, size_t n) {
  Self(p)->url_.append(at, n);
  return 0;
}

// A field or a value may come in pieces (split between two recvs).
int WireConnection::OnHeaderField(http_parser* p, const char* at, size_t n) {
  WireConnection* c = Self(p);
  if (c->headers_done_) return 0;  // a trailer does not replace a header
  if (c->in_value_ || c->request_->headers.empty()) c->request_->headers.emplace_back();
  c->in_value_ = false;
  c->request_->headers.back().first.append(at, n);
  return 0;
}

int WireConnection::OnHeaderValue(http_parser* p, const char* at, size_t n) {
  WireConnection* c = Self(p);
  if (c->headers_done_) return 0;
  c->in_value_ = true;
  c->request_->headers.back().second.append(at, n);
  return 0;
}

int WireConnection::OnHeadersComplete(http_parser* p) {
  WireConnection* c = Self(p);
  c->headers_done_ = true;
  for (auto& header : c->request_->headers) TrimTrailingWhitespace(&header.second);
  // content_length is ULLONG_MAX when the request did not give one.
  if (p->content_length != ULLONG_MAX && p->content_length > kMaxBodyBytes) {
    c->too_large_ = true;
    return -1;
  }
  const std::string* expect = c->request_->Header("Expect");
  if (expect != nullptr && EqualsIgnoreCase(*expect, "100-continue") && p->http_minor >= 1) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!c->SendAll(kContinue, sizeof(kContinue) - 1, nullptr, 0)) return -1;
  }
  if (p->content_length != ULLONG_MAX) c->request_->body.reserve(std::min<size_t>(p->content_length, kReserveBytesMax));
  return 0;
}

int WireConnection::OnBody(http_parser* p, const char* at, size_t n) {
  WireConnection* c = Self(p);
  if (c->request_->body.size() + n > kMaxBodyBytes) {  // a chunked body
    c->too_large_ = true;
    return -1;
  }
  c->request_->body.append(at, n);
  return 0;
}

int WireConnection::OnMessageComplete(http_parser* p) {
  Self(p)->complete_ = true;
  http_parser_pause(p, 1);  // stop here: the bytes after it are the next request
  return 0;
}

bool WireConnection::Write(const WireResponse& response, bool head_only, bool close, bool http10) {
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += http_status_str(static_cast<http_status>(response.status));
  head += "\r\n";
  for (const auto& [name, value] : response.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "Content-Length: ";
  head += std::to_string(response.body.size());
  head += "\r\n";
  if (close) {
    head += "Connection: close\r\n";
  } else if (http10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  if (head_only) return SendAll(head.data(), head.size(), nullptr, 0);
  return SendAll(head.data(), head.size(), response.body.data(), response.body.size());
}

void WireConnection::Linger() {
  shutdown(fd_, SHUT_WR);
  timeval tv{};
  tv.tv_sec = 1;
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kLingerSeconds);
  size_t dropped = 0;
  while (dropped < kLingerBytes && std::chrono::steady_clock::now() < deadline) {
    ssize_t n = recv(fd_, buffer_.get(), kBufferBytes, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client closed, or a second without a byte
    dropped += static_cast<size_t>(n);
  }
}

// Both parts in one sendmsg (one TCP segment for a small answer, as
// TCP_NODELAY sends each write at once); again for what a short write left.
bool WireConnection::SendAll(const char* head, size_t head_n, const char* body, size_t body_n) {
  iovec iov[2] = {{const_cast<char*>(head), head_n}, {const_cast<char*>(body), body_n}};
  size_t first = 0;
  size_t count = body_n > 0 ? 2 : 1;
  while (first < count) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = count - first;
    ssize_t n = sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // reset, or the send timeout
    }
    size_t sent = static_cast<size_t>(n);
    while (first < count && sent >= iov[first].iov_len) {
      sent -= iov[first].iov_len;
      ++first;
    }
    if (first < count) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + sent;
      iov[first].iov_len -= sent;
    }
  }
  return true;
}

}  // namespace ddb
