// DynamoDB's reserved words: the 573 keywords that may not appear as bare
// attribute names in expressions (the developer guide's "Reserved words in
// DynamoDB" list, including its oddities such as FLATTERN, INNTER, LOGED).
// Matching is case-insensitive, as DynamoDB's is.
//
// Not here: the expression keywords the lexer itself recognizes (AND, OR, NOT,
// BETWEEN, IN, SET, REMOVE, ADD, DELETE) — see api/expression_lexer.h.
//
// Thread safety: pure functions over a constant table.
#pragma once

#include <cstddef>
#include <string_view>

namespace ddb::api {

inline constexpr size_t kReservedWordCount = 573;

// True when `name` is one of DynamoDB's reserved words, in any case.
bool IsReservedWord(std::string_view name);

}  // namespace ddb::api
