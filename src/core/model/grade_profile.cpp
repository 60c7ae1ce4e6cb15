// Grade profiles: validation, compilation, grading.  See grade_profile.hpp.
#include "core/model/grade_profile.hpp"

#include "core/base/error.hpp"

#include <algorithm>

namespace leadscore::core {

namespace {

std::string Quoted(const std::string &s) {
	return "\"" + s + "\"";
}

bool NameTaken(const GradeProfileSpec &profile, const CriterionSpec &criterion) {
	for (const CriterionSpec &c : profile.criteria)
		if (&c != &criterion && c.name == criterion.name)
			return true;
	return false;
}

} // namespace

void ValidateCriterion(const GradeProfileSpec &profile, const CriterionSpec &criterion) {
	const std::string of = " of grade profile " + Quoted(profile.name);
	if (criterion.name.empty())
		throw Error(ErrorKind::InvalidValue, "criterion name must not be empty");
	if (criterion.condition.empty())
		throw Error(ErrorKind::InvalidValue, "condition of criterion " + Quoted(criterion.name) + of +
		                                         " must not be empty");
	if (criterion.steps == 0)
		throw Error(ErrorKind::InvalidValue, "steps of criterion " + Quoted(criterion.name) + of + " must not be 0",
		            {}, "A step is a third of a letter: 1 moves C to C+, -3 moves B to C.");
	if (criterion.steps < -kMaxCriterionSteps || criterion.steps > kMaxCriterionSteps)
		throw Error(ErrorKind::OutOfRange,
		            "steps of criterion " + Quoted(criterion.name) + of + " must be between -12 and 12, not " +
		                std::to_string(criterion.steps),
		            "12 steps move a grade across the whole scale, from F to A+.");
	if (NameTaken(profile, criterion))
		throw Error(ErrorKind::DuplicateObject, "criterion " + Quoted(criterion.name) + of + " already exists");
	ParseCondition(criterion.condition);
}

Schema AttributeSchema(const GradeProfileSpec &profile) {
	std::vector<std::string> conditions;
	for (const CriterionSpec &c : profile.criteria)
		conditions.push_back(c.condition);
	return JsonSchema(conditions);
}

CompiledGradeProfile CompiledGradeProfile::Compile(const GradeProfileSpec &spec, const Schema &schema) {
	CompiledGradeProfile compiled;
	compiled.spec_ = spec;
	compiled.schema_ = schema;
	for (const CriterionSpec &c : spec.criteria) {
		try {
			compiled.conditions_.push_back(CompiledCondition::Compile(*ParseCondition(c.condition), schema));
		} catch (const Error &e) {
			std::string detail = e.detail() + (e.detail().empty() ? "" : " ");
			detail += "The condition belongs to criterion " + Quoted(c.name) + " of grade profile " +
			          Quoted(spec.name) + ".";
			throw Error(e.kind(), e.what(), detail, e.hint());
		}
		const auto &used = compiled.conditions_.back().columns_used();
		compiled.columns_used_.insert(compiled.columns_used_.end(), used.begin(), used.end());
	}
	auto &cols = compiled.columns_used_;
	std::sort(cols.begin(), cols.end());
	cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
	return compiled;
}

GradeRank CompiledGradeProfile::Grade(const Value *row, std::size_t n, std::vector<std::size_t> *matched) const {
	std::int64_t steps = 0;
	for (std::size_t i = 0; i < conditions_.size(); i++) {
		if (conditions_[i].Evaluate(row, n) != Tri::True)
			continue;
		steps += spec_.criteria[i].steps;
		if (matched != nullptr)
			matched->push_back(i);
	}
	return AddGradeSteps(spec_.base, steps);
}

} // namespace leadscore::core
