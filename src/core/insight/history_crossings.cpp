// Threshold crossings of a lead's history.  See history_crossings.hpp.
#include "core/insight/history_crossings.hpp"

#include "core/base/time_range.hpp"

#include <algorithm>

namespace leadscore::core {
namespace {

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

HistoryCrossings WalkHistory(const ModelSpec &model, const std::vector<Schema> &schemas, const LeadTimeline &timeline,
                             std::int64_t until, std::optional<GradeRank> grade, const CancelCheck &cancel) {
	std::vector<std::int64_t> row_times;
	for (const LeadTimeline::Row &row : timeline.rows())
		if (row.at <= until && row.at > kEarliestTime)
			row_times.push_back(row.at);
	std::sort(row_times.begin(), row_times.end());
	row_times.erase(std::unique(row_times.begin(), row_times.end()), row_times.end());
	// Just before each row time (what decay left) and at it (what the rows
	// brought); then `until`, where the walk ends.
	std::vector<std::int64_t> times;
	times.reserve(2 * row_times.size() + 1);
	for (std::int64_t at : row_times) {
		if (times.empty() || times.back() < at - 1)
			times.push_back(at - 1);
		times.push_back(at);
	}
	if (times.empty() || times.back() < until)
		times.push_back(until);
	return Replay(ScoreSeries(model, schemas, timeline, times, grade, cancel));
}

HistoryCrossings CrossingAt(const ModelSpec &model, double stored, std::int64_t at, std::optional<GradeRank> grade) {
	return Replay({ScorePoint{at, CurrentScore(model, stored, at), StatusAt(model, stored, at, grade), kNoBand}});
}

void AdvanceThroughHistory(const ModelSpec &model, const HistoryCrossings &history, const LifecycleInput &lead,
                           std::int64_t since, std::int64_t now, LifecycleRecord *record, std::vector<Transition> *out) {
	for (const StatusMove &m : history.moves) {
		if (m.at < since)
			continue;
		out->push_back(Transition{TransitionKind::Status, TransitionCause::Activity, static_cast<int>(m.from),
		                          static_cast<int>(m.to), m.at, m.score, lead.grade});
		record->status = m.to;
	}
	if (history.mql_at != kNoTime)
		record->mql_at = history.mql_at;
	if (history.sql_at != kNoTime)
		record->sql_at = history.sql_at;
	std::int64_t at = std::max(now, record->checked_at);
	LeadStatus status = StatusAt(model, lead.stored, at, lead.grade);
	if (status < record->status) {
		out->push_back(Transition{TransitionKind::Status, TransitionCause::Decay, static_cast<int>(record->status),
		                          static_cast<int>(status), at, CurrentScore(model, lead.stored, at), lead.grade});
		record->status = status;
	}
}

} // namespace leadscore::core
