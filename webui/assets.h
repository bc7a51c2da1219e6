// The web UI's static files, compiled into the binary by CMake
// (cmake/embed_files.cmake generates the table from webui/static/).
//
// Thread safety: immutable data.
#pragma once

#include <cstddef>
#include <string_view>

namespace ddb::webui {

struct Asset {
  const char* path;  // "/index.html"; nullptr ends the table
  const char* data;
  size_t size;
};

extern const Asset kAssets[];

// The embedded file at `path` ("/" means "/index.html"), or nullptr.
const Asset* FindAsset(std::string_view path);
// A Content-Type for a file name, from its extension.
const char* ContentTypeFor(std::string_view path);

}  // namespace ddb::webui
