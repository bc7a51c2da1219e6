// The first column of the first row of `sql`, as text (e.g. "PRAGMA
// journal_mode"), for tests; there must be a row. Include after catch.hpp
// (it uses REQUIRE).
#pragma once

#include <string>

#include "cluster/sqlite_db.h"

namespace ddb::testing {

inline std::string Text(cluster::SqliteDb* db, const std::string& sql) {
  auto st = db->Prepare(sql);
  REQUIRE(st.ok());
  auto row = st->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->Blob(0);
}

}  // namespace ddb::testing
