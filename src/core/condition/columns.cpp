// The columns a condition reads, without a schema: what a jsonb lead must
// offer for a grade profile.
#include "core/condition/condition.hpp"

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
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	Schema schema;
	for (std::string &name : names)
		schema.push_back(Column{std::move(name), ValueType::Any});
	return schema;
}

} // namespace leadscore::core
