// Grade profiles (docs/design.md, "Grades and grade profiles"): how well a
// lead fits the ideal customer profile, as a school grade.
//
// A profile has a base grade (C by default) and criteria; each criterion is a
// condition over the lead's attributes (the attached lead table's columns, or
// the keys of a jsonb object) and a number of steps, each a third of a letter
// (+1: C -> C+, -3: B -> C).  A lead's grade is the base moved by the sum of
// the steps of every criterion whose condition is true, saturating at A+ and
// F once, at the end: the order of the criteria never matters, and a -13
// "competitor" criterion gives F whatever else matches.  A condition that is
// unknown (it reads a NULL attribute) does not match, so a lead with NULL or
// garbage attributes gets the base grade moved only by what does match.
#pragma once

#include "core/condition/condition.hpp"
#include "core/model/grade.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::core {

// One criterion moves a grade at most a whole scale (F .. A+ is 12 steps).
constexpr std::int32_t kMaxCriterionSteps = 12;

constexpr GradeRank kGradeC = 5; // F, D-, D, D+, C-, C: rank 5

struct CriterionSpec {
	std::int32_t id = 0;
	std::string name;      // unique within the profile
	std::string condition; // as parsed; never empty
	std::int32_t steps = 0;
};

struct GradeProfileSpec {
	std::int32_t id = 0;
	std::string name;
	GradeRank base = kGradeC;
	std::vector<CriterionSpec> criteria;
};

// Checks one criterion in the context of its profile (it may be in
// profile.criteria or not yet); throws Error:
//   InvalidValue    empty name or condition, steps 0
//   OutOfRange      steps outside -kMaxCriterionSteps .. kMaxCriterionSteps
//   DuplicateObject another criterion of the profile has this name
//   Syntax, TooComplex, InvalidRegex from the condition parser
void ValidateCriterion(const GradeProfileSpec &profile, const CriterionSpec &criterion);

// The attribute names the profile's criteria read, sorted, unique: the
// schema of a jsonb lead (every attribute typed per value).
Schema AttributeSchema(const GradeProfileSpec &profile);

// A profile bound to the columns of one lead table (or a jsonb schema).
class CompiledGradeProfile {
public:
	// Unknown columns fail with the compiler's UndefinedColumn, the
	// criterion and profile named in the detail.
	static CompiledGradeProfile Compile(const GradeProfileSpec &spec, const Schema &schema);

	const GradeProfileSpec &spec() const noexcept {
		return spec_;
	}
	// The grade of a lead whose attributes are `row` (schema order, n
	// values); `matched`, when given, receives the indexes of the criteria
	// that matched.  Never throws for the data.
	GradeRank Grade(const Value *row, std::size_t n, std::vector<std::size_t> *matched = nullptr) const;
	const Schema &schema() const noexcept {
		return schema_;
	}
	// Schema positions any criterion reads (sorted, unique).
	const std::vector<std::size_t> &columns_used() const noexcept {
		return columns_used_;
	}

private:
	GradeProfileSpec spec_;
	Schema schema_;
	std::vector<CompiledCondition> conditions_;
	std::vector<std::size_t> columns_used_;
};

} // namespace leadscore::core
