// SQL functions of grade profiles: the checks behind add_criterion, and
// grading arbitrary attributes given as jsonb.
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/jsonb_values.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/lead_plan.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
}

#include "core/base/error.hpp"
#include "core/condition/condition.hpp"
#include "core/model/grade_profile.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// The profile compiled for jsonb, or the "does not exist" error.
const core::CompiledGradeProfile &Profile(const std::string &name) {
	const core::CompiledGradeProfile *profile = JsonbProfile(name);
	if (profile == nullptr)
		throw core::Error(core::ErrorKind::UndefinedObject, "grade profile \"" + name + "\" does not exist", {},
		                  "leadscore.grade_profiles lists them; leadscore.create_grade_profile() makes one.");
	return *profile;
}

core::GradeRank GradeOf(FunctionCallInfo fcinfo, std::vector<std::size_t> *matched,
                        const core::CompiledGradeProfile **profile_out) {
	std::string name = TextArg(fcinfo, 0);
	ConnectSpi();
	const core::CompiledGradeProfile &profile = Profile(name);
	FinishSpi();
	const core::Schema &schema = profile.schema();
	Jsonb *attrs = CallPg([&] { return PG_GETARG_JSONB_P(1); });
	RequireJsonObject(&attrs->root, "lead attributes");
	core::Value *values = CallPg([&] { return JsonbObjectValues(&attrs->root, schema); });
	*profile_out = &profile;
	return profile.Grade(values, schema.size(), matched);
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore;

extern "C" {

// _check_criterion(profile, criterion_names, name, condition, steps) -> the
// normalised condition; raises the core's error for a bad criterion.
PG_FUNCTION_INFO_V1(leadscore_check_criterion);
Datum leadscore_check_criterion(PG_FUNCTION_ARGS) {
	return pg::Guarded([&] {
		core::GradeProfileSpec profile;
		profile.name = pg::TextArg(fcinfo, 0);
		for (std::string &name : pg::TextArrayArg(fcinfo, 1))
			profile.criteria.push_back(core::CriterionSpec{0, std::move(name), "TRUE", 1});
		core::CriterionSpec criterion;
		criterion.name = pg::TextArg(fcinfo, 2);
		for (int n : {3, 4})
			pg::RequireArg(fcinfo, n, "condition and steps of a criterion");
		criterion.condition = pg::TextArg(fcinfo, 3);
		criterion.steps = PG_GETARG_INT32(4);
		core::ValidateCriterion(profile, criterion);
		std::string normalized = core::Normalize(*core::ParseCondition(criterion.condition));
		return pg::CallPg([&] { return pg::TextDatum(normalized); });
	});
}

// _check_lead_tables(): compiles the grade profile of every model against
// every attached lead table, so a criterion naming a column the table lacks
// fails now, not on a lead insert.
PG_FUNCTION_INFO_V1(leadscore_check_lead_tables);
Datum leadscore_check_lead_tables(PG_FUNCTION_ARGS) {
	return pg::Guarded([&] {
		pg::ConnectSpi();
		auto models = pg::LoadModels();
		auto profiles = pg::LoadGradeProfiles();
		for (const pg::LeadTable &table : pg::LoadLeadTables()) {
			pg::LeadPlan plan;
			plan.table = table;
			pg::BuildLeadPlan(models, profiles, &plan);
		}
		pg::FinishSpi();
		PG_RETURN_VOID();
	});
}

// grade(profile, attrs jsonb) -> grade: the base moved by every criterion
// that matches; attributes are the object's keys (nested values never match).
PG_FUNCTION_INFO_V1(leadscore_grade);
Datum leadscore_grade(PG_FUNCTION_ARGS) {
	return pg::Guarded([&] {
		const core::CompiledGradeProfile *profile;
		core::GradeRank grade = pg::GradeOf(fcinfo, nullptr, &profile);
		return CharGetDatum(static_cast<char>(grade));
	});
}

// explain_grade(profile, attrs jsonb) -> (criterion, condition, steps,
// matched) for every criterion of the profile.
PG_FUNCTION_INFO_V1(leadscore_explain_grade);
Datum leadscore_explain_grade(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	return pg::Guarded([&] {
		std::vector<std::size_t> matched;
		const core::CompiledGradeProfile *profile;
		pg::GradeOf(fcinfo, &matched, &profile);
		const auto &criteria = profile->spec().criteria;
		for (std::size_t i = 0; i < criteria.size(); i++) {
			bool hit = std::find(matched.begin(), matched.end(), i) != matched.end();
			pg::CallPg([&] {
				Datum values[4] = {pg::TextDatum(criteria[i].name), pg::TextDatum(criteria[i].condition),
				                   Int32GetDatum(criteria[i].steps), BoolGetDatum(hit)};
				bool nulls[4] = {false, false, false, false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return Datum(0);
	});
}

} // extern "C"
