// Errors the core raises.  The glue maps each kind to a SQLSTATE at the
// PostgreSQL boundary (src/pg/boundary/guard.cpp); the core itself knows no SQLSTATEs.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace leadscore::core {

enum class ErrorKind {
	Syntax,            // 42601 syntax_error
	InvalidText,       // 22P02 invalid_text_representation
	InvalidValue,      // 22023 invalid_parameter_value
	NullValue,         // 22004 null_value_not_allowed
	OutOfRange,        // 22003 numeric_value_out_of_range
	UndefinedColumn,   // 42703 undefined_column
	UndefinedTable,    // 42P01 undefined_table
	UndefinedObject,   // 42704 undefined_object
	DuplicateObject,   // 42710 duplicate_object
	TypeMismatch,      // 42804 datatype_mismatch
	InvalidRegex,      // 2201B invalid_regular_expression
	TooComplex,        // 54001 statement_too_complex
	TooLarge,          // 54000 program_limit_exceeded
	NotSupported,      // 0A000 feature_not_supported
	WrongState,        // 55000 object_not_in_prerequisite_state
	ReadOnly,          // 25006 read_only_sql_transaction
	Cancelled,         // 57014 query_canceled
	Internal,          // XX000 internal_error
};

class Error : public std::runtime_error {
public:
	Error(ErrorKind kind, const std::string &message, std::string detail = {}, std::string hint = {})
	    : std::runtime_error(message), kind_(kind), detail_(std::move(detail)), hint_(std::move(hint)) {
	}

	ErrorKind kind() const noexcept {
		return kind_;
	}
	const std::string &detail() const noexcept {
		return detail_;
	}
	const std::string &hint() const noexcept {
		return hint_;
	}

private:
	ErrorKind kind_;
	std::string detail_;
	std::string hint_;
};

} // namespace leadscore::core
