// Every scoring model of one attached activity table, arranged for ingest.
//
// A row is looked up once by its activity type, across all models (one row
// can score in many models), and yields the (model, rule) pairs to try.
// Conditions with the same normalized text get one number, so a row
// evaluates each distinct condition at most once, however many rules of
// however many models share it.
#pragma once

#include "core/model/scoring_model.hpp"
#include "core/model/scoring_type_index.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace leadscore::core {

class IngestPlan {
public:
	// What a row of one type feeds: one target per rule of that type, grouped
	// by model (models in plan order, rules in model order).  The rule's
	// settings are copied in, so the per-row loop reads one array.
	struct Target {
		std::uint32_t model;
		std::uint32_t rule;
		std::int32_t condition; // into condition(); -1: none
		std::int32_t cap;       // the rule's cap index; -1: not capped
		std::int32_t stage;     // kNoStage: none
		double points;
		// Set: the row's points are this expression's value (rule's own).
		const CompiledExpression *expression;
		// A frequency window or silence rule: the lead's matching times
		// decide, so the row only marks the lead for a recompute
		// (ingest_batch.hpp).
		bool window;
		// A silence rule seen through one of its response types: the row
		// marks the lead but is no activity of the rule.
		bool response;
	};

	// `models` must all be compiled against the same activity table; throws
	// Error(Internal) if their schemas differ.  No models: every row is of
	// an unknown type.
	explicit IngestPlan(std::vector<CompiledModel> models);

	std::size_t model_count() const noexcept {
		return models_.size();
	}
	const CompiledModel &model(std::size_t m) const noexcept {
		return models_[m];
	}
	// Values per row: the attached table's column count.
	std::size_t column_count() const noexcept {
		return column_count_;
	}
	// Columns any rule of any model reads (sorted, unique): the glue
	// converts only these; the others may stay Value::Null().
	const std::vector<std::size_t> &columns_used() const noexcept {
		return columns_used_;
	}

	// The type id of `type`, or TypeIndex::kNotFound: no rule of any model
	// scores this type.  Never allocates.
	std::uint32_t FindType(std::string_view type) const noexcept {
		std::uint32_t t = types_.Find(type);
		return t != TypeIndex::kNotFound || !any_type_ ? t : static_cast<std::uint32_t>(types_.size());
	}
	const Target *targets_begin(std::uint32_t type) const noexcept {
		return targets_.data() + target_first_[type];
	}
	const Target *targets_end(std::uint32_t type) const noexcept {
		return targets_.data() + target_first_[type + 1];
	}

	std::size_t condition_count() const noexcept {
		return conditions_.size();
	}
	const CompiledCondition &condition(std::size_t c) const noexcept {
		return *conditions_[c];
	}

private:
	std::vector<CompiledModel> models_;
	std::size_t column_count_ = 0;
	std::vector<std::size_t> columns_used_;
	TypeIndex types_;
	// Some rule scores every type: types no rule names get id types_.size(),
	// whose targets are those rules'.
	bool any_type_ = false;
	// Targets of type id k: targets_[target_first_[k] .. target_first_[k + 1]).
	std::vector<std::uint32_t> target_first_;
	std::vector<Target> targets_;
	// Distinct conditions; each points into the first rule that has it (the
	// models live in models_, whose buffer never moves after construction).
	std::vector<const CompiledCondition *> conditions_;
};

} // namespace leadscore::core
