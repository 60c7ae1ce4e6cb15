// A lead's rows of leadscore.adjustments (src/sql/adjustments.sql), read
// for the recomputes beside its history: an adjustment scores like an
// activity, a reset drops what came before it (LeadRecompute::AddLedger).
// A model without ledger rows (ModelSpec::ledger) reads nothing.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/lead/scoring_recompute.hpp"
#include "core/model/scoring_model.hpp"

#include <map>
#include <string>
#include <vector>

namespace leadscore::pg {

struct LeadLedger {
	Datum key; // in the memory context current at the load
	std::vector<core::LedgerEntry> entries;
};
using Ledgers = std::map<std::string, LeadLedger>; // by key bytes (lead_key.hpp)

// The ledgers of `keys` in `model` (nullptr: of every lead), in one query.
// C++ side, SPI connected.
Ledgers LoadLedgers(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> *keys);

// The entries of the lead with key bytes `bytes` (none: empty).
const std::vector<core::LedgerEntry> &LedgerOf(const Ledgers &ledgers, const std::string &bytes);

// By position in `keys`: 1 for the leads with a reset in `model`.  The
// writers' lookup, only for a model with resets (ModelSpec::resets): such a
// lead's rows dated before its reset must not count, so its change is
// recomputed rather than added.  Once per statement to choose the leads'
// path, and again once their rows are held, which a concurrent reset()
// cannot slip past (apply_deltas.cpp).  Both this and LoadLedgers read with
// the history's snapshot (OpenScanCursor).  C++ side.
std::vector<char> LeadsWithReset(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys);

} // namespace leadscore::pg
