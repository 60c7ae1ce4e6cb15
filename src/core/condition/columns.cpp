// The columns a condition reads, without a schema: what a jsonb lead must
// offer for a grade profile; and the error for a column a schema lacks.
#include "core/base/error.hpp"
#include "core/condition/condition.hpp"
#include "core/condition/lexer.hpp"
#include "core/condition/program.hpp"

#include <algorithm>

namespace leadscore::core {

namespace {

// The parser bounds the depth (ConditionLimits::max_depth), so recursion is safe.
void Collect(const Node &node, std::vector<std::string> *out) {
	if (node.kind == NodeKind::Column)
		out->push_back(node.name);
	for (const auto &child : node.children)
		Collect(*child, out);
}

} // namespace

std::vector<std::string> ColumnNames(const Node &node) {
	std::vector<std::string> names;
	Collect(node, &names);
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	return names;
}

Schema JsonSchema(const std::vector<std::string> &conditions) {
	std::vector<std::string> names;
	for (const std::string &c : conditions)
		if (!c.empty())
			for (std::string &name : ColumnNames(*ParseCondition(c)))
				names.push_back(std::move(name));
	return AnySchema(std::move(names));
}

Schema AnySchema(std::vector<std::string> names) {
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	Schema schema;
	for (std::string &name : names)
		schema.push_back(Column{std::move(name), ValueType::Any});
	return schema;
}

[[noreturn]] void ThrowUndefinedColumn(const Node &column, const Schema &schema, const char *source) {
	std::string hint;
	if (!schema.empty() && schema.size() <= 20) {
		hint = "Available columns: ";
		for (std::size_t k = 0; k < schema.size(); k++)
			hint += (k > 0 ? ", " : "") + QuoteIdentifier(schema[k].name);
		hint += ".";
	}
	throw Error(ErrorKind::UndefinedColumn, "column \"" + column.name + "\" does not exist",
	            "The " + std::string(source) + " names it at position " + std::to_string(column.position) + ".",
	            hint);
}

} // namespace leadscore::core
