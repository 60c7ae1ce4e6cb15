// Evaluation of a model at a past date.  See evaluation.hpp.
#include "core/insight/evaluation.hpp"

#include "core/insight/insight_stats.hpp"
#include "core/lead/scoring_status.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leadscore::core {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Scope {
	bool by_source;
	std::uint32_t source;
};

bool InSegment(EvalSegment segment, const EvalLead &lead) noexcept {
	switch (segment) {
	case EvalSegment::All:
		return true;
	case EvalSegment::AboveMql:
		return lead.above_mql;
	case EvalSegment::BelowMql:
		return !lead.above_mql;
	case EvalSegment::AboveSql:
		return lead.above_sql;
	case EvalSegment::BelowSql:
		return !lead.above_sql;
	}
	return false;
}

double Threshold(EvalSegment segment, double mql, double sql) noexcept {
	switch (segment) {
	case EvalSegment::All:
		return kNaN;
	case EvalSegment::AboveMql:
	case EvalSegment::BelowMql:
		return mql;
	case EvalSegment::AboveSql:
	case EvalSegment::BelowSql:
		return sql;
	}
	return kNaN;
}

EvalRow EmptyRow() noexcept {
	return EvalRow{false, 0, EvalSegment::All, kNaN, 0, 0, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN,
	               kNaN, HandoffOutcome::None, false, 0};
}

// Leads, converted, rate, lift, deal value and days of the leads `pick`
// takes; their scores (probabilities, with a link) and labels into
// `labelled` unless it is null.
template <typename Pick>
void CountLeads(const std::vector<EvalLead> &leads, const Pick &pick, double base_rate, EvalRow *row,
                std::vector<ScoredLabel> *labelled) {
	std::vector<double> days;
	double value_sum = 0;
	std::int64_t value_count = 0;
	for (const EvalLead &lead : leads) {
		if (!pick(lead))
			continue;
		row->leads++;
		if (labelled != nullptr)
			labelled->push_back(
			    ScoredLabel{std::isnan(lead.probability) ? lead.score : lead.probability, lead.converted});
		if (!lead.converted)
			continue;
		row->converted++;
		days.push_back(lead.days_to_convert);
		value_sum += lead.deal_value_sum;
		value_count += lead.deal_count;
	}
	row->conversion_rate = Ratio(static_cast<double>(row->converted), static_cast<double>(row->leads));
	row->lift = Ratio(row->conversion_rate, base_rate);
	row->avg_deal_value = Ratio(value_sum, static_cast<double>(value_count));
	row->median_days_to_convert = Median(&days);
}

double BaseRate(const std::vector<EvalLead> &leads) noexcept {
	std::int64_t converted = 0;
	for (const EvalLead &lead : leads)
		converted += lead.converted ? 1 : 0;
	return Ratio(static_cast<double>(converted), static_cast<double>(leads.size()));
}

EvalRow SegmentRow(const std::vector<EvalLead> &leads, Scope scope, EvalSegment segment, double threshold,
                   double base_rate, std::int64_t scope_converted) {
	EvalRow row = EmptyRow();
	row.by_source = scope.by_source;
	row.source = scope.source;
	row.segment = segment;
	row.threshold = threshold;
	std::vector<ScoredLabel> labelled;
	CountLeads(
	    leads, [segment](const EvalLead &lead) { return InSegment(segment, lead); }, base_rate, &row,
	    segment == EvalSegment::All ? &labelled : nullptr);
	if (segment == EvalSegment::AboveMql || segment == EvalSegment::AboveSql) {
		row.precision = row.conversion_rate;
		row.recall = Ratio(static_cast<double>(row.converted), static_cast<double>(scope_converted));
	}
	if (segment != EvalSegment::All)
		return row;
	bool linked = !leads.empty() && !std::isnan(leads.front().probability);
	if (linked) {
		row.brier = BrierScore(labelled);
		row.log_loss = LogLoss(labelled);
	}
	row.roc_auc = RocAuc(&labelled);
	return row;
}

// `leads` are the leads of `scope`.
void ScopeRows(const std::vector<EvalLead> &leads, Scope scope, double mql, double sql, double base_rate,
               std::vector<EvalRow> *out) {
	std::int64_t converted = 0;
	for (const EvalLead &lead : leads)
		converted += lead.converted ? 1 : 0;
	for (EvalSegment s : {EvalSegment::All, EvalSegment::AboveMql, EvalSegment::BelowMql, EvalSegment::AboveSql,
	                      EvalSegment::BelowSql})
		out->push_back(SegmentRow(leads, scope, s, Threshold(s, mql, sql), base_rate, converted));
}

} // namespace

void ScoreAt(const ModelSpec &model, double stored, std::int64_t as_of, std::optional<GradeRank> grade,
             EvalLead *lead) noexcept {
	LeadStatus status = StatusAt(model, stored, as_of, grade);
	lead->score = CurrentScore(model, stored, as_of) + 0.0;
	lead->above_mql = status != LeadStatus::Nurture;
	lead->above_sql = status == LeadStatus::Sql;
}

const char *EvalSegmentName(EvalSegment segment) noexcept {
	switch (segment) {
	case EvalSegment::All:
		return "all";
	case EvalSegment::AboveMql:
		return "above_mql";
	case EvalSegment::BelowMql:
		return "below_mql";
	case EvalSegment::AboveSql:
		return "above_sql";
	case EvalSegment::BelowSql:
		return "below_sql";
	}
	return "all";
}

const char *HandoffOutcomeName(HandoffOutcome outcome) noexcept {
	switch (outcome) {
	case HandoffOutcome::None:
		return "";
	case HandoffOutcome::Accepted:
		return "accepted";
	case HandoffOutcome::Rejected:
		return "rejected";
	case HandoffOutcome::Expired:
		return "expired";
	case HandoffOutcome::Open:
		return "open";
	}
	return "";
}

bool ParseHandoffOutcome(const std::string &status, HandoffOutcome *outcome) noexcept {
	for (HandoffOutcome o :
	     {HandoffOutcome::Accepted, HandoffOutcome::Rejected, HandoffOutcome::Expired, HandoffOutcome::Open})
		if (status == HandoffOutcomeName(o)) {
			*outcome = o;
			return true;
		}
	return false;
}

std::vector<EvalRow> EvaluationReport(const std::vector<EvalLead> &leads, std::uint32_t source_count,
                                      double mql_threshold, double sql_threshold) {
	double base_rate = BaseRate(leads);
	std::vector<EvalRow> out;
	ScopeRows(leads, Scope{false, 0}, mql_threshold, sql_threshold, base_rate, &out);
	// One pass to split the leads by source, then each source on its own.
	std::vector<std::vector<EvalLead>> by_source(source_count);
	for (const EvalLead &lead : leads)
		if (lead.source < source_count)
			by_source[lead.source].push_back(lead);
	for (std::uint32_t s = 0; s < source_count; s++)
		ScopeRows(by_source[s], Scope{true, s}, mql_threshold, sql_threshold, base_rate, &out);
	return out;
}

std::vector<EvalRow> HandoffReport(const std::vector<EvalLead> &leads, std::uint32_t reason_count) {
	std::vector<EvalRow> out;
	if (std::none_of(leads.begin(), leads.end(),
	                 [](const EvalLead &lead) { return lead.handoff != HandoffOutcome::None; }))
		return out;
	double base_rate = BaseRate(leads);
	for (HandoffOutcome o :
	     {HandoffOutcome::Accepted, HandoffOutcome::Rejected, HandoffOutcome::Expired, HandoffOutcome::Open}) {
		EvalRow row = EmptyRow();
		row.handoff = o;
		CountLeads(
		    leads, [o](const EvalLead &lead) { return lead.handoff == o; }, base_rate, &row, nullptr);
		out.push_back(row);
		if (o != HandoffOutcome::Rejected)
			continue;
		for (std::uint32_t r = 0; r < reason_count; r++) {
			row = EmptyRow();
			row.handoff = o;
			row.by_reason = true;
			row.reason = r;
			CountLeads(
			    leads, [r](const EvalLead &lead) { return lead.handoff == HandoffOutcome::Rejected && lead.reason == r; },
			    base_rate, &row, nullptr);
			out.push_back(row);
		}
	}
	return out;
}

} // namespace leadscore::core
