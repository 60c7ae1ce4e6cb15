// A lead's ledger rows.  See lead_ledger.hpp.
#include "pg/ingest/lead_ledger.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace leadscore::pg {
namespace {

Datum KeyFromText(const KeyType &kt, const std::string &text) {
	return CallPg([&] {
		Oid input, ioparam;
		getTypeInputInfo(kt.oid, &input, &ioparam);
		return OidInputFunctionCall(input, const_cast<char *>(text.c_str()), ioparam, -1);
	});
}

// The rows of `sql` as text, `model` its $1 and, with `keys`, the array of
// their keys (of the key type) its $2, read with the snapshot of
// the history beside them (OpenScanCursor): a writer's, after it locked the
// lead, sees the reset a concurrent reset() committed while holding that
// lock (SnapshotSelf under SERIALIZABLE, where the transaction's snapshot
// would not), and verify() reads the ledger as of the history it checks.
std::vector<TextRow> ScanText(const std::string &sql, const std::string &model, const KeyType &kt,
                              const std::vector<Datum> *keys) {
	std::uint64_t count = 0;
	int columns = 0;
	char **cells = nullptr; // count * columns, nullptr for NULL; palloc'd
	CallPg([&] {
		Oid types[] = {TEXTOID, kt.array_oid};
		Datum values[] = {TextDatum(model), Datum(0)};
		if (keys != nullptr)
			values[1] = KeyArrayDatum(kt, keys->data(), static_cast<int>(keys->size()));
		Portal portal = OpenScanCursor(sql.c_str(), keys != nullptr ? 2 : 1, types, values);
		SPI_cursor_fetch(portal, true, FETCH_ALL);
		count = SPI_processed;
		if (SPI_tuptable != nullptr) {
			columns = SPI_tuptable->tupdesc->natts;
			cells = static_cast<char **>(palloc0(sizeof(char *) * (count * columns + 1)));
			for (std::uint64_t r = 0; r < count; r++)
				for (int c = 0; c < columns; c++)
					cells[r * columns + c] = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1);
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(portal);
	});
	std::vector<TextRow> rows(count);
	for (std::uint64_t r = 0; r < count; r++)
		for (int c = 0; c < columns; c++) {
			const char *cell = cells[r * columns + c];
			rows[r].push_back(cell != nullptr ? std::optional<std::string>(cell) : std::nullopt);
		}
	return rows;
}

} // namespace

Ledgers LoadLedgers(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> *keys) {
	Ledgers ledgers;
	if (!model.ledger || kt.oid == InvalidOid || (keys != nullptr && keys->empty()))
		return ledgers;
	std::string sql = "SELECT a.lead_id::pg_catalog.text, a.kind OPERATOR(pg_catalog.=) 'reset', a.points,"
	                  " (extract(epoch FROM a.at) OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8"
	                  " FROM leadscore.adjustments a WHERE a.model OPERATOR(pg_catalog.=) $1";
	if (keys != nullptr)
		sql += " AND a.lead_id OPERATOR(pg_catalog.=) ANY ($2)";
	std::string bytes;
	for (const TextRow &r : ScanText(sql, model.name, kt, keys)) {
		Datum key = KeyFromText(kt, *r[0]);
		AssignKeyBytes(key, kt.oid, &bytes);
		LeadLedger &ledger = ledgers.try_emplace(bytes, LeadLedger{key, {}}).first->second;
		bool reset = *r[1] == "t";
		ledger.entries.push_back(core::LedgerEntry{std::stoll(*r[3]), reset ? 0.0 : std::stod(*r[2]), reset});
	}
	return ledgers;
}

const std::vector<core::LedgerEntry> &LedgerOf(const Ledgers &ledgers, const std::string &bytes) {
	static const std::vector<core::LedgerEntry> none;
	auto it = ledgers.find(bytes);
	return it == ledgers.end() ? none : it->second.entries;
}

std::vector<char> LeadsWithReset(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys) {
	std::vector<char> reset(keys.size(), 0);
	std::string sql = "SELECT DISTINCT a.lead_id::pg_catalog.text FROM leadscore.adjustments a"
	                  " WHERE a.model OPERATOR(pg_catalog.=) $1 AND a.kind OPERATOR(pg_catalog.=) 'reset'"
	                  " AND a.lead_id OPERATOR(pg_catalog.=) ANY ($2)";
	std::vector<TextRow> rows = ScanText(sql, model.name, kt, &keys);
	if (rows.empty())
		return reset;
	std::map<std::string, bool> with_reset;
	std::string bytes;
	for (const TextRow &r : rows) {
		Datum key = KeyFromText(kt, *r[0]);
		AssignKeyBytes(key, kt.oid, &bytes);
		with_reset[bytes] = true;
	}
	for (std::size_t i = 0; i < keys.size(); i++) {
		AssignKeyBytes(keys[i], kt.oid, &bytes);
		reset[i] = with_reset.count(bytes) != 0;
	}
	return reset;
}

} // namespace leadscore::pg
