// Text-in, text-out SPI for configuration and admin queries.
#include "pg/spi/spi_query.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/spi/shard_names.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace leadscore::pg {
namespace {

struct RawResult {
	std::uint64_t rows;
	int columns;
	char **cells; // rows * columns, NULL for SQL NULL; palloc'd
};

// PostgreSQL side only: plain C data, no C++ object, so an ERROR here is
// safe to longjmp (CallPg turns it into PgError).
RawResult Run(const char *statement, int nargs, Oid *types, Datum *values, char *nulls, bool want_rows) {
	const char *sql = ShardSql(statement);
	int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "leadscore: SPI_execute_with_args failed (%d): %s", rc, sql);
	RawResult r{SPI_processed, 0, nullptr};
	if (!want_rows || SPI_tuptable == nullptr)
		return r;
	TupleDesc desc = SPI_tuptable->tupdesc;
	r.columns = desc->natts;
	// In SPI's procedure context: QueryText copies them out before
	// SPI_finish frees it.
	r.cells = static_cast<char **>(palloc0(sizeof(char *) * (r.rows * r.columns + 1)));
	for (std::uint64_t i = 0; i < r.rows; i++)
		for (int c = 0; c < r.columns; c++)
			r.cells[i * r.columns + c] = SPI_getvalue(SPI_tuptable->vals[i], desc, c + 1);
	return r;
}

RawResult RunWithArgs(const char *sql, const std::vector<std::optional<std::string>> &args, bool want_rows) {
	int n = static_cast<int>(args.size());
	// The argument arrays live in PostgreSQL memory, filled before the call.
	Oid *types = static_cast<Oid *>(CallPg([&] { return palloc(sizeof(Oid) * (n + 1)); }));
	Datum *values = static_cast<Datum *>(CallPg([&] { return palloc(sizeof(Datum) * (n + 1)); }));
	char *nulls = static_cast<char *>(CallPg([&] { return palloc(n + 1); }));
	for (int i = 0; i < n; i++) {
		types[i] = TEXTOID;
		nulls[i] = args[i] ? ' ' : 'n';
		const std::string *s = args[i] ? &*args[i] : nullptr;
		values[i] = s ? CallPg([&] { return TextDatum(*s); }) : Datum(0);
	}
	RawResult result;
	CallPg([&] { result = Run(sql, n, types, values, nulls, want_rows); });
	return result;
}

} // namespace

std::vector<TextRow> QueryText(const char *sql, const std::vector<std::optional<std::string>> &args) {
	RawResult r = RunWithArgs(sql, args, true);
	std::vector<TextRow> rows(r.rows);
	for (std::uint64_t i = 0; i < r.rows; i++) {
		rows[i].resize(static_cast<std::size_t>(r.columns));
		for (int c = 0; c < r.columns; c++) {
			const char *cell = r.cells[i * r.columns + c];
			if (cell != nullptr)
				rows[i][static_cast<std::size_t>(c)] = std::string(cell);
		}
	}
	return rows;
}

std::uint64_t ExecuteText(const char *sql, const std::vector<std::optional<std::string>> &args) {
	return RunWithArgs(sql, args, false).rows;
}

void ConnectSpi() {
	CallPg([] {
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "leadscore: SPI_connect failed");
	});
}

void FinishSpi() {
	CallPg([] { SPI_finish(); });
}

} // namespace leadscore::pg
