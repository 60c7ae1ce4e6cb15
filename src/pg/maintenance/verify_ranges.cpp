// Values out of range in lead and account states.  See verify_ranges.hpp.
#include "pg/maintenance/verify_ranges.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/state_layout.hpp"

extern "C" {
#include "utils/timestamp.h"
}

#include <cstring>

namespace leadscore::pg {
namespace {

// The checks as SQL: `bad` is NULL (no problem) for a NULL time.  Only the
// key is printed: an out-of-range timestamptz has no text form.  No
// subquery reads a row (float8 equality holds for NaN, so && finds one):
// Citus runs these on the shards, and correlates nothing with VALUES.
constexpr const char *kLeadChecks =
    "SELECT s.lead_id::pg_catalog.text, c.what FROM leadscore.lead_state s, LATERAL (VALUES"
    " ('stored is not finite', s.stored IN ('NaN', 'Infinity', '-Infinity')),"
    " ('a stage sum is not finite', s.stage_stored OPERATOR(pg_catalog.&&)"
    "  '{NaN,Infinity,-Infinity}'::pg_catalog.float8[]),"
    " ('last_activity_at is out of range', NOT s.last_activity_at BETWEEN @lo AND @hi),"
    " ('mql_at is out of range', NOT s.mql_at BETWEEN @lo AND @hi),"
    " ('sql_at is out of range', NOT s.sql_at BETWEEN @lo AND @hi),"
    " ('checked_at is out of range', NOT s.checked_at BETWEEN @lo AND @hi),"
    " ('due_at is out of range', NOT s.due_at BETWEEN @lo AND @hi)) c(what, bad)"
    " WHERE s.model_id = $1::pg_catalog.int4 AND c.bad ORDER BY 1, 2";

// What the indexes read (state_tables.sql; 0.3's layout, state_layout.hpp):
// top_leads() and top_momentum() order by their ranks first, and tick()
// finds a due lead only from a hint no later than its due_at.
constexpr const char *kLayoutChecks =
    "SELECT s.lead_id::pg_catalog.text, c.what FROM leadscore.lead_state s"
    " JOIN leadscore.models m ON m.id = s.model_id, LATERAL (VALUES"
    " ('score_rank is not the stored sum''s', s.score_rank <> leadscore.score_rank(s.stored)),"
    " ('momentum_rank is not the momentum''s', s.momentum_rank <> leadscore.momentum_rank(s.momentum,"
    "  m.momentum_ranking)),"
    " ('due_hint is later than due_at', s.due_at IS NOT NULL AND (s.due_hint IS NULL OR s.due_hint > s.due_at))) c(what, bad)"
    " WHERE s.model_id = $1::pg_catalog.int4 AND c.bad ORDER BY 1, 2";

constexpr const char *kAccountChecks =
    "SELECT 'account ' OPERATOR(pg_catalog.||) a.account_id::pg_catalog.text, c.what"
    " FROM leadscore.account_state a, LATERAL (VALUES"
    " ('stored is not finite', a.stored IN ('NaN', 'Infinity', '-Infinity')),"
    " ('a stage sum is not finite', a.stage_stored OPERATOR(pg_catalog.&&)"
    "  '{NaN,Infinity,-Infinity}'::pg_catalog.float8[]),"
    " ('hot_at is out of range', NOT a.hot_at BETWEEN @lo AND @hi),"
    " ('checked_at is out of range', NOT a.checked_at BETWEEN @lo AND @hi)) c(what, bad)"
    " WHERE a.model_id = $1::pg_catalog.int4 AND c.bad ORDER BY 1, 2";

// The range's bounds as literals (@lo, @hi in the checks): constants when
// the query is parsed, where a parameter would be cast from text, a STABLE
// cast that Citus does not push down to the shards inside VALUES.
std::string WithBounds(const char *check) {
	std::string sql(check);
	const std::pair<const char *, std::string> bounds[] = {
	    {"@lo", "'" + TimestampText(core::kEarliestTime) + "'::pg_catalog.timestamptz"},
	    {"@hi", "'" + TimestampText(core::kLatestTime) + "'::pg_catalog.timestamptz"}};
	for (const auto &[name, literal] : bounds)
		for (std::size_t at = sql.find(name); at != std::string::npos; at = sql.find(name, at + literal.size()))
			sql.replace(at, std::strlen(name), literal);
	return sql;
}

} // namespace

std::vector<std::pair<std::string, std::string>> VerifyRanges(const core::ModelSpec &model) {
	std::vector<std::pair<std::string, std::string>> out;
	std::vector<std::optional<std::string>> args = {std::to_string(model.id)};
	std::vector<const char *> checks = {kLeadChecks, kAccountChecks};
	if (HotStateLayout())
		checks.insert(checks.begin() + 1, kLayoutChecks);
	for (const char *check : checks) {
		std::string sql = WithBounds(check);
		for (const TextRow &r : QueryText(sql.c_str(), args))
			out.emplace_back(*r[0], *r[1]);
	}
	return out;
}

} // namespace leadscore::pg
