// The configuration tables in the core's terms.
#include "pg/catalog/model_catalog.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/column_check.hpp"
#include "pg/spi/shard_names.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "utils/builtins.h"
}

#include "core/base/error.hpp"

#include <cstdlib>

namespace leadscore::pg {
namespace {

double ToDouble(const std::optional<std::string> &s, double null_value) {
	return s ? std::strtod(s->c_str(), nullptr) : null_value;
}

std::int64_t ToInt(const std::optional<std::string> &s) {
	return s ? std::strtoll(s->c_str(), nullptr, 10) : 0;
}

core::ModelSpec ModelFromRow(const TextRow &r) {
	core::ModelSpec m;
	m.id = static_cast<std::int32_t>(ToInt(r[0]));
	m.name = *r[1];
	m.half_life_us = ToDouble(r[2], 0);
	m.mql_threshold = ToDouble(r[3], 0);
	m.sql_threshold = ToDouble(r[4], 0);
	if (r[5]) {
		core::GradeRank g;
		if (core::ParseGrade(*r[5], &g))
			m.sql_min_grade = g;
	}
	m.stage_min_points = ToDouble(r[6], core::kDefaultStageMinPoints);
	m.max_score = ToDouble(r[7], std::numeric_limits<double>::quiet_NaN());
	m.epoch_us = ToInt(r[8]);
	m.grade_profile = r[9].value_or("");
	if (r[10])
		core::ParseGrade(*r[10], &m.fit_min_grade);
	m.active = r[11].value_or("t") == "t";
	m.account_threshold = ToDouble(r[12], std::numeric_limits<double>::quiet_NaN());
	// sql_min_grade applies only to models that grade their leads.
	if (m.grade_profile.empty())
		m.sql_min_grade.reset();
	return m;
}

core::ModelSpec *FindModel(std::vector<core::ModelSpec> &models, std::int64_t id) {
	for (auto &m : models)
		if (m.id == id)
			return &m;
	return nullptr;
}

// "4:open5:click" -> {"open", "click"}.
std::vector<std::string> LengthPrefixed(const std::string &s) {
	std::vector<std::string> out;
	std::size_t pos = 0;
	while (pos < s.size()) {
		std::size_t colon = s.find(':', pos);
		if (colon == std::string::npos)
			break;
		std::size_t len = std::strtoull(s.c_str() + pos, nullptr, 10);
		out.push_back(s.substr(colon + 1, len));
		pos = colon + 1 + len;
	}
	return out;
}

} // namespace

// Intervals as microseconds: a month is 30 days, as everywhere in SQL.
// The columns 0.3 added are read through to_jsonb(r), which a 0.2 table
// (a new library before ALTER EXTENSION UPDATE) answers with NULLs.
const char *const kRuleColumns =
    "r.id, r.name, r.activity_type, r.points, r.stage, r.condition, r.max_count,"
    " (pg_catalog.to_jsonb(r) OPERATOR(pg_catalog.->>) 'min_count')::pg_catalog.int4,"
    " (pg_catalog.date_part('epoch', (pg_catalog.to_jsonb(r) OPERATOR(pg_catalog.->>) 'within')::pg_catalog.interval)"
    " * 1000000)::pg_catalog.int8,"
    " (pg_catalog.date_part('epoch', (pg_catalog.to_jsonb(r) OPERATOR(pg_catalog.->>) 'cooldown')::pg_catalog.interval)"
    " * 1000000)::pg_catalog.int8,"
    " pg_catalog.to_jsonb(r) OPERATOR(pg_catalog.->>) 'points_expression',"
    " (pg_catalog.to_jsonb(r) OPERATOR(pg_catalog.->>) 'in_a_row')::pg_catalog.int4,"
    // Response types as length-prefixed bytes ("4:open5:click"): no name
    // can break the list apart.
    " (SELECT pg_catalog.string_agg(pg_catalog.octet_length(x.t)::pg_catalog.text OPERATOR(pg_catalog.||) ':'"
    " OPERATOR(pg_catalog.||) x.t, '' ORDER BY x.i)"
    " FROM pg_catalog.jsonb_array_elements_text(pg_catalog.jsonb_path_query_array(pg_catalog.to_jsonb(r),"
    " '$.response_types[*]'))"
    " WITH ORDINALITY AS x(t, i))";

core::RuleSpec RuleFromRow(const core::ModelSpec &model, const TextRow &row, std::size_t first) {
	const TextRow::value_type *r = row.data() + first;
	core::RuleSpec rule;
	rule.id = static_cast<std::int32_t>(ToInt(r[0]));
	rule.name = *r[1];
	rule.activity_type = r[2].value_or("");
	rule.points = ToDouble(r[3], 0);
	rule.stage = r[4] ? core::FindStage(model, *r[4]) : core::kNoStage;
	rule.condition = r[5].value_or("");
	rule.max_count = static_cast<std::int32_t>(ToInt(r[6]));
	rule.window.min_count = static_cast<std::int32_t>(ToInt(r[7]));
	rule.window.within_us = ToInt(r[8]);
	rule.window.cooldown_us = ToInt(r[9]);
	rule.points_expression = r[10].value_or("");
	rule.response_types = LengthPrefixed(r[12].value_or(""));
	if (!rule.response_types.empty()) {
		// A silence rule's `within` is its answer window, not a burst's.
		rule.absence = core::AbsenceStreak{static_cast<std::int32_t>(ToInt(r[11])), rule.window.within_us};
		rule.window = core::FrequencyWindow{};
	}
	return rule;
}

std::vector<core::ModelSpec> LoadModels() {
	std::vector<core::ModelSpec> models;
	for (const TextRow &r : QueryText(
	         "SELECT id, name, extract(epoch FROM half_life) * 1000000, mql_threshold, sql_threshold,"
	         " sql_min_grade::text, stage_min_points, max_score,"
	         " (extract(epoch FROM epoch) * 1000000)::bigint, grade_profile, fit_min_grade::text, active,"
	         " account_threshold FROM leadscore.models ORDER BY id"))
		models.push_back(ModelFromRow(r));
	for (const TextRow &r : QueryText("SELECT m.id, s.name FROM leadscore.models m,"
	                                  " pg_catalog.unnest(m.stages) WITH ORDINALITY AS s(name, i)"
	                                  " ORDER BY m.id, s.i")) {
		if (core::ModelSpec *m = FindModel(models, ToInt(r[0])))
			m->stages.push_back(*r[1]);
	}
	// Bands came with 0.3's tables, which a 0.3 library meets only after
	// ALTER EXTENSION UPDATE (until then writers keep scoring with 0.2's).
	if (*QueryText("SELECT pg_catalog.to_regclass('leadscore.bands') IS NOT NULL")[0][0] == "t")
		for (const TextRow &r : QueryText("SELECT model_id, name, min_score, channel FROM leadscore.bands"
		                                  " ORDER BY model_id, min_score NULLS FIRST"))
			if (core::ModelSpec *m = FindModel(models, ToInt(r[0])))
				m->bands.push_back(core::ScoreBand{*r[1], ToDouble(r[2], core::kFloorMinScore), r[3].value_or("")});
	// So did momentum_half_life: until then momentum is not stored, and a
	// model's reads as 0 (no decay: nothing to re-base for it).  The
	// ranking switch came later in the update (read as jsonb: NULL before).
	if (*QueryText("SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid ="
	               " 'leadscore.models'::pg_catalog.regclass AND attname = 'momentum_half_life')")[0][0] == "t")
		for (const TextRow &r : QueryText("SELECT m.id, extract(epoch FROM m.momentum_half_life) * 1000000,"
		                                  " pg_catalog.to_jsonb(m) OPERATOR(pg_catalog.->>) 'momentum_ranking'"
		                                  " FROM leadscore.models m"))
			if (core::ModelSpec *m = FindModel(models, ToInt(r[0]))) {
				m->momentum_half_life_us = ToDouble(r[1], 0);
				m->momentum_ranking = r[2].value_or("false") == "true";
			}
	// And the ledger: recomputes read a model's ledger only when it has
	// one, and writers look up resets only for a model that has some.
	if (*QueryText("SELECT pg_catalog.to_regclass('leadscore.adjustments') IS NOT NULL")[0][0] == "t")
		for (const TextRow &r : QueryText("SELECT m.id, pg_catalog.bool_or(a.kind = 'reset') FROM leadscore.models m"
		                                  " JOIN leadscore.adjustments a ON a.model = m.name GROUP BY m.id"))
			if (core::ModelSpec *m = FindModel(models, ToInt(r[0]))) {
				m->ledger = true;
				m->resets = *r[1] == "t";
			}
	std::string rules = std::string("SELECT r.model_id, ") + kRuleColumns +
	                    " FROM leadscore.rules r ORDER BY r.model_id, r.id";
	for (const TextRow &r : QueryText(rules.c_str())) {
		if (core::ModelSpec *m = FindModel(models, ToInt(r[0])))
			m->rules.push_back(RuleFromRow(*m, r, 1));
	}
	return models;
}

namespace {

void LoadColumns(ActivityTable *t) {
	for (const TextRow &r : QueryText("SELECT attname, attnum, atttypid FROM pg_catalog.pg_attribute"
	                                  " WHERE attrelid = $1::pg_catalog.oid AND attnum > 0"
	                                  " AND NOT attisdropped ORDER BY attnum",
	                                  {std::to_string(t->relid)})) {
		Oid type = static_cast<Oid>(ToInt(r[2]));
		t->schema.push_back(core::Column{*r[0], CoreTypeOf(type)});
		t->attnums.push_back(static_cast<AttrNumber>(ToInt(r[1])));
		t->types.push_back(type);
	}
}

int ColumnIndex(const ActivityTable &t, const std::optional<std::string> &name) {
	if (!name)
		return -1;
	for (std::size_t i = 0; i < t.schema.size(); i++)
		if (t.schema[i].name == *name)
			return static_cast<int>(i);
	throw core::Error(core::ErrorKind::UndefinedColumn,
	                  "column \"" + *name + "\" of attached table " + t.name + " does not exist");
}

ActivityTable TableFromRow(const TextRow &r, Oid relid) {
	ActivityTable t;
	t.relid = relid;
	t.name = *r[1];
	LoadColumns(&t);
	t.lead = ColumnIndex(t, r[2]);
	t.type = ColumnIndex(t, r[3]);
	t.time = ColumnIndex(t, r[4]);
	t.account = ColumnIndex(t, r[5]);
	CheckAttachedColumns(t, r[6] ? static_cast<Oid>(ToInt(r[6])) : InvalidOid);
	return t;
}

std::string Attachments(const char *kind) {
	return std::string("SELECT tbl::oid, tbl::text, lead_column, type_column, time_column, account_column,"
	                   " (SELECT s.lead_key_type::pg_catalog.oid FROM leadscore.settings s)"
	                   " FROM leadscore.attachments"
	                   // A table that is gone left its attachment behind only
	                   // when no event trigger saw the drop: verify() reports it.
	                   " WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = tbl::pg_catalog.oid)"
	                   " AND kind = '") +
	       kind + "'";
}

// On a Citus shard (shard_context.hpp) an attachment's rows are its local
// shard's: read from it, named by the table (which SQL then names by the
// shard).  InvalidOid: the table has no shard here.
Oid LocalRelid(Oid table) {
	return CurrentShard() == nullptr ? table : LocalShard(table);
}

bool LoadTable(const char *kind, Oid relid, ActivityTable *table) {
	Oid attached = CurrentShard() == nullptr ? relid : ShardTable(relid);
	auto rows =
	    QueryText((Attachments(kind) + " AND tbl = $1::pg_catalog.oid").c_str(), {std::to_string(attached)});
	if (rows.empty())
		return false;
	*table = TableFromRow(rows[0], relid);
	return true;
}

std::vector<ActivityTable> LoadTables(const char *kind) {
	std::vector<ActivityTable> tables;
	for (const TextRow &r : QueryText((Attachments(kind) + " ORDER BY tbl::oid").c_str()))
		if (Oid relid = LocalRelid(static_cast<Oid>(ToInt(r[0]))); relid != InvalidOid)
			tables.push_back(TableFromRow(r, relid));
	return tables;
}

} // namespace

bool LoadActivityTable(Oid relid, ActivityTable *table) {
	return LoadTable("activities", relid, table);
}

std::vector<ActivityTable> LoadActivityTables() {
	return LoadTables("activities");
}

bool LoadLeadTable(Oid relid, LeadTable *table) {
	return LoadTable("leads", relid, table);
}

std::vector<LeadTable> LoadLeadTables() {
	return LoadTables("leads");
}

std::vector<core::GradeProfileSpec> LoadGradeProfiles() {
	std::vector<core::GradeProfileSpec> profiles;
	for (const TextRow &r : QueryText("SELECT id, name, base::text FROM leadscore.grade_profiles ORDER BY id")) {
		core::GradeProfileSpec p;
		p.id = static_cast<std::int32_t>(ToInt(r[0]));
		p.name = *r[1];
		core::ParseGrade(*r[2], &p.base);
		profiles.push_back(std::move(p));
	}
	for (const TextRow &r : QueryText("SELECT profile_id, id, name, condition, steps FROM leadscore.grade_criteria"
	                                  " ORDER BY profile_id, id")) {
		for (core::GradeProfileSpec &p : profiles)
			if (p.id == ToInt(r[0]))
				p.criteria.push_back(core::CriterionSpec{static_cast<std::int32_t>(ToInt(r[1])), *r[2], *r[3],
				                                         static_cast<std::int32_t>(ToInt(r[4]))});
	}
	return profiles;
}

} // namespace leadscore::pg
