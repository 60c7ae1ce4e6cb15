// Function arguments as C++ values.
#include "pg/fmgr_args.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

namespace leadscore::pg {

std::string TextArg(FunctionCallInfo fcinfo, int n) {
	text *t = CallPg([&] { return PG_GETARG_TEXT_PP(n); });
	return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int n) {
	Datum *elems = nullptr;
	bool *nulls = nullptr;
	int count = 0;
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
