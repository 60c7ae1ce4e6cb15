// The condition language (docs/design.md, "The condition language"): the
// public face of the parser, the compiler and the evaluator.  Rules use it over activity rows, grade
// criteria over lead rows and jsonb attributes.
//
//   url LIKE '/pricing%' AND duration_s >= 30
//   job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))
//
// Parsing checks syntax, limits and regular expressions and needs no schema;
// compiling resolves column names against a schema and checks types, so an
// unknown column fails when a rule is added, never when a row is scored.
#pragma once

#include "core/base/value.hpp"
#include "core/condition/ast.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::core {

struct ConditionLimits {
	std::size_t max_length = 65536;  // bytes of condition text
	std::size_t max_depth = 200;     // nesting of parentheses and NOT; bounds the recursion
	std::size_t max_nodes = 10000;   // AST nodes, IN-list items included
	std::size_t max_regex_memory = 1 << 20; // RE2 max_mem per pattern, bytes
};

// SQL three-valued logic.
enum class Tri : std::uint8_t { False, True, Unknown };

// Columns a condition may name, in the order of the row the evaluator gets.
// Names are matched as PostgreSQL matches unquoted identifiers: the schema
// holds them as the catalog does, and the parser folds unquoted names to
// lower case.
struct Column {
	std::string name;
	ValueType type;  // Any: typed per row (jsonb)
};
using Schema = std::vector<Column>;

// Parses `text`; throws Error(Syntax) with "syntax error at position N:
// expected ..." (N is 1-based, in characters of the text; invalid UTF-8 is a
// syntax error too), Error(TooComplex) past a limit, Error(InvalidRegex) for
// a bad ~ / ~* pattern, Error(InvalidValue) for a LIKE pattern that ends
// with its escape character, Error(OutOfRange) for a number past double's
// range.  Integers past int64 become floats (PostgreSQL reads them as
// numeric).
std::unique_ptr<Node> ParseCondition(std::string_view text, const ConditionLimits &limits = {});

// The canonical text of a parsed condition: keywords upper case, identifiers
// lower case (quoted where needed), minimal parentheses, literals in a fixed
// spelling; for a numeric expression (expression.hpp) function names lower
// case.  ParseCondition(Normalize(n)) normalizes to the same text, as does
// ParseExpression(Normalize(n)) for an expression.
std::string Normalize(const Node &node);

// The column names `node` (a condition or an expression) reads, sorted, unique (as the parser folded them).
std::vector<std::string> ColumnNames(const Node &node);

// The schema of JSON rows for `conditions` (condition texts; empty ones are
// skipped): every column any of them reads, sorted, typed per value (Any).
Schema JsonSchema(const std::vector<std::string> &conditions);

// The schema of JSON rows with columns `names` (in any order, repeats
// allowed): sorted, unique, each typed per value (Any).
Schema AnySchema(std::vector<std::string> names);

// A condition bound to a schema, ready to evaluate many rows.
class CompiledCondition {
public:
	// Throws Error(UndefinedColumn) naming the column, Error(TypeMismatch)
	// for e.g. `employees LIKE 'x'` on an integer column or a bad timestamp
	// literal compared with a timestamp column.
	static CompiledCondition Compile(const Node &node, const Schema &schema,
	                                 const ConditionLimits &limits = {});

	CompiledCondition(CompiledCondition &&) noexcept;
	CompiledCondition &operator=(CompiledCondition &&) noexcept;
	~CompiledCondition();

	// `row` has one value per schema column, in schema order; columns at or
	// past `n_columns` read as NULL.  Never throws.
	Tri Evaluate(const Value *row, std::size_t n_columns) const noexcept;

	// Schema positions this condition reads (sorted, unique): the glue
	// converts only these columns of each row.
	const std::vector<std::size_t> &columns_used() const noexcept;

	struct Impl;

private:
	explicit CompiledCondition(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// Parses a timestamp literal as the language accepts it (ISO 8601:
// 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.ffffff]]', 'T' allowed for the space,
// optional 'Z' or +HH[:MM] / -HH[:MM] offset; no offset means UTC) into
// microseconds since the Unix epoch.  Returns false if it is not one.
bool ParseTimestampLiteral(std::string_view text, std::int64_t *micros) noexcept;

} // namespace leadscore::core
