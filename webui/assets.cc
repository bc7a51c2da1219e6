// Lookup of the embedded web UI files.
#include "webui/assets.h"

namespace ddb::webui {

const Asset* FindAsset(std::string_view path) {
  if (path.empty() || path == "/") path = "/index.html";
  for (const Asset* a = kAssets; a->path != nullptr; ++a) {
    if (path == a->path) return a;
  }
  return nullptr;
}

const char* ContentTypeFor(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace ddb::webui
