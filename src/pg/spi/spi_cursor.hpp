// Reading a query's rows through an SPI cursor, a batch at a time, each row
// converted on the PostgreSQL side into plain data that C++ then uses: the
// one loop behind history scans, lead table scans and the insight functions.
#pragma once

#include "pg/boundary/guard.hpp"
#include "pg/boundary/postgres_headers.hpp"
#include "pg/spi/owner_rights.hpp"

extern "C" {
#include "executor/spi.h"
}

#include <cstdint>

namespace leadscore::pg {

constexpr long kCursorBatch = 1000;

// Fetches `portal` in batches of kCursorBatch.  For each row,
// `convert(tuple, desc)` runs on the PostgreSQL side (it may ERROR; it must
// not throw) in a memory context that is reset for every row, and returns a
// pointer to the converted row, which `use` then gets: valid until the
// next row.  Frees each batch, closes the portal.  The cursor runs with
// `rights` (open it with them too): a query of a user's relation runs its
// owner's code as it fetches (owner_rights.hpp); `use` runs outside them.
template <typename Convert, typename Use>
void ForEachCursorRow(Portal portal, Convert &&convert, Use &&use,
                      const OwnerRights &rights = OwnerRights::Current()) {
	MemoryContext row_context = CallPg([] {
		return AllocSetContextCreate(CurrentMemoryContext, "leadscore cursor row", ALLOCSET_DEFAULT_SIZES);
	});
	for (;;) {
		SPITupleTable *batch = rights.Run([&] {
			SPI_cursor_fetch(portal, true, kCursorBatch);
			return SPI_tuptable;
		});
		std::uint64_t n = SPI_processed;
		if (n == 0)
			break;
		for (std::uint64_t i = 0; i < n; i++) {
			auto *row = CallPg([&] {
				MemoryContextReset(row_context);
				MemoryContext outer = MemoryContextSwitchTo(row_context);
				auto *converted = convert(batch->vals[i], batch->tupdesc);
				MemoryContextSwitchTo(outer);
				return converted;
			});
			use(*row);
		}
		CallPg([&] { SPI_freetuptable(batch); });
	}
	rights.Run([&] { SPI_cursor_close(portal); });
	CallPg([&] { MemoryContextDelete(row_context); });
}

} // namespace leadscore::pg
