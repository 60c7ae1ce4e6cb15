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

// What the persona says, checked; `object`s point into the persona's jsonb.
struct RawActivity {
	std::string type;
	std::int64_t at;
	int count;
	JsonbContainer *object;
};

struct RawPersona {
	JsonbContainer *attrs = nullptr; // none
	std::vector<RawActivity> activities;
	std::int64_t as_of = 0;
};

[[noreturn]] void BadPersona(const std::string &message) {
	throw core::Error(core::ErrorKind::InvalidValue, message, {},
	                  "A persona is {\"attrs\": {...}, \"activities\": [{\"type\": ..., \"days_ago\": ...}, ...], "
	                  "\"as_of\": ...}.");
}

std::string KeyString(const JsonbValue &key) {
	return std::string(key.val.string.val, static_cast<std::size_t>(key.val.string.len));
}

// Throws for a key of `object` that is neither in `fixed` nor in `columns`.
void CheckKeys(JsonbContainer *object, const char *const *fixed, const std::vector<const char *> &columns,
               const std::string &where) {
	JsonbIterator *it = CallPg([&] { return JsonbIteratorInit(object); });
	JsonbValue v;
	JsonbIteratorToken token;
	while ((token = CallPg([&] { return JsonbIteratorNext(&it, &v, true); })) != WJB_DONE) {
		if (token != WJB_KEY)
			continue;
		std::string key = KeyString(v);
		bool known = false;
		for (const char *const *f = fixed; *f != nullptr && !known; f++)
			known = key == *f;
		for (const char *c : columns)
			known = known || key == c;
		if (known)
			continue;
		std::string allowed;
		for (const char *const *f = fixed; *f != nullptr; f++)
			allowed += std::string(f == fixed ? "" : ", ") + *f;
		for (const char *c : columns)
			allowed += std::string(", ") + c;
		throw core::Error(core::ErrorKind::InvalidValue, "unknown key \"" + key + "\" in " + where,
		                  "Allowed keys: " + allowed + ".");
	}
}

bool Field(JsonbContainer *object, const char *key, JsonbValue *out) {
	JsonbValue *found =
	    CallPg([&] { return getKeyJsonValueFromContainer(object, key, static_cast<int>(strlen(key)), out); });
	return found != nullptr && out->type != jbvNull;
}

double Number(const JsonbValue &v, const char *what) {
	if (v.type != jbvNumeric)
		BadPersona(std::string(what) + " must be a number");
	return CallPg(
	    [&] { return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric))); });
}

std::int64_t Time(const JsonbValue &v, const char *what) {
	if (v.type != jbvString)
		BadPersona(std::string(what) + " must be a timestamp string");
	std::string text = KeyString(v);
	TimestampTz t = CallPg([&] {
		return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text.c_str()),
		                                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	});
	std::int64_t unix_us;
	if (TIMESTAMP_NOT_FINITE(t))
		BadPersona(std::string(what) + " must be a finite time");
	if (!TimestampToCoreTime(t, &unix_us))
		BadPersona(std::string(what) + " lies after the year 99999");
	return unix_us;
}

// days_ago as the message has always shown it (printf's %g).
std::string DaysText(double x) {
	char buf[32];
	snprintf(buf, sizeof buf, "%g", x);
	return buf;
}

RawActivity ReadActivity(const JsonbValue &element, int i, std::int64_t as_of,
                         const std::vector<const char *> &columns) {
	std::string where = "activity " + std::to_string(i + 1) + " of the persona";
	if (element.type != jbvBinary || !JsonContainerIsObject(element.val.binary.data))
		BadPersona(where + " must be an object");
	JsonbContainer *object = element.val.binary.data;
	static const char *const fixed[] = {"type", "days_ago", "at", "count", nullptr};
	CheckKeys(object, fixed, columns, where);
	RawActivity a{{}, as_of, 1, object};
	JsonbValue v;
	if (!Field(object, "type", &v) || v.type != jbvString)
		BadPersona(where + " needs a \"type\" string");
	a.type = KeyString(v);
	bool has_days = Field(object, "days_ago", &v);
	if (has_days) {
		double days = Number(v, "days_ago");
		if (!(days >= 0) || !std::isfinite(days) || days > 36500)
			BadPersona("days_ago of " + where + " must be between 0 and 36500, not " + DaysText(days));
		a.at = as_of - static_cast<std::int64_t>(days * static_cast<double>(USECS_PER_DAY));
	}
	if (Field(object, "at", &v)) {
		if (has_days)
			BadPersona(where + " has both \"days_ago\" and \"at\"");
		a.at = Time(v, "at");
	}
	if (Field(object, "count", &v)) {
		double count = Number(v, "count");
		if (!(count >= 1 && count <= static_cast<double>(core::kMaxPersonaActivities)) || std::trunc(count) != count)
			BadPersona("count of " + where + " must be a whole number from 1 to " +
			           std::to_string(core::kMaxPersonaActivities));
		a.count = static_cast<int>(count);
	}
	return a;
}

// The persona checked and read; the JSON stays in `persona`.
RawPersona ReadPersona(Jsonb *persona, const std::vector<const char *> &columns) {
	if (VARSIZE(persona) > kMaxPersonaBytes)
		throw core::Error(core::ErrorKind::TooLarge,
		                  "persona is too large (" + std::to_string(VARSIZE(persona)) + " bytes; the limit is " +
		                      std::to_string(kMaxPersonaBytes) + ")",
		                  {}, "A persona describes one lead; play large histories with score_agg() instead.");
	if (!JB_ROOT_IS_OBJECT(persona))
		BadPersona("persona must be a JSON object");
	static const char *const fixed[] = {"attrs", "activities", "as_of", nullptr};
	CheckKeys(&persona->root, fixed, {}, "the persona");
	RawPersona p;
	JsonbValue v;
	p.as_of = Field(&persona->root, "as_of", &v) ? Time(v, "as_of")
	                                              : TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	if (Field(&persona->root, "attrs", &v)) {
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			BadPersona("attrs must be a JSON object");
		p.attrs = v.val.binary.data;
	}
	if (!Field(&persona->root, "activities", &v))
		return p;
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		BadPersona("activities must be a JSON array");
	JsonbContainer *array = v.val.binary.data;
	int n = JsonContainerSize(array);
	std::size_t total = 0;
	for (int i = 0; i < n; i++) {
		JsonbValue *element = CallPg([&] { return getIthJsonbValueFromContainer(array, static_cast<uint32>(i)); });
		p.activities.push_back(ReadActivity(*element, i, p.as_of, columns));
		total += static_cast<std::size_t>(p.activities.back().count);
		if (total > core::kMaxPersonaActivities)
			throw core::Error(core::ErrorKind::TooLarge,
			                  "persona has more than " + std::to_string(core::kMaxPersonaActivities) + " activities");
	}
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
	core::CompiledModel model = core::CompiledModel::Compile(spec, core::RuleAttributes(spec));
	const core::CompiledGradeProfile *profile = spec.grade_profile.empty() ? nullptr : JsonbProfile(spec.grade_profile);
	FinishSpi();

	std::vector<const char *> columns;
	for (const core::Column &c : model.schema())
		columns.push_back(c.name.c_str());
	Jsonb *persona = CallPg([&] { return PG_GETARG_JSONB_P(1); });
	RawPersona raw = ReadPersona(persona, columns);

	std::vector<core::PersonaActivity> activities;
	for (const RawActivity &a : raw.activities) {
		core::Value *values = CallPg([&] { return JsonbObjectValues(a.object, model.schema()); });
		for (int k = 0; k < a.count; k++)
			activities.push_back(core::PersonaActivity{a.type, a.at, {values, values + model.schema().size()}});
	}
	std::optional<core::GradeRank> grade;
	if (profile != nullptr) {
		// No attrs: every criterion reads NULL, the base grade.
		core::Value *attrs = CallPg([&] {
			return raw.attrs ? JsonbObjectValues(raw.attrs, profile->schema())
			                 : static_cast<core::Value *>(palloc0(sizeof(core::Value) * (profile->schema().size() + 1)));
		});
		grade = profile->Grade(attrs, profile->schema().size());
	}
	core::Simulation s = core::Simulate(model, activities, grade, raw.as_of);
	std::string json = ResultJson(model, s, raw.as_of, activities.size());
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
