// SQL functions over the condition language.
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"

extern "C" {
#include "utils/builtins.h"
}

#include "core/condition/condition.hpp"

#include <string>
#include <string_view>

using leadscore::pg::CallPg;
using leadscore::pg::Guarded;

extern "C" {

// check_condition(text) -> text: the normalised form of a valid condition,
// or the parser's error (42601 and where it went wrong).  Rules and grade
// criteria go through the same parser when they are added.
PG_FUNCTION_INFO_V1(leadscore_check_condition);
Datum leadscore_check_condition(PG_FUNCTION_ARGS) {
	std::string_view condition = leadscore::pg::TextView(PG_GETARG_TEXT_PP(0));
	return Guarded([&] {
		std::string normalized = leadscore::core::Normalize(*leadscore::core::ParseCondition(condition));
		return CallPg([&] { return leadscore::pg::TextDatum(normalized); });
	});
}

} // extern "C"
