// The probability of converting: link_probability() (lead_scores'
// column), fit_probability() (fits a model's link on a population) and
// evaluate_calibration() (the calibration and gains curve).  The link and
// its fit: src/core/insight/probability_link.hpp.
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/insight/judged_leads.hpp"
#include "pg/insight/result_rows.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

#include "core/base/error.hpp"
#include "core/insight/gains_curve.hpp"
#include "core/insight/probability_link.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

std::vector<core::LinkSample> Samples(const Evaluated &e) {
	std::vector<core::LinkSample> out;
	out.reserve(e.leads.size());
	for (const EvalLeadRow &l : e.leads)
		out.push_back({l.lead.score, l.grade, l.lead.converted});
	return out;
}

// The link as a float8[] literal, every number to 17 digits: exact.
std::string LinkLiteral(const core::ProbabilityLink &link) {
	std::string out = "{";
	for (double x : core::EncodeLink(link)) {
		char buf[32];
		std::snprintf(buf, sizeof buf, "%.17g", x);
		out += (out.size() > 1 ? "," : "") + std::string(buf);
	}
	return out + "}";
}

void StoreLink(std::int32_t model_id, Datum horizon, const core::LinkFit &fit) {
	std::string interval = CallPg([&] { return DatumGetCString(DirectFunctionCall1(interval_out, horizon)); });
	ConnectSpi();
	// now() in VALUES, not in DO UPDATE: Citus runs no non-IMMUTABLE
	// function there (probability_links is a reference table on Citus).
	ExecuteText("INSERT INTO leadscore.probability_links (model_id, horizon, link, leads, converted, fitted_at)"
	            " VALUES ($1::pg_catalog.int4, $2::pg_catalog.interval, $3::pg_catalog.float8[],"
	            " $4::pg_catalog.int8, $5::pg_catalog.int8, pg_catalog.now())"
	            " ON CONFLICT (model_id) DO UPDATE SET horizon = excluded.horizon, link = excluded.link,"
	            " leads = excluded.leads, converted = excluded.converted, fitted_at = excluded.fitted_at",
	            {std::to_string(model_id), interval, LinkLiteral(fit.link), std::to_string(fit.leads),
	             std::to_string(fit.converted)});
	FinishSpi();
}

// One row of fit_probability(): term, grade, weight, standard error, leads, converted.
void PutTerm(FunctionCallInfo fcinfo, const char *term, std::optional<core::GradeRank> grade, double weight,
             double error, const core::LinkFit &fit) {
	Datum v[6] = {};
	bool n[6] = {};
	v[0] = CallPg([&] { return TextDatum(term); });
	n[1] = !grade;
	v[1] = grade ? CharGetDatum(static_cast<char>(*grade)) : Datum(0);
	PutFloat(weight, &v[2], &n[2]);
	PutFloat(error, &v[3], &n[3]);
	v[4] = Int64GetDatum(fit.leads);
	v[5] = Int64GetDatum(fit.converted);
	PutRow(fcinfo, v, n);
}

void PutTerms(FunctionCallInfo fcinfo, const core::LinkFit &fit) {
	PutTerm(fcinfo, "intercept", std::nullopt, fit.link.intercept, std::nan(""), fit);
	PutTerm(fcinfo, "score", std::nullopt, fit.link.per_point, fit.per_point_error, fit);
	for (std::size_t g = 0; g <= core::kGradeCount; g++) {
		if (!fit.graded[g] || std::isnan(fit.grade_error[g]))
			continue;
		std::optional<core::GradeRank> rank;
		if (g < core::kGradeCount)
			rank = static_cast<core::GradeRank>(g);
		PutTerm(fcinfo, "grade", rank, fit.link.grade_weight[g], fit.grade_error[g], fit);
	}
}

} // namespace

void RequireCallerMayRead(Oid relation) {
	CallPg([&] {
		AclResult result = pg_class_aclcheck(relation, GetOuterUserId(), ACL_SELECT);
		if (result != ACLCHECK_OK)
			aclcheck_error(result, OBJECT_TABLE, get_rel_name(relation));
	});
}

core::LinkFit FitStoredLink(const EvalArgs &args) {
	Evaluated e = CollectLeads(args, false);
	core::LinkFit fit = core::FitProbabilityLink(Samples(e), [] { return InterruptPending != 0; });
	StoreLink(e.spec.id, args.horizon, fit);
	return fit;
}

namespace {

// fit_probability(model, horizon, leads, as_of DEFAULT NULL)
constexpr EvalArgPositions kFitArgs{0, 3, 1, -1, -1, 2};
// evaluate_calibration(model, horizon, leads, bins DEFAULT 10, as_of DEFAULT NULL)
constexpr EvalArgPositions kCurveArgs{0, 4, 1, -1, -1, 2};

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;
namespace core = leadscore::core;

extern "C" {

// link_probability(link float8[], score float8, grade): no allocation, no
// throw (the view calls it once per row); NULL for a link of another shape.
PG_FUNCTION_INFO_V1(leadscore_link_probability);
Datum leadscore_link_probability(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	ArrayType *array = PG_GETARG_ARRAYTYPE_P(0);
	core::ProbabilityLink link;
	if (ARR_NDIM(array) != 1 || ARR_HASNULL(array) || ARR_ELEMTYPE(array) != FLOAT8OID ||
	    !core::DecodeLink(reinterpret_cast<const double *>(ARR_DATA_PTR(array)),
	                      static_cast<std::size_t>(ARR_DIMS(array)[0]), &link))
		PG_RETURN_NULL();
	std::optional<core::GradeRank> grade;
	if (!PG_ARGISNULL(2)) {
		auto rank = static_cast<core::GradeRank>(PG_GETARG_CHAR(2));
		if (rank > core::kGradeAPlus)
			PG_RETURN_NULL();
		grade = rank;
	}
	double p = link.Probability(PG_GETARG_FLOAT8(1), grade);
	if (std::isnan(p))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(p);
}

PG_FUNCTION_INFO_V1(leadscore_fit_probability);
Datum leadscore_fit_probability(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		RequireArg(fcinfo, 2, "leads");
		RequireCallerMayRead(PG_GETARG_OID(2));
		PutTerms(fcinfo, FitStoredLink(ReadEvalArgs(fcinfo, kFitArgs)));
		return Datum(0);
	});
}

PG_FUNCTION_INFO_V1(leadscore_evaluate_calibration);
Datum leadscore_evaluate_calibration(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		std::int32_t bins = OptionalInt32Arg(fcinfo, 3).value_or(10);
		if (bins < 1)
			throw core::Error(core::ErrorKind::InvalidValue, "bins must be at least 1, not " + std::to_string(bins));
		Evaluated e = CollectLeads(ReadEvalArgs(fcinfo, kCurveArgs), false);
		std::vector<core::EvalLead> leads;
		leads.reserve(e.leads.size());
		for (const EvalLeadRow &l : e.leads)
			leads.push_back(l.lead);
		for (const core::GainsBin &b : core::GainsCurve(&leads, bins)) {
			Datum v[8] = {};
			bool n[8] = {};
			v[0] = Int32GetDatum(b.bin);
			v[1] = Int64GetDatum(b.leads);
			v[2] = Int64GetDatum(b.converted);
			PutFloat(b.mean_predicted, &v[3], &n[3]);
			PutFloat(b.mean_score, &v[4], &n[4]);
			PutFloat(b.observed_rate, &v[5], &n[5]);
			PutFloat(b.lift, &v[6], &n[6]);
			PutFloat(b.cumulative_share, &v[7], &n[7]);
			PutRow(fcinfo, v, n);
		}
		return Datum(0);
	});
}

} // extern "C"
