// Per-table statement scratch.  See statement_scratch.hpp.
#include "pg/ingest/statement_scratch.hpp"

#include <unordered_map>

namespace leadscore::pg {
namespace {

// Created on first use, never at load time: a library's static
// constructors run before PostgreSQL can report their errors.
std::unordered_map<Oid, std::unique_ptr<StatementScratch>> *scratches = nullptr;

} // namespace

void StatementScratch::Reset() {
	batch->Reset();
	leads.Clear();
	first_account.clear();
	first_account_at.clear();
}

StatementScratch *BeginStatement(TablePlan *tp) {
	if (scratches == nullptr)
		scratches = new std::unordered_map<Oid, std::unique_ptr<StatementScratch>>();
	std::unique_ptr<StatementScratch> &s = (*scratches)[tp->table.relid];
	// A plan rebuilt since (the configuration or the table changed) may
	// score other models: the batch is built anew for it.
	if (s == nullptr || s->plan_build != tp->build) {
		s = std::make_unique<StatementScratch>();
		s->batch = std::make_unique<core::IngestBatch>(*tp->plan, [] { return InterruptPending != 0; });
		s->plan_build = tp->build;
	}
	s->tp = tp;
	s->Reset();
	return s.get();
}

} // namespace leadscore::pg
