// The bytes of a new storage-node file and of a new meta.sqlite: SQLite
// databases holding the whole schema of cluster/schemas.h at its version,
// marked as WAL-mode files (header bytes 18-19 = 2). They are made at build
// time by cluster/schema_images/gen.cc, so that no start of the process runs
// the schema's DDL: a new file is these bytes written out
// (SqliteDb::CreateFile), an in-memory database loads them
// (SqliteDb::LoadImage).
//
// Thread safety: immutable.
#pragma once

#include <string_view>

namespace ddb::cluster {

std::string_view NodeFileImage();
std::string_view MetaFileImage();

}  // namespace ddb::cluster
