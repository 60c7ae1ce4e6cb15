// Scoring a statement's rows.  See score_scratch.hpp.
#include "pg/ingest/score_scratch.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/ingest/apply_deltas.hpp"
#include "pg/state/ingest_log.hpp"

extern "C" {
#include "access/xact.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

// The leads whose earliest inserted row named an account (NoteAccount in
// transition_rows.cpp), for ReportEffects.
FirstAccounts FirstAccountsOf(const StatementScratch *st) {
	FirstAccounts first;
	for (std::size_t lead = 0; lead < st->first_account_at.size(); lead++)
		if (st->first_account_at[lead] != core::kNoTime) {
			first.leads.push_back(st->leads.keys()[lead]);
			first.accounts.push_back(st->first_account[lead]);
		}
	return first;
}

} // namespace

void ScoreScratch(StatementScratch *st) {
	TablePlan *tp = st->tp;
	const KeyType &kt = tp->key_type;
	st->batch->Finish();
	std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	bool accounts = tp->account_key_type.oid != InvalidOid;
	std::vector<ModelEffects> effects;
	effects.reserve(tp->plan->model_count());
	for (std::size_t m = 0; m < tp->plan->model_count(); m++) {
		effects.emplace_back(tp->plan->model(m).spec(), now, accounts);
		ApplyModel(st, kt, m, &effects.back());
	}
	ReportEffects(kt, tp->account_key_type, effects, FirstAccountsOf(st), now);
	const core::IngestStats &stats = st->batch->stats();
	if (st->skipped != 0 || stats.unknown_type != 0)
		AppendIngestLog(tp->table.relid, st->skipped, stats.unknown_type);
}

} // namespace leadscore::pg
