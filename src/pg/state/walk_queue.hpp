// The queue of leads whose mql_at and sql_at tick() takes from their
// history (leadscore.history_walks, src/sql/state_tables.sql): a writer
// whose rows came dated before a lead's record queues the lead instead of
// reading its history back (src/pg/maintenance/queued_walks.hpp).
//
// A lead's queue row is only written while its lead_state row is locked
// (by the writer that queues it, by tick() that takes it off), so queue
// rows are never waited for in another order than the states.
//
// Call inside Guarded with SPI connected.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

// Leads of one model to queue: each with the earliest row the statement
// brought.
struct WalkQueue {
	std::vector<Datum> keys;
	std::vector<std::int64_t> since;

	void Add(Datum key, std::int64_t at) {
		keys.push_back(key);
		since.push_back(at);
	}
};

// Queues the leads of `queue` in model `model_id`; a lead queued already
// keeps the earlier time.
void QueueWalks(const KeyType &kt, std::int32_t model_id, const WalkQueue &queue);

// Takes `keys` of model `model_id` off the queue.
void DequeueWalks(const KeyType &kt, std::int32_t model_id, const std::vector<Datum> &keys);

// Takes every lead of model `model_id` off the queue (rescore() walks them
// all), or only those without a state row (`orphans`: deleted since).
void ClearWalks(std::int32_t model_id, bool orphans);

} // namespace leadscore::pg
