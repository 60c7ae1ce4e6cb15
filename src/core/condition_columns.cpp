// The columns a condition reads, without a schema: what a jsonb lead must
// offer for a grade profile.
#include "core/condition.hpp"

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

} // namespace leadscore::core
