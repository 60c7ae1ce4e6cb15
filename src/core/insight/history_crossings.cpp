// Threshold crossings of a lead's history.  See history_crossings.hpp.
#include "core/insight/history_crossings.hpp"

#include "core/base/time_range.hpp"
#include "core/lead/scoring_recompute.hpp"
#include "core/model/decay.hpp"

#include <algorithm>

namespace leadscore::core {
namespace {

// Half-lives before the model's epoch beyond which a weight (2^-n) is too
// small for a status to be told (doubles underflow near 2^-1022).
constexpr double kSearchHalfLives = 900.0;

// Replays Advance's status moves over `points` (ascending times).
HistoryCrossings Replay(const std::vector<ScorePoint> &points) {
	HistoryCrossings h;
	LeadStatus status = LeadStatus::Nurture;
	StatusMove to_mql{kNoTime, status, status, 0}, to_sql = to_mql;
	for (const ScorePoint &p : points) {
		if (p.status == status)
			continue;
		StatusMove move{p.at, status, p.status, p.score};
		if (status == LeadStatus::Nurture)
			to_mql = move;
		if (p.status == LeadStatus::Sql)
			to_sql = move;
		status = p.status;
	}
	h.mql_at = to_mql.at;
	h.sql_at = to_sql.at;
	if (to_mql.at != kNoTime)
		h.moves.push_back(to_mql);
	if (to_sql.at != kNoTime && to_sql.at != to_mql.at)
		h.moves.push_back(to_sql);
	std::sort(h.moves.begin(), h.moves.end(), [](const StatusMove &x, const StatusMove &y) { return x.at < y.at; });
	return h;
}

} // namespace

HistoryCrossings WalkHistory(const std::vector<const CompiledModel *> &table_models, const LeadTimeline &timeline,
                             std::int64_t until, std::optional<GradeRank> grade, const CancelCheck &cancel) {
	const ModelSpec &model = table_models.front()->spec();
	std::vector<const LeadTimeline::Row *> order;
	order.reserve(timeline.rows().size());
	for (const LeadTimeline::Row &row : timeline.rows())
		if (row.at <= until)
			order.push_back(&row);
	std::stable_sort(order.begin(), order.end(),
	                 [](const LeadTimeline::Row *x, const LeadTimeline::Row *y) { return x->at < y->at; });
	// Statuses compare sums with thresholds weighted at the model's own
	// epoch: further than kSearchHalfLives before it both underflow, and
	// rows that old are added but not searched (their crossings are long
	// cooled).
	Decay decay(model.half_life_us, model.epoch_us);
	double searched = decay.decays() ? static_cast<double>(model.epoch_us) - kSearchHalfLives * decay.half_life_us()
	                                 : static_cast<double>(kEarliestTime);
	LeadRecompute recompute(*table_models.front(), cancel);
	recompute.Reset();
	Recomputed result;
	bool finished = false;
	std::vector<ScorePoint> points;
	auto point = [&](std::int64_t at) {
		const double stored = result.state.stored;
		points.push_back(ScorePoint{at, CurrentScore(model, stored, at) + 0.0, StatusAt(model, stored, at, grade), kNoBand});
	};
	for (std::size_t next = 0; next < order.size();) {
		std::int64_t at = order[next]->at;
		bool search = static_cast<double>(at) >= searched && at > kEarliestTime;
		// Just before the rows of `at`: what decay (and silence scorings)
		// left of the last state.
		if (search && finished) {
			FoldPending(&result.state, at - 1);
			point(at - 1);
		}
		for (; next < order.size() && order[next]->at == at; next++) {
			const LeadTimeline::Row &row = *order[next];
			recompute.Add(*table_models[row.table], row.type, row.at, timeline.values(row));
		}
		if (!search)
			continue;
		recompute.SetNow(at);
		recompute.Finish(&result);
		finished = true;
		point(at);
	}
	if (finished) {
		FoldPending(&result.state, until);
		point(until);
	}
	return Replay(points);
}

HistoryCrossings CrossingAt(const ModelSpec &model, double stored, std::int64_t at, std::optional<GradeRank> grade) {
	return Replay({ScorePoint{at, CurrentScore(model, stored, at), StatusAt(model, stored, at, grade), kNoBand}});
}

bool MayHaveCrossed(const ModelSpec &model, double stored, std::int64_t since) {
	if (model.ledger)
		return true;
	for (const RuleSpec &rule : model.rules)
		if (rule.points < 0 || !rule.points_expression.empty())
			return true;
	return CurrentScore(model, stored, since) >= std::min(model.mql_threshold, model.sql_threshold);
}

void AdvanceThroughHistory(const ModelSpec &model, const HistoryCrossings &history, const LifecycleInput &lead,
                           std::int64_t since, std::int64_t now, LifecycleRecord *record, std::vector<Transition> *out) {
	std::int64_t at = std::max(now, record->checked_at);
	LeadStatus status = StatusAt(model, lead.stored, at, lead.grade);
	for (const StatusMove &m : history.moves) {
		// A record already at that status has reported the move: only its
		// time changes.  A move to sql is a handoff, for a lead that is sql
		// now only: one that has cooled since is not handed to sales for a
		// past interest (sql_at keeps the time).
		if (m.at < since || !(m.to > record->status) || (m.to == LeadStatus::Sql && status != LeadStatus::Sql))
			continue;
		out->push_back(Transition{TransitionKind::Status, TransitionCause::Activity, static_cast<int>(record->status),
		                          static_cast<int>(m.to), m.at, m.score, lead.grade});
		record->status = m.to;
	}
	if (history.mql_at != kNoTime)
		record->mql_at = history.mql_at;
	if (history.sql_at != kNoTime)
		record->sql_at = history.sql_at;
	if (status < record->status) {
		out->push_back(Transition{TransitionKind::Status, TransitionCause::Decay, static_cast<int>(record->status),
		                          static_cast<int>(status), at, CurrentScore(model, lead.stored, at), lead.grade});
		record->status = status;
	}
}

} // namespace leadscore::core
