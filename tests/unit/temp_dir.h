// A directory of its own under the system's temp directory for one test,
// removed with everything in it at the end. Include after catch.hpp (it
// uses REQUIRE).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace ddb::testing {

class TempDir {
 public:
  // `prefix`: the directory's name before a random suffix, e.g. "ddb-wal".
  explicit TempDir(const std::string& prefix)
      : path_((std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string()) {
    REQUIRE(mkdtemp(path_.data()) != nullptr);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ddb::testing
