// RapidJSON's configuration for every file that links ddb_api: the build
// force-includes this header (-include), so that it comes before any
// RapidJSON header in every translation unit. RAPIDJSON_ASSERT stays on in
// Release builds and stops the process (never an assert compiled out):
// api/ checks types before every accessor, so reaching it is a bug.
#pragma once

#include <cstdlib>

#define RAPIDJSON_HAS_STDSTRING 1
#define RAPIDJSON_ASSERT(x) ((x) ? static_cast<void>(0) : std::abort())
