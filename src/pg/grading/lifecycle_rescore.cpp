// Lifecycle rebuild and checks.  See lifecycle_rescore.hpp.
#include "pg/grading/lifecycle_rescore.hpp"

#include "pg/boundary/batch_memory.hpp"
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/grading/lead_grades.hpp"
#include "pg/ingest/history_walk.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/lifecycle_store.hpp"
#include "pg/state/state_layout.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

#include "core/lead/scoring_status.hpp"
#include "core/model/stage_rule.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>

namespace leadscore::pg {
namespace {

constexpr std::size_t kBatch = 1000;

using GradeMap = std::unordered_map<std::string, core::GradeRank>;

// Every lead's grade; with `ensure`, rows are created for graded leads
// without one.
GradeMap GradeLeads(const KeyType &kt, const core::ModelSpec &model, bool ensure) {
	GradeMap grades;
	std::vector<Datum> pending;
	ScanLeadGrades(model, [&](Datum key, core::GradeRank grade) {
		grades[KeyBytes(key, kt.oid)] = grade;
		if (!ensure)
			return;
		pending.push_back(CallPg([&] { return CopyKey(key, kt); }));
		if (pending.size() >= kBatch) {
			EnsureLifecycleRows(kt, model, pending);
			pending.clear();
		}
	});
	if (ensure)
		EnsureLifecycleRows(kt, model, pending);
	return grades;
}

std::optional<core::GradeRank> GradeOf(const GradeMap &grades, const KeyType &kt, Datum key) {
	auto it = grades.find(KeyBytes(key, kt.oid));
	if (it == grades.end())
		return std::nullopt;
	return it->second;
}

// Visits every row of the model in key order, in batches read by a cursor.
// Not read-only for rescore(): the cursor must see the scores it just wrote
// (verify() reads with its statement's snapshot: consistent_reads.hpp).
void ForEachRowBatch(const core::ModelSpec &model, const std::function<void(std::vector<LifecycleLead> &)> &visit) {
	std::int32_t model_id = model.id;
	std::string sql = std::string("SELECT " LEADSCORE_LIFECYCLE_SELECT) + BandColumn() +
	                  " FROM leadscore.lead_state WHERE model_id = $1 ORDER BY lead_id";
	Portal portal = CallPg([&] {
		Oid types[] = {INT4OID};
		Datum values[] = {Int32GetDatum(model_id)};
		return OpenScanCursor(sql.c_str(), 1, types, values);
	});
	// Each batch's rows (the keys point into them) and what `visit` writes
	// with them are freed before the next.
	BatchMemory batch("leadscore lifecycle batch");
	for (;;) {
		SPITupleTable *rows = CallPg([&] {
			SPI_cursor_fetch(portal, true, static_cast<long>(kBatch));
			return SPI_tuptable;
		});
		std::uint64_t n = SPI_processed;
		if (n == 0)
			break;
		batch.Run([&] {
			std::vector<LifecycleLead> leads = ReadLifecycleRows(rows, n, StateSelect::Lifecycle, model);
			visit(leads);
		});
		CallPg([&] { SPI_freetuptable(rows); });
	}
	CallPg([&] { SPI_cursor_close(portal); });
}

// stored = 0: a lead with adjustments only (adjust()) has a score.
void DeleteEmptyRows(std::int32_t model_id) {
	ExecuteText("DELETE FROM leadscore.lead_state WHERE model_id = $1::pg_catalog.int4 AND activity_count = 0"
	            " AND stored = 0 AND grade IS NULL AND status = 'nurture' AND stage IS NULL",
	            {std::to_string(model_id)});
}

std::string Named(const core::ModelSpec &model, core::TransitionKind kind, int value) {
	const char *name = core::TransitionValueName(model, kind, value);
	return name ? name : "none";
}

// What a record must be, whatever wrote it last: nothing reported is missing.
// Every upward move is reported by the write that causes it, so the status,
// stage and band now (at the record's time, if later) are the recorded ones, or
// lower only while decay's report is due (tick() has yet to run); and the
// record is due no later than decay can change it.  A due time earlier than
// that is harmless (tick() looks and finds nothing yet).
template <typename Report>
void CheckRecord(const core::ModelSpec &model, const LifecycleLead &lead, std::int64_t now, const Report &report) {
	const core::LifecycleRecord &r = lead.record;
	// Never before the epoch: hundreds of half-lives before it a stored sum
	// (0 after a re-base) says nothing.
	std::int64_t at = std::max({now, r.checked_at, model.epoch_us});
	core::LifecycleInput input = lead.Input();
	core::LeadStatus status = core::StatusAt(model, input.stored, at, input.grade);
	int stage = core::StageAt(model, input.stage_stored, input.stage_count, at);
	bool pending = r.due_at != core::kNoTime && r.due_at <= at;
	if (status != r.status && !(status < r.status && pending))
		report("status " + Named(model, core::TransitionKind::Status, static_cast<int>(r.status)) +
		       " recorded, state says " + Named(model, core::TransitionKind::Status, static_cast<int>(status)));
	if (stage != r.stage && !(stage < r.stage && pending))
		report("stage " + Named(model, core::TransitionKind::Stage, r.stage) + " recorded, state says " +
		       Named(model, core::TransitionKind::Stage, stage));
	int band = core::BandAt(model, input.stored, at);
	if (band != r.band && !(band < r.band && pending))
		report("band " + Named(model, core::TransitionKind::Band, r.band) + " recorded, state says " +
		       Named(model, core::TransitionKind::Band, band));
	std::int64_t due = core::NextDue(model, input, r);
	if (due != core::kNoTime && (r.due_at == core::kNoTime || r.due_at > due + 1000))
		report("due_at later than decay changes the lead");
}

} // namespace

void ZeroScores(std::int32_t model_id, std::size_t stage_count) {
	std::string rank = HotStateLayout() ? ", score_rank = 0, momentum = 0, momentum_rank = 0" : "";
	ExecuteText(("UPDATE leadscore.lead_state SET stored = 0,"
	             " stage_stored = pg_catalog.array_fill(0::pg_catalog.float8, ARRAY[$2::pg_catalog.int4]),"
	             " activity_count = 0, last_activity_at = NULL, caps = NULL" +
	             rank + " WHERE model_id = $1::pg_catalog.int4")
	                .c_str(),
	            {std::to_string(model_id), std::to_string(stage_count)});
}

void RescoreLifecycle(const KeyType &kt, const core::ModelSpec &model, std::int64_t now,
                      const core::CompiledModel *walk) {
	GradeMap grades = GradeLeads(kt, model, true);
	bool graded = !model.grade_profile.empty();
	ForEachRowBatch(model, [&](std::vector<LifecycleLead> &leads) {
		std::vector<LeadEvent> events;
		std::vector<core::Transition> transitions;
		std::vector<Datum> walked;
		std::vector<std::optional<core::GradeRank>> walked_grades;
		for (LifecycleLead &lead : leads) {
			core::LifecycleInput input = lead.Input();
			input.grade = graded ? GradeOf(grades, kt, lead.key) : std::nullopt;
			transitions.clear();
			core::Advance(model, input, now, core::TransitionCause::Rescore, &lead.record, &transitions);
			for (const core::Transition &t : transitions)
				events.push_back(LeadEvent{lead.key, t});
			if (walk != nullptr && lead.activity_count > 0) {
				walked.push_back(lead.key);
				walked_grades.push_back(input.grade);
			}
		}
		if (!walked.empty()) {
			std::vector<core::HistoryCrossings> crossings = WalkHistories(kt, *walk, walked, walked_grades, now);
			std::size_t k = 0;
			for (LifecycleLead &lead : leads) {
				if (!(lead.activity_count > 0))
					continue;
				const core::HistoryCrossings &h = crossings[k++];
				// A status the walk never saw (a crossing on a grade's
				// change, not at a row) keeps the time Advance gave it.
				if (h.mql_at != core::kNoTime || lead.record.status == core::LeadStatus::Nurture)
					lead.record.mql_at = h.mql_at;
				if (h.sql_at != core::kNoTime || lead.record.status != core::LeadStatus::Sql)
					lead.record.sql_at = h.sql_at;
			}
		}
		WriteLifecycle(kt, model, leads);
		InsertEvents(kt, model, events, false);
	});
	DeleteEmptyRows(model.id);
}

std::vector<std::pair<std::string, std::string>> VerifyLifecycle(const KeyType &kt, const core::ModelSpec &model) {
	std::int64_t now = CallPg([] { return TimestampToUnixUs(GetCurrentTransactionStartTimestamp()); });
	GradeMap grades = GradeLeads(kt, model, false);
	bool graded = !model.grade_profile.empty();
	std::vector<std::pair<std::string, std::string>> out;
	ForEachRowBatch(model, [&](std::vector<LifecycleLead> &leads) {
		for (const LifecycleLead &lead : leads) {
			std::optional<core::GradeRank> expected = graded ? GradeOf(grades, kt, lead.key) : std::nullopt;
			const core::LifecycleRecord &r = lead.record;
			auto report = [&](const std::string &what) { out.emplace_back(CallPg([&] { return KeyText(lead.key, kt.oid); }), what); };
			if (expected != r.grade)
				report("grade " + Named(model, core::TransitionKind::Grade, r.grade ? *r.grade : -1) + ", expected " +
				       Named(model, core::TransitionKind::Grade, expected ? *expected : -1));
			CheckRecord(model, lead, now, report);
		}
	});
	return out;
}

} // namespace leadscore::pg
