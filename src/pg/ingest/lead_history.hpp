// A lead's activity history, read from every attached activity table and
// recomputed by the core: the reference for reloads, verify() and rescore().
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"
#include "pg/catalog/model_catalog.hpp"

#include "core/lead/scoring_recompute.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace leadscore::pg {

// One row of history, converted: valid during the visitor call.
struct HistoryRow {
	Datum key;
	std::string_view type;
	std::int64_t at;
	const core::Value *values;
};

// Visits the rows of `table` — of lead `*key` only, or every row ordered by
// lead when key is null — that have a lead, type and time.
void ScanHistory(const ActivityTable &table, const KeyType &kt, const Datum *key,
                 const std::function<void(const HistoryRow &)> &visit);

// The state of lead `key` in model `model_id` recomputed from every attached
// activity table.  `model` is that model compiled for any one of them.
void RecomputeLead(const KeyType &kt, Datum key, const core::CompiledModel &model, core::Recomputed *out);

// The same for the leads `keys`: visit(i, state of keys[i]) for each i in
// order.  A model fed by one attached table (the usual case) reads them in
// one query, a join of the keys with the table through its lead column;
// with several, a lead at a time.
void RecomputeLeads(const KeyType &kt, const std::vector<Datum> &keys, const core::CompiledModel &model,
                    const std::function<void(std::size_t, const core::Recomputed &)> &visit);

// How many attached tables feed `model`.
std::size_t ModelTableCount(const core::CompiledModel &model);

// The rows of the leads `keys` from every table that feeds `model`, one
// query per table: visit(i, table, row) for a row of keys[i], `table` an
// index into `table_models`, which gets the model compiled for each table.
void ScanLeadHistories(const KeyType &kt, const std::vector<Datum> &keys, const core::CompiledModel &model,
                       std::vector<const core::CompiledModel *> *table_models,
                       const std::function<void(std::size_t, std::size_t, const HistoryRow &)> &visit);

// The distinct leads of `tables` (keys over kMaxKeyBytes left out, as the
// triggers leave them out), by key bytes, each key copied into the current
// memory context.  One query per table: tables of different owners are read
// with different rights (owner_rights.hpp).
std::map<std::string, Datum> DistinctLeads(const std::vector<const ActivityTable *> &tables, const KeyType &kt);

} // namespace leadscore::pg
