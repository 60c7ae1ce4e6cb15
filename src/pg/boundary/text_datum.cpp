// std::string and text.  See text_datum.hpp.
#include "pg/boundary/text_datum.hpp"

#include "pg/boundary/guard.hpp"

extern "C" {
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
}

namespace leadscore::pg {

Datum TextDatum(std::string_view s) {
	return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
}

std::string QuoteIdent(const std::string &name) {
	return CallPg([&] { return quote_identifier(name.c_str()); });
}

std::string JsonString(const std::string &s) {
	StringInfoData buf;
	CallPg([&] {
		initStringInfo(&buf);
		escape_json(&buf, s.c_str());
	});
	std::string out(buf.data, static_cast<std::size_t>(buf.len));
	CallPg([&] { pfree(buf.data); });
	return out;
}

} // namespace leadscore::pg
