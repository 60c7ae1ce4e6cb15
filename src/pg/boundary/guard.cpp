// Exceptions to PostgreSQL errors: the one place that knows which SQLSTATE
// each core error kind becomes.
#include "pg/boundary/guard.hpp"

#include "core/base/error.hpp"

#include <cstring>
#include <new>

namespace leadscore::pg {
namespace {

using core::ErrorKind;

int SqlState(ErrorKind kind) noexcept {
	switch (kind) {
	case ErrorKind::Syntax:
		return ERRCODE_SYNTAX_ERROR;
	case ErrorKind::InvalidText:
		return ERRCODE_INVALID_TEXT_REPRESENTATION;
	case ErrorKind::InvalidValue:
		return ERRCODE_INVALID_PARAMETER_VALUE;
	case ErrorKind::NullValue:
		return ERRCODE_NULL_VALUE_NOT_ALLOWED;
	case ErrorKind::OutOfRange:
		return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
	case ErrorKind::UndefinedColumn:
		return ERRCODE_UNDEFINED_COLUMN;
	case ErrorKind::UndefinedTable:
		return ERRCODE_UNDEFINED_TABLE;
	case ErrorKind::UndefinedObject:
		return ERRCODE_UNDEFINED_OBJECT;
	case ErrorKind::DuplicateObject:
		return ERRCODE_DUPLICATE_OBJECT;
	case ErrorKind::TypeMismatch:
		return ERRCODE_DATATYPE_MISMATCH;
	case ErrorKind::InvalidRegex:
		return ERRCODE_INVALID_REGULAR_EXPRESSION;
	case ErrorKind::TooComplex:
		return ERRCODE_STATEMENT_TOO_COMPLEX;
	case ErrorKind::TooLarge:
		return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
	case ErrorKind::NotSupported:
		return ERRCODE_FEATURE_NOT_SUPPORTED;
	case ErrorKind::WrongState:
		return ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
	case ErrorKind::ReadOnly:
		return ERRCODE_READ_ONLY_SQL_TRANSACTION;
	case ErrorKind::Cancelled:
		return ERRCODE_QUERY_CANCELED;
	case ErrorKind::Internal:
		break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void CopyText(char *buffer, std::size_t size, const char *text) noexcept {
	if (text == nullptr) {
		buffer[0] = '\0';
		return;
	}
	std::strncpy(buffer, text, size - 1);
	buffer[size - 1] = '\0';
}

void Fill(ErrorReport *report, int sqlstate, const char *message, const char *detail = nullptr,
          const char *hint = nullptr) noexcept {
	report->sqlstate = sqlstate;
	CopyText(report->message, sizeof(report->message), message);
	CopyText(report->detail, sizeof(report->detail), detail);
	CopyText(report->hint, sizeof(report->hint), hint);
}

} // namespace

void CaptureCurrentException(ErrorReport *report) noexcept {
	try {
		throw;
	} catch (const PgError &e) {
		report->pg_error = e.edata();
	} catch (const core::Error &e) {
		Fill(report, SqlState(e.kind()), e.what(), e.detail().c_str(), e.hint().c_str());
		report->cancelled = e.kind() == ErrorKind::Cancelled;
	} catch (const std::bad_alloc &) {
		Fill(report, ERRCODE_OUT_OF_MEMORY, "out of memory");
	} catch (const std::exception &e) {
		Fill(report, ERRCODE_INTERNAL_ERROR, e.what());
	} catch (...) {
		Fill(report, ERRCODE_INTERNAL_ERROR, "unknown C++ exception in leadscore");
	}
}

void RaiseReport(const ErrorReport *report) {
	if (report->pg_error != nullptr)
		ReThrowError(report->pg_error);
	// The core stops work when it sees a pending interrupt; let PostgreSQL
	// report the interrupt itself (cancel vs. termination vs. timeout).
	if (report->cancelled)
		CHECK_FOR_INTERRUPTS();
	ereport(ERROR, (errcode(report->sqlstate), errmsg("%s", report->message),
	                report->detail[0] ? errdetail("%s", report->detail) : 0,
	                report->hint[0] ? errhint("%s", report->hint) : 0));
	pg_unreachable();
}

} // namespace leadscore::pg
