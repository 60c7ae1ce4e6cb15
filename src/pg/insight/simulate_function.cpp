// simulate(model, persona jsonb) -> jsonb: scenario testing
// (core/lead/simulation.hpp).
// A persona is attributes plus activities with ages:
//
//   {"attrs": {"job_title": "CFO", "employees": 500},
//    "activities": [{"type": "webinar", "days_ago": 3},
//                   {"type": "page_view", "days_ago": 1, "url": "/pricing", "duration_s": 90, "count": 2}],
//    "as_of": "2026-12-01"}
//
// It is played through the model's rules and grade profile exactly as the
// engine would score such a lead (caps, decay, stages, the grade gate of
// SQL); nothing is written.  Activity keys other than type, days_ago / at
// and count are the columns the rules' conditions read.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/jsonb_values.hpp"
#include "pg/catalog/lead_plan.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/lead/simulation.hpp"
#include "core/model/stage_rule.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// A persona beyond this is a mistake, not a scenario.
constexpr int kMaxPersonaBytes = 256 * 1024;
constexpr double kMicrosPerDay = 86'400'000'000.0;

struct RawActivity {
	char *type;
	std::int64_t at;
	int count;
	JsonbContainer *object;
};

struct RawPersona {
	JsonbContainer *attrs; // nullptr: none
	int n;
	RawActivity *activities;
	std::int64_t as_of;
};

[[noreturn]] void BadPersona(const char *message, const char *detail = nullptr) {
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message),
	                detail ? errdetail("%s", detail) : 0,
	                errhint("A persona is {\"attrs\": {...}, \"activities\": [{\"type\": ..., \"days_ago\": ...}, ...], "
	                        "\"as_of\": ...}.")));
}

char *KeyString(const JsonbValue &key) {
	return pnstrdup(key.val.string.val, key.val.string.len);
}

// Raises for a key of `object` that is neither in `fixed` nor in `columns`.
void CheckKeys(JsonbContainer *object, const char *const *fixed, const std::vector<const char *> &columns,
               const char *where) {
	JsonbIterator *it = JsonbIteratorInit(object);
	JsonbValue v;
	JsonbIteratorToken token;
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
		if (token != WJB_KEY)
			continue;
		char *key = KeyString(v);
		bool known = false;
		for (const char *const *f = fixed; *f != nullptr && !known; f++)
			known = strcmp(*f, key) == 0;
		for (const char *c : columns)
			known = known || strcmp(c, key) == 0;
		if (!known) {
			// palloc'd: this ereport must not skip a C++ destructor.
			StringInfoData allowed;
			initStringInfo(&allowed);
			for (const char *const *f = fixed; *f != nullptr; f++)
				appendStringInfo(&allowed, "%s%s", f == fixed ? "" : ", ", *f);
			for (const char *c : columns)
				appendStringInfo(&allowed, ", %s", c);
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("unknown key \"%s\" in %s", key, where),
			                errdetail("Allowed keys: %s.", allowed.data)));
		}
	}
}

bool Field(JsonbContainer *object, const char *key, JsonbValue *out) {
	return getKeyJsonValueFromContainer(object, key, static_cast<int>(strlen(key)), out) != nullptr &&
	       out->type != jbvNull;
}

double Number(const JsonbValue &v, const char *what) {
	if (v.type != jbvNumeric)
		BadPersona(psprintf("%s must be a number", what));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric)));
}

std::int64_t Time(const JsonbValue &v, const char *what) {
	if (v.type != jbvString)
		BadPersona(psprintf("%s must be a timestamp string", what));
	char *text = pnstrdup(v.val.string.val, v.val.string.len);
	TimestampTz t = DatumGetTimestampTz(
	    DirectFunctionCall3(timestamptz_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	std::int64_t unix_us;
	if (TIMESTAMP_NOT_FINITE(t))
		BadPersona(psprintf("%s must be a finite time", what));
	if (!TimestampToCoreTime(t, &unix_us))
		BadPersona(psprintf("%s lies after the year 99999", what));
	return unix_us;
}

RawActivity ReadActivity(const JsonbValue &element, int i, std::int64_t as_of,
                         const std::vector<const char *> &columns) {
	char *where = psprintf("activity %d of the persona", i + 1);
	if (element.type != jbvBinary || !JsonContainerIsObject(element.val.binary.data))
		BadPersona(psprintf("%s must be an object", where));
	JsonbContainer *object = element.val.binary.data;
	static const char *const fixed[] = {"type", "days_ago", "at", "count", nullptr};
	CheckKeys(object, fixed, columns, where);
	RawActivity a{nullptr, as_of, 1, object};
	JsonbValue v;
	if (!Field(object, "type", &v) || v.type != jbvString)
		BadPersona(psprintf("%s needs a \"type\" string", where));
	a.type = KeyString(v);
	bool has_days = Field(object, "days_ago", &v);
	if (has_days) {
		double days = Number(v, "days_ago");
		if (!(days >= 0) || !std::isfinite(days) || days > 36500)
			BadPersona(psprintf("days_ago of %s must be between 0 and 36500, not %g", where, days));
		a.at = as_of - static_cast<std::int64_t>(days * kMicrosPerDay);
	}
	if (Field(object, "at", &v)) {
		if (has_days)
			BadPersona(psprintf("%s has both \"days_ago\" and \"at\"", where));
		a.at = Time(v, "at");
	}
	if (Field(object, "count", &v)) {
		double count = Number(v, "count");
		if (!(count >= 1 && count <= static_cast<double>(core::kMaxPersonaActivities)) || std::trunc(count) != count)
			BadPersona(psprintf("count of %s must be a whole number from 1 to %zu", where, core::kMaxPersonaActivities));
		a.count = static_cast<int>(count);
	}
	return a;
}

// PostgreSQL side: the persona checked and read into plain C data.
RawPersona *ReadPersona(Jsonb *persona, const std::vector<const char *> &columns) {
	if (VARSIZE(persona) > kMaxPersonaBytes)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("persona is too large (%u bytes; the limit is %d)", VARSIZE(persona), kMaxPersonaBytes),
		                errhint("A persona describes one lead; play large histories with score_agg() instead.")));
	if (!JB_ROOT_IS_OBJECT(persona))
		BadPersona("persona must be a JSON object");
	static const char *const fixed[] = {"attrs", "activities", "as_of", nullptr};
	CheckKeys(&persona->root, fixed, {}, "the persona");
	auto *p = static_cast<RawPersona *>(palloc0(sizeof(RawPersona)));
	JsonbValue v;
	p->as_of = Field(&persona->root, "as_of", &v) ? Time(v, "as_of")
	                                               : TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	if (Field(&persona->root, "attrs", &v)) {
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			BadPersona("attrs must be a JSON object");
		p->attrs = v.val.binary.data;
	}
	if (!Field(&persona->root, "activities", &v))
		return p;
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		BadPersona("activities must be a JSON array");
	JsonbContainer *array = v.val.binary.data;
	int n = JsonContainerSize(array);
	p->activities = static_cast<RawActivity *>(palloc0(sizeof(RawActivity) * (n + 1)));
	std::size_t total = 0;
	for (int i = 0; i < n; i++) {
		JsonbValue *element = getIthJsonbValueFromContainer(array, static_cast<uint32>(i));
		p->activities[i] = ReadActivity(*element, i, p->as_of, columns);
		total += static_cast<std::size_t>(p->activities[i].count);
		if (total > core::kMaxPersonaActivities)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			                errmsg("persona has more than %zu activities", core::kMaxPersonaActivities)));
	}
	p->n = n;
	return p;
}

std::string Quote(const std::string &s) {
	std::string out = "\"";
	for (unsigned char c : s) {
		if (c == '"' || c == '\\') {
			out += '\\';
			out += static_cast<char>(c);
		} else if (c < 0x20) {
			char buf[8];
			snprintf(buf, sizeof buf, "\\u%04x", c);
			out += buf;
		} else {
			out += static_cast<char>(c);
		}
	}
	return out + "\"";
}

std::string Number(double x) {
	char buf[32];
	auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x + 0.0);
	return ec == std::errc() ? std::string(buf, end) : "null";
}

std::string ResultJson(const core::CompiledModel &model, const core::Simulation &s, std::int64_t as_of,
                       std::size_t activities) {
	const core::ModelSpec &spec = model.spec();
	core::Decay decay(spec.half_life_us, spec.epoch_us);
	std::string rules;
	for (std::size_t i = 0; i < model.rule_count(); i++) {
		const core::RuleSpec &r = model.rule(i).spec;
		const core::RuleTally &t = s.recomputed.rules[i];
		if (t.matched == 0)
			continue;
		rules += std::string(rules.empty() ? "" : ", ") + "{\"rule\": " + Quote(r.name) +
		         ", \"activity_type\": " + Quote(r.activity_type) + ", \"activities\": " + std::to_string(t.matched) +
		         ", \"counted\": " + std::to_string(t.counted) + ", \"points_now\": " +
		         Number(decay.Current(t.stored, as_of)) + "}";
	}
	auto name_or_null = [](const char *name) { return name ? Quote(name) : std::string("null"); };
	return "{\"model\": " + Quote(spec.name) + ", \"as_of\": " +
	       Quote(timestamptz_to_str(UnixUsToTimestamp(as_of))) + ", \"score\": " + Number(s.score) +
	       ", \"grade\": " + name_or_null(s.grade ? core::GradeName(*s.grade) : nullptr) +
	       ", \"stage\": " +
	       name_or_null(s.stage == core::kNoStage ? nullptr : spec.stages[static_cast<std::size_t>(s.stage)].c_str()) +
	       ", \"status\": " + Quote(core::LeadStatusName(s.status)) +
	       ", \"fit_priority\": " + (s.fit_priority ? "true" : "false") + ", \"activities\": " +
	       std::to_string(activities) + ", \"rules\": [" + rules + "]}";
}

const core::ModelSpec &FindSpec(const std::vector<core::ModelSpec> &models, const std::string &name) {
	for (const core::ModelSpec &m : models)
		if (m.name == name)
			return m;
	throw core::Error(core::ErrorKind::UndefinedObject, "model \"" + name + "\" does not exist", {},
	                  "leadscore.models lists the models; leadscore.create_model() makes one.");
}

Datum Simulate(FunctionCallInfo fcinfo) {
	std::string name = TextArg(fcinfo, 0);
	ConnectSpi();
	std::vector<core::ModelSpec> models = LoadModels();
	const core::ModelSpec &spec = FindSpec(models, name);
	core::CompiledModel model = core::CompiledModel::Compile(spec, core::PersonaSchema(spec));
	const core::CompiledGradeProfile *profile = spec.grade_profile.empty() ? nullptr : JsonbProfile(spec.grade_profile);
	FinishSpi();

	std::vector<const char *> columns;
	for (const core::Column &c : model.schema())
		columns.push_back(c.name.c_str());
	Jsonb *persona = CallPg([&] { return PG_GETARG_JSONB_P(1); });
	RawPersona *raw = CallPg([&] { return ReadPersona(persona, columns); });

	std::vector<core::PersonaActivity> activities;
	for (int i = 0; i < raw->n; i++) {
		const RawActivity &a = raw->activities[i];
		core::Value *values = CallPg([&] { return JsonbObjectValues(a.object, model.schema(), "an activity"); });
		for (int k = 0; k < a.count; k++)
			activities.push_back(core::PersonaActivity{a.type, a.at, {values, values + model.schema().size()}});
	}
	std::optional<core::GradeRank> grade;
	if (profile != nullptr) {
		// No attrs: every criterion reads NULL, the base grade.
		core::Value *attrs = CallPg([&] {
			return raw->attrs ? JsonbObjectValues(raw->attrs, profile->schema(), "attrs")
			                  : static_cast<core::Value *>(palloc0(sizeof(core::Value) * (profile->schema().size() + 1)));
		});
		grade = profile->Grade(attrs, profile->schema().size());
	}
	core::Simulation s = core::Simulate(model, activities, grade, raw->as_of);
	std::string json = ResultJson(model, s, raw->as_of, activities.size());
	return CallPg([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

} // namespace
} // namespace leadscore::pg

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_simulate);
Datum leadscore_simulate(PG_FUNCTION_ARGS) {
	return leadscore::pg::Guarded([&] { return leadscore::pg::Simulate(fcinfo); });
}

} // extern "C"
