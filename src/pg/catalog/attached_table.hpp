// An attached CRM table as the glue reads it: its columns in the condition
// language's terms and where its key, type, time and account columns are.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include "core/condition/condition.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace leadscore::pg {

// An attached activity table: its columns as the condition language sees
// them, and where its lead, type and time columns are.
struct ActivityTable {
	Oid relid = InvalidOid;
	std::string name;                 // schema-qualified, quoted
	core::Schema schema;              // live columns, in attribute order
	// schema index -> attribute number, for tuples of the table's own row
	// type (transition tables); a query's rows number their columns
	// without the dropped ones (SelectSchemaColumns).
	std::vector<AttrNumber> attnums;
	std::vector<Oid> types;           // schema index -> type oid
	int lead = -1, type = -1, time = -1; // schema indexes
	int account = -1;                    // schema index; -1: none
};

// An attached lead table: the same, with type and time -1.
using LeadTable = ActivityTable;

// "SELECT <the schema's columns, in schema order> FROM <table>": schema
// column c is result column ResultColumn(c).  Never SELECT *, whose columns
// skip dropped ones while attnums count them.
std::string SelectSchemaColumns(const ActivityTable &table);
inline int ResultColumn(std::size_t c) {
	return static_cast<int>(c) + 1;
}
inline int ResultColumn(int c) {
	return c + 1;
}

} // namespace leadscore::pg
