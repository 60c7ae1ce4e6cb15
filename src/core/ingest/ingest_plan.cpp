// Every scoring model of one attached activity table, arranged for ingest.
// See ingest_plan.hpp.
#include "core/ingest/ingest_plan.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace leadscore::core {

namespace {

bool SameSchema(const Schema &a, const Schema &b) {
	if (a.size() != b.size())
		return false;
	for (std::size_t k = 0; k < a.size(); k++)
		if (a[k].name != b[k].name || a[k].type != b[k].type)
			return false;
	return true;
}

} // namespace

IngestPlan::IngestPlan(std::vector<CompiledModel> models) : models_(std::move(models)) {
	if (!models_.empty())
		column_count_ = models_.front().schema().size();
	for (const CompiledModel &m : models_) {
		if (!SameSchema(m.schema(), models_.front().schema()))
			throw Error(ErrorKind::Internal, "models of one ingest plan are compiled against different tables",
			            "Model \"" + m.spec().name + "\" differs from model \"" + models_.front().spec().name + "\".");
		columns_used_.insert(columns_used_.end(), m.columns_used().begin(), m.columns_used().end());
	}
	std::sort(columns_used_.begin(), columns_used_.end());
	columns_used_.erase(std::unique(columns_used_.begin(), columns_used_.end()), columns_used_.end());

	// Number the distinct conditions and the types; collect the targets in
	// model order, then give each type its own and those of every type.
	std::unordered_map<std::string, std::int32_t> condition_number;
	const std::uint32_t any = UINT32_MAX;
	std::vector<std::pair<std::uint32_t, Target>> typed;
	for (std::uint32_t m = 0; m < models_.size(); m++) {
		const CompiledModel &model = models_[m];
		for (std::uint32_t r = 0; r < model.rule_count(); r++) {
			const CompiledRule &rule = model.rule(r);
			Target t{m,
			         r,
			         -1,
			         rule.cap,
			         rule.spec.stage,
			         rule.spec.points,
			         rule.points ? &*rule.points : nullptr,
			         rule.window >= 0 || rule.silence >= 0,
			         false};
			if (rule.condition) {
				auto [it, added] =
				    condition_number.emplace(rule.condition_key, static_cast<std::int32_t>(conditions_.size()));
				if (added)
					conditions_.push_back(&*rule.condition);
				t.condition = it->second;
			}
			const std::string &type = rule.spec.activity_type;
			typed.emplace_back(type.empty() ? any : types_.Add(type), t);
			any_type_ = any_type_ || type.empty();
			for (const std::string &response : rule.spec.response_types) {
				Target answered = t;
				answered.response = true;
				typed.emplace_back(types_.Add(response), answered);
			}
		}
	}
	target_first_.assign(1, 0);
	for (std::uint32_t k = 0; k <= types_.size(); k++) {
		for (const auto &[type, target] : typed)
			if (type == k || type == any)
				targets_.push_back(target);
		target_first_.push_back(static_cast<std::uint32_t>(targets_.size()));
	}
}

} // namespace leadscore::core
