// Reading an attached table's columns.  See attached_table.hpp.
#include "pg/catalog/attached_table.hpp"

#include "pg/boundary/text_datum.hpp"

namespace leadscore::pg {

std::string SelectSchemaColumns(const ActivityTable &table) {
	std::string sql = "SELECT ";
	for (std::size_t c = 0; c < table.schema.size(); c++) {
		if (c > 0)
			sql += ", ";
		sql += QuoteIdent(table.schema[c].name);
	}
	return sql + " FROM " + table.name;
}

} // namespace leadscore::pg
