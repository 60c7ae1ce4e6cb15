// std::string and text.  See text_datum.hpp.
#include "pg/boundary/text_datum.hpp"

#include "pg/boundary/guard.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace leadscore::pg {

Datum TextDatum(std::string_view s) {
	return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
}

std::string QuoteIdent(const std::string &name) {
	return CallPg([&] { return quote_identifier(name.c_str()); });
}

} // namespace leadscore::pg
