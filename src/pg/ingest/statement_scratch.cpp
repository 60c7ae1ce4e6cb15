// Per-table statement scratch.  See statement_scratch.hpp.
#include "pg/ingest/statement_scratch.hpp"

extern "C" {
#include "utils/memutils.h"
}

#include <map>
#include <utility>

namespace leadscore::pg {
namespace {

// Created on first use, never at load time: a library's static
// constructors run before PostgreSQL can report their errors.
std::map<std::pair<Oid, int>, std::unique_ptr<StatementScratch>> *scratches = nullptr;

} // namespace

void StatementScratch::Reset() {
	batch->Reset();
	leads.Clear();
	first_account.clear();
	first_account_at.clear();
	earliest_at.clear();
	skipped = 0;
	finished = false;
	// The rows' contexts are memory's children, gone with the reset.
	for (PendingRow &r : rows) {
		r.context = nullptr;
		r.slot = nullptr;
	}
	MemoryContextReset(memory);
}

StatementScratch::~StatementScratch() {
	if (memory != nullptr)
		MemoryContextDelete(memory);
}

StatementScratch *BeginStatement(TablePlan *tp, int slot) {
	if (scratches == nullptr)
		scratches = new std::map<std::pair<Oid, int>, std::unique_ptr<StatementScratch>>();
	std::unique_ptr<StatementScratch> &s = (*scratches)[{tp->table.relid, slot}];
	// A plan rebuilt since (the configuration or the table changed) may
	// score other models: the batch is built anew for it.
	if (s == nullptr || s->plan_build != tp->build) {
		// First, so that an ERROR in it leaves no C++ object behind.
		MemoryContext memory = AllocSetContextCreate(TopMemoryContext, "leadscore statement", ALLOCSET_DEFAULT_SIZES);
		auto fresh = std::make_unique<StatementScratch>();
		fresh->memory = memory;
		fresh->batch = std::make_unique<core::IngestBatch>(*tp->plan, [] { return InterruptPending != 0; });
		fresh->plan_build = tp->build;
		s = std::move(fresh);
	}
	s->tp = tp;
	s->shard = CurrentShard();
	s->held = SharedTablePlan(tp->table.relid);
	s->Reset();
	return s.get();
}

} // namespace leadscore::pg
