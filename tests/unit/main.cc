// The Catch2 entry point for the unit and simulation tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
