// One statement's leads: each lead key of the transition tables gets a dense
// index for core::IngestBatch, and the key itself is kept (as a Datum in the
// statement's memory) for the state statements.
//
// Integer keys go to an IntKeyMap as themselves, uuid and text keys to a
// BytesKeyMap as their bytes (core/ingest/lead_key_map.hpp): no allocation per row.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/ingest/lead_key_map.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace leadscore::pg {

using core::kNoLead;

class LeadMap {
public:
	// The index of `key` (a value of the lead column, of type `type`, which
	// kt reads), adding it and copying the key into the current memory
	// context on first sight.  PostgreSQL side: may ERROR (detoasting,
	// palloc); throws only core::Error and bad_alloc.
	std::uint32_t Intern(const KeyType &kt, Datum key, Oid type);
	// A hint that `key` (a value of the lead column, of type `type`) is
	// interned soon.  PostgreSQL side (detoasting).
	void Prefetch(Datum key, Oid type) const;
	// The index of `key` (of type kt, as SPI returns it), or kNoLead.  C++
	// side: a PostgreSQL error comes back as PgError.
	std::uint32_t Find(const KeyType &kt, Datum key);

	// Sorts `items` into the order in which every writer takes the rows of
	// lead_state: by their leads' keys, as integers or as bytes (not the
	// collation's order: any order that all backends share avoids
	// deadlocks, and this one costs no function call).  lead_of(item) is
	// the item's lead index.
	template <typename LeadOf>
	void SortByKey(std::vector<std::size_t> *items, LeadOf lead_of) const {
		if (integer_keys_) {
			// (key, item) pairs: no indirection per comparison.
			std::vector<std::pair<std::int64_t, std::size_t>> keyed;
			keyed.reserve(items->size());
			for (std::size_t item : *items)
				keyed.emplace_back(ints_.key_at(lead_of(item)), item);
			std::sort(keyed.begin(), keyed.end());
			for (std::size_t k = 0; k < keyed.size(); k++)
				(*items)[k] = keyed[k].second;
			return;
		}
		std::sort(items->begin(), items->end(), [&](std::size_t a, std::size_t b) {
			return bytes_.key_at(lead_of(a)) < bytes_.key_at(lead_of(b));
		});
	}

	// The same order between two keys of type kt from different maps (the
	// leads of two tables' statements in one query).  Keys as Intern
	// copies them: detoasted.
	static bool KeyLess(const KeyType &kt, Datum a, Datum b);

	// The keys by index.
	const std::vector<Datum> &keys() const noexcept {
		return keys_;
	}
	// Forgets the statement's leads, keeping the memory.
	void Clear() noexcept;

private:
	bool integer_keys_ = false; // set by Intern
	core::IntKeyMap ints_;
	core::BytesKeyMap bytes_;
	std::vector<Datum> keys_;
};

} // namespace leadscore::pg
