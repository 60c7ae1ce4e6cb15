// Function arguments as C++ values.
#include "pg/boundary/fmgr_args.hpp"

#include "pg/boundary/guard.hpp"

#include "core/base/error.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

namespace leadscore::pg {

namespace {

// Reading a NULL argument as a value dereferences a null pointer: the
// callers check the NULLs they expect with a message of their own, and
// this catches the ones they do not (add_rule with a NULL activity type
// crashed the backend).
void RequireNotNull(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		ThrowNullArgument("argument " + std::to_string(n + 1));
}

} // namespace

void ThrowNullArgument(const std::string &what) {
	std::string message = what + " must not be NULL";
	CallPg([&] { ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s", message.c_str()))); });
	throw core::Error(core::ErrorKind::Internal, message); // not reached
}

std::string TextArg(FunctionCallInfo fcinfo, int n) {
	RequireNotNull(fcinfo, n);
	text *t = CallPg([&] { return PG_GETARG_TEXT_PP(n); });
	return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int n) {
	Datum *elems = nullptr;
	bool *nulls = nullptr;
	int count = 0;
	RequireNotNull(fcinfo, n);
	CallPg([&] {
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(n), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	});
	std::vector<std::string> out;
	for (int i = 0; i < count; i++) {
		if (nulls[i]) {
			out.emplace_back();
			continue;
		}
		text *t = CallPg([&] { return DatumGetTextPP(elems[i]); });
		out.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return out;
}

} // namespace leadscore::pg
