// Column buffers for lead states.
#include "pg/state/state_buffers.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/state/state_codec.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace leadscore::pg {

StateColumns ColumnBuffers::View(int stage_count, bool rank_momentum) {
	StateColumns s;
	s.n = static_cast<int>(keys.size());
	s.keys = keys.data();
	s.stored = stored.data();
	s.momentum = momentum.data();
	s.rank_momentum = rank_momentum;
	s.stage_count = stage_count;
	s.stages = stages.data();
	s.activity_count = counts.data();
	s.last_at = last_at.data();
	s.last_at_null = reinterpret_cast<bool *>(last_at_null.data());
	caps_from.push_back(static_cast<std::int32_t>(caps.size()) + 1);
	s.caps = caps.data();
	s.caps_from = caps_from.data();
	s.caps_len = caps_len.data();
	s.grade = grade.data();
	s.status = status.data();
	s.stage = stage.data();
	s.band = band.data();
	s.mql_at = mql_at.data();
	s.sql_at = sql_at.data();
	s.checked_at = checked_at.data();
	s.due_at = due_at.data();
	return s;
}

void ColumnBuffers::Clear() {
	keys.clear();
	stored.clear();
	momentum.clear();
	stages.clear();
	counts.clear();
	last_at.clear();
	caps.clear();
	last_at_null.clear();
	caps_from.clear();
	caps_len.clear();
	for (auto *v : {&grade, &status, &stage, &band})
		v->clear();
	for (auto *v : {&mql_at, &sql_at, &checked_at, &due_at})
		v->clear();
}

void PushRecord(ColumnBuffers *b, const core::ModelSpec &model, const core::LifecycleRecord &r) {
	b->grade.push_back(r.grade ? core::GradeName(*r.grade) : nullptr);
	b->status.push_back(core::LeadStatusName(r.status));
	b->stage.push_back(core::TransitionValueName(model, core::TransitionKind::Stage, r.stage));
	b->band.push_back(core::TransitionValueName(model, core::TransitionKind::Band, r.band));
	b->mql_at.push_back(r.mql_at);
	b->sql_at.push_back(r.sql_at);
	b->checked_at.push_back(r.checked_at);
	b->due_at.push_back(r.due_at);
}

void PushTime(ColumnBuffers *b, std::int64_t unix_us) {
	b->last_at.push_back(unix_us == core::kNoTime ? 0 : UnixUsToTimestamp(unix_us));
	b->last_at_null.push_back(unix_us == core::kNoTime);
}

void PushDelta(ColumnBuffers *b, Datum key, const core::ModelBatch &batch, std::size_t i) {
	const core::LeadDelta &d = batch.leads()[i];
	b->keys.push_back(key);
	b->stored.push_back(d.stored);
	b->momentum.push_back(d.momentum);
	b->stages.insert(b->stages.end(), batch.stage_deltas(i), batch.stage_deltas(i) + batch.stage_count());
	b->counts.push_back(d.activity_count);
	PushTime(b, d.max_inserted_at);
	b->caps_from.push_back(static_cast<std::int32_t>(b->caps.size()) + 1);
	b->caps_len.push_back(0);
}

void PushState(ColumnBuffers *b, Datum key, const core::LeadState &s) {
	b->keys.push_back(key);
	b->stored.push_back(s.stored);
	b->momentum.push_back(s.momentum);
	b->stages.insert(b->stages.end(), s.stage_stored.begin(), s.stage_stored.end());
	b->counts.push_back(s.activity_count);
	PushTime(b, s.last_activity_at);
	std::size_t before = b->caps.size();
	EncodeCaps(s.caps, &b->caps);
	EncodePending(s.pending, &b->caps);
	b->caps_from.push_back(static_cast<std::int32_t>(before) + 1);
	b->caps_len.push_back(static_cast<std::int32_t>(b->caps.size() - before));
}

} // namespace leadscore::pg
