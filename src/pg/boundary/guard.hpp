// The C++ / PostgreSQL boundary (docs/design.md, "The boundary rules").
//
// Every function PostgreSQL calls runs its body inside Guarded(): a C++
// exception never reaches PostgreSQL's C frames (that would be
// std::terminate, taking every session down), and errors leave with a
// SQLSTATE.  Inside a guarded body, PostgreSQL calls that may ERROR while C++
// objects are alive go through CallPg(), which turns the longjmp into a C++
// exception so destructors run; Guarded re-raises it unchanged afterwards.
//
// Which way an error leaves: an error leadscore decides on (a bad argument,
// a NULL where a value is required, a missing object, a limit) is thrown on
// the C++ side as core::Error(kind, message, detail, hint), and guard.cpp
// alone knows the SQLSTATE of each kind.  Code on the PostgreSQL side (inside
// a CallPg lambda) may not throw: it lets PostgreSQL's own errors pass and
// reports a failed SPI call with elog(ERROR) (XX000, a bug, not a user's
// mistake); a check it makes for the user it hands back to the C++ side to
// throw.  Only code that runs before Guarded, or without it (type I/O and
// per-row support functions in plain C, trigger-protocol checks at an entry
// point), calls ereport(ERROR) itself.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <exception>
#include <type_traits>
#include <utility>

namespace leadscore::pg {

// A PostgreSQL error caught by CallPg.  edata is palloc'd in the memory
// context that was current when CallPg was entered.
class PgError : public std::exception {
public:
	explicit PgError(ErrorData *edata) noexcept : edata_(edata) {
	}
	ErrorData *edata() const noexcept {
		return edata_;
	}
	const char *what() const noexcept override {
		return edata_->message ? edata_->message : "PostgreSQL error";
	}

private:
	ErrorData *edata_;
};

// What an exception said, copied out of it into fixed buffers, so the
// exception object can be destroyed before ereport longjmps away.
struct ErrorReport {
	int sqlstate = 0;
	ErrorData *pg_error = nullptr;  // set: re-throw this one unchanged
	bool cancelled = false;
	char message[1024] = "";
	char detail[1024] = "";
	char hint[1024] = "";
};

// Fills `report` from the exception being handled.  Call only in a catch.
void CaptureCurrentException(ErrorReport *report) noexcept;

// Raises `report` as a PostgreSQL ERROR.  Never returns.
pg_attribute_noreturn() void RaiseReport(const ErrorReport *report);

template <typename Body>
Datum Guarded(Body &&body) {
	ErrorReport report;
	try {
		return std::forward<Body>(body)();
	} catch (...) {
		CaptureCurrentException(&report);
	}
	// The exception is destroyed: no C++ frame with a pending destructor is
	// left between here and PostgreSQL, so ereport may longjmp.
	RaiseReport(&report);
}

// Runs `call` (a PostgreSQL call that may ERROR) and turns an ERROR into a
// PgError.  `call` must not throw (a C++ exception inside PG_TRY would skip
// PG_CATCH and leave PG_exception_stack dangling).
template <typename Call>
auto CallPg(Call &&call) -> decltype(call()) {
	using Result = decltype(call());
	static_assert(std::is_void_v<Result> || std::is_scalar_v<Result>,
	              "CallPg returns a Datum, a pointer or a number");
	MemoryContext context = CurrentMemoryContext;
	ErrorData *volatile edata = nullptr;
	if constexpr (std::is_void_v<Result>) {
		PG_TRY();
		{
			call();
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(context);
			edata = CopyErrorData();
			FlushErrorState();
		}
		PG_END_TRY();
		if (edata != nullptr)
			throw PgError(edata);
	} else {
		// volatile: assigned between sigsetjmp and a possible siglongjmp.
		volatile Result result{};
		PG_TRY();
		{
			result = call();
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(context);
			edata = CopyErrorData();
			FlushErrorState();
		}
		PG_END_TRY();
		if (edata != nullptr)
			throw PgError(edata);
		return result;
	}
}

} // namespace leadscore::pg
