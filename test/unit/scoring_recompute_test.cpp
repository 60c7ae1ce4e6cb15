// The incremental path (IngestBatch + ApplyLeadDelta, driven the way the
// trigger glue drives it) against the recompute (LeadRecompute), and both
// against a brute force written here from the definitions, sharing no code
// with the core: thousands of random INSERT / UPDATE / DELETE statements over
// three models with conditions, caps, stages, frequency windows, rules of
// every type (conditions on the type column), points expressions (rows
// without a usable value among them), decay and no decay, and an epoch
// re-base half-way.
#include "core/ingest/ingest_batch.hpp"
#include "core/ingest/ingest_plan.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;
// When verify() runs: just after the year of activity.
constexpr std::int64_t kNow = k2024 + 366 * kDay;

// The type column is a column of the table too: a rule of every type reads
// it in its condition.
Schema Columns() {
	return Schema{{"url", ValueType::Text},
	              {"duration_s", ValueType::Int},
	              {"country", ValueType::Text},
	              {"kind", ValueType::Text},
	              {"amount", ValueType::Float},
	              {"seats", ValueType::Int}};
}

// One row of the CRM's activity table.
struct Activity {
	std::uint32_t lead = 0;
	std::string type;
	std::int64_t at = 0;
	std::optional<std::string> url;
	std::optional<std::int64_t> duration;
	std::optional<std::string> country;
	std::optional<double> amount;
	std::optional<std::int64_t> seats;
};

// The row as the glue hands it to the core.  Text values point into `a`.
struct Converted {
	Value values[6];
	explicit Converted(const Activity &a) {
		values[0] = a.url ? Value::Text(*a.url) : Value::Null();
		values[1] = a.duration ? Value::Int(*a.duration) : Value::Null();
		values[2] = a.country ? Value::Text(*a.country) : Value::Null();
		values[3] = Value::Text(a.type);
		values[4] = a.amount ? Value::Float(*a.amount) : Value::Null();
		values[5] = a.seats ? Value::Int(*a.seats) : Value::Null();
	}
};

// A row's points from a points expression, as the brute force computes
// them from the expression's definition; nullopt: no usable value (NULL, a
// division by zero, NaN or infinite, or beyond 1e12), the row scores nothing.
using PointsOf = std::function<std::optional<double>(const Activity &)>;

// A rule as the brute force sees it: the condition is a C++ predicate that
// mirrors the condition text under SQL's rules (NULL never matches).  An
// empty type: every type.
struct TestRule {
	std::string type;
	double points;
	int stage;
	int max_count;
	const char *condition;
	std::function<bool(const Activity &)> matches;
	FrequencyWindow window = {}; // min_count 0: not a window rule
	const char *expression = ""; // set: points_expression, `points_of` mirrors it
	PointsOf points_of = nullptr;

	bool Matches(const Activity &a) const {
		return (type.empty() || type == a.type) && matches(a);
	}
};

bool Pricing(const Activity &a) {
	return a.url && a.url->rfind("/pricing", 0) == 0 && a.duration && *a.duration >= 30;
}
bool LongWebinar(const Activity &a) {
	return a.duration && *a.duration >= 20;
}
bool German(const Activity &a) {
	return a.country && *a.country == "DE";
}
bool EuropeOrLong(const Activity &a) {
	return (a.country && (*a.country == "DE" || *a.country == "FR")) || (a.duration && *a.duration > 100);
}
bool Always(const Activity &) {
	return true;
}
bool GermanOrLong(const Activity &a) {
	return (a.country && *a.country == "DE") || (a.duration && *a.duration >= 45);
}
bool Long(const Activity &a) {
	return a.duration && *a.duration >= 45;
}
bool FrenchCareersOrWebinar(const Activity &a) {
	return (a.type == "careers_view" || a.type == "webinar") && a.country && *a.country == "FR";
}
bool NewsOrLongDemo(const Activity &a) {
	return a.type.rfind("news", 0) == 0 || (a.type == "demo_request" && a.duration && *a.duration > 20);
}
bool AnyView(const Activity &a) {
	return a.type.size() >= 4 && a.type.compare(a.type.size() - 4, 4, "view") == 0;
}
bool DemoOrUnsubscribe(const Activity &a) {
	return a.type == "demo_request" || a.type == "unsubscribe";
}

std::optional<double> Usable(double v) {
	if (!std::isfinite(v) || std::fabs(v) > 1e12)
		return std::nullopt;
	return v;
}
// A non-finite operand ends the evaluation, whatever the function.
bool NonFinite(const std::optional<double> &x) {
	return x && !std::isfinite(*x);
}
// least(amount / 1000, 50): least skips a NULL amount.
std::optional<double> DealSize(const Activity &a) {
	if (NonFinite(a.amount))
		return std::nullopt;
	return Usable(a.amount ? std::min(*a.amount / 1000, 50.0) : 50.0);
}
// coalesce(seats, 1) * 2.5 - 1
std::optional<double> PerSeat(const Activity &a) {
	return Usable(static_cast<double>(a.seats.value_or(1)) * 2.5 - 1);
}
// amount / seats / 1000: NULL with either NULL, nothing when dividing by
// zero.
std::optional<double> AmountPerSeat(const Activity &a) {
	if (NonFinite(a.amount) || !a.amount || !a.seats || *a.seats == 0)
		return std::nullopt;
	return Usable(*a.amount / static_cast<double>(*a.seats) / 1000);
}

struct TestModel {
	ModelSpec spec;
	std::vector<TestRule> rules;
};

TestModel Model(std::int32_t id, std::string name, double half_life_days, std::int64_t epoch,
                std::vector<std::string> stages, std::vector<TestRule> rules) {
	TestModel m;
	m.spec.id = id;
	m.spec.name = std::move(name);
	m.spec.half_life_us = half_life_days * static_cast<double>(kDay);
	m.spec.momentum_half_life_us = 7 * static_cast<double>(kDay);
	m.spec.epoch_us = epoch;
	m.spec.stages = std::move(stages);
	m.rules = std::move(rules);
	for (std::size_t k = 0; k < m.rules.size(); k++) {
		const TestRule &t = m.rules[k];
		RuleSpec r;
		r.id = static_cast<std::int32_t>(k + 1);
		r.name = "rule_" + std::to_string(k);
		r.activity_type = t.type;
		r.points = t.points;
		r.stage = t.stage;
		r.max_count = t.max_count;
		r.condition = t.condition;
		r.window = t.window;
		r.points_expression = t.expression;
		m.spec.rules.push_back(r);
	}
	return m;
}

const char *kPricingText = "url LIKE '/pricing%' AND duration_s >= 30";

std::vector<TestModel> TestModels() {
	std::vector<TestModel> models;
	models.push_back(Model(1, "crm", 30, k2024, {"awareness", "consideration", "decision"},
	                       {{"pricing_view", 35, 2, 0, "", Always},
	                        {"blog_read", 5, 0, 5, "", Always},
	                        {"page_view", 15, 1, 0, kPricingText, Pricing},
	                        {"page_view", 3, 0, 0, "", Always},
	                        {"unsubscribe", -40, kNoStage, 0, "", Always},
	                        {"webinar", 25, 1, 2, "duration_s >= 20", LongWebinar},
	                        {"demo_request", 0, 2, 0, "", Always, {}, "least(amount / 1000, 50)", DealSize}}));
	models.push_back(Model(2, "call_centre", 0, k2024, {"idea", "orientation", "choice"},
	                       {{"blog_read", 2, 0, 3, "", Always},
	                        {"page_view", 10, 1, 0, "URL like '/pricing%' and DURATION_S >= 30", Pricing},
	                        {"demo_request", 50, 2, 0, "", Always},
	                        {"newsletter_open", 1, kNoStage, 1, "country = 'DE'", German},
	                        // Two long demos within 30 days, at most once per 30
	                        // days.  Window rules match few rows here: each change
	                        // of one recomputes the lead from its whole history.
	                        {"demo_request", 12, 1, 0, "duration_s >= 45", Long,
	                         FrequencyWindow{2, 30 * kDay, 30 * kDay}},
	                        {"", 4, 0, 2, "kind LIKE 'news%' OR (kind = 'demo_request' AND duration_s > 20)",
	                         NewsOrLongDemo},
	                        {"webinar", 0, 1, 0, "country = 'DE'", German, {}, "coalesce(seats, 1) * 2.5 - 1",
	                         PerSeat}}));
	// Fast decay, its epoch in the middle of the activity: weights span
	// 2^-26 .. 2^26 across the year.
	models.push_back(Model(3, "fast", 7, k2024 + 180 * kDay, {},
	                       {{"page_view", 5, kNoStage, 0, "country IN ('DE', 'FR') OR duration_s > 100", EuropeOrLong},
	                        {"pricing_view", 20, kNoStage, 3, "", Always},
	                        {"webinar", -7, kNoStage, 0, "", Always},
	                        // two windows whose rows a change of type or
	                        // country moves from one to the other
	                        {"page_view", 6, kNoStage, 0, "country = 'DE' OR duration_s >= 45", GermanOrLong,
	                         FrequencyWindow{3, 20 * kDay, 5 * kDay}},
	                        {"", 9, kNoStage, 0, "kind IN ('careers_view', 'webinar') AND country = 'FR'",
	                         FrenchCareersOrWebinar, FrequencyWindow{2, 14 * kDay, 21 * kDay}},
	                        {"", 1, kNoStage, 0, "kind LIKE '%view'", AnyView},
	                        {"", 0, kNoStage, 0, "kind IN ('demo_request', 'unsubscribe')", DemoOrUnsubscribe, {},
	                         "amount / seats / 1000", AmountPerSeat}}));
	return models;
}

// The brute force: what the lead's stored sum and stage sums must be.
struct Expected {
	long double stored = 0;
	long double magnitude = 0;
	std::vector<long double> stages;
	std::int64_t count = 0;
	std::int64_t last = kNoTime;
	std::int64_t scorings = 0; // of the frequency windows
	long double momentum = 0;  // the same terms with the momentum weight
	long double momentum_magnitude = 0;
};

// A frequency window's scoring times, from its definition: at each distinct
// matching time t, in order, the rule scores when at least min_count
// matching times lie in (t - within, t] and it last scored cooldown or more
// before t.
std::vector<std::int64_t> WindowScorings(const FrequencyWindow &w, std::vector<std::int64_t> times) {
	std::sort(times.begin(), times.end());
	std::vector<std::int64_t> moments = times;
	moments.erase(std::unique(moments.begin(), moments.end()), moments.end());
	std::vector<std::int64_t> scorings;
	for (std::int64_t t : moments) {
		// The times at most t, less those at most t - within.
		auto inside = std::upper_bound(times.begin(), times.end(), t) -
		              std::upper_bound(times.begin(), times.end(), t - w.within_us);
		if (inside < w.min_count)
			continue;
		if (!scorings.empty() && t - scorings.back() < w.cooldown_us)
			continue;
		scorings.push_back(t);
	}
	return scorings;
}

void Add(Expected *e, const TestRule &r, long double x, long double momentum) {
	e->momentum += momentum;
	e->momentum_magnitude += std::fabs(momentum);
	e->stored += x;
	e->magnitude += std::fabs(x);
	if (r.stage != kNoStage)
		e->stages[static_cast<std::size_t>(r.stage)] += x;
}

Expected BruteForce(const TestModel &m, const std::vector<Activity> &rows, std::uint32_t lead) {
	Expected e;
	e.stages.assign(m.spec.stages.size(), 0);
	auto weight = [&](std::int64_t at) -> long double {
		if (m.spec.half_life_us == 0)
			return 1;
		return std::exp2l(static_cast<long double>(at - m.spec.epoch_us) / static_cast<long double>(m.spec.half_life_us));
	};
	auto momentum = [&](std::int64_t at) -> long double {
		return std::exp2l(static_cast<long double>(at - m.spec.epoch_us) /
		                  static_cast<long double>(m.spec.momentum_half_life_us));
	};
	std::vector<const Activity *> mine;
	for (const Activity &a : rows)
		if (a.lead == lead)
			mine.push_back(&a);
	for (const Activity *a : mine) {
		bool any = false;
		for (const TestRule &r : m.rules)
			any = any || r.Matches(*a);
		if (any) {
			e.count++;
			e.last = std::max(e.last, a->at);
		}
	}
	for (const TestRule &r : m.rules) {
		std::vector<std::int64_t> times;
		for (const Activity *a : mine)
			if (r.Matches(*a))
				times.push_back(a->at);
		if (r.window.min_count > 0) {
			times = WindowScorings(r.window, times);
			e.scorings += static_cast<std::int64_t>(times.size());
		} else {
			std::sort(times.begin(), times.end(), std::greater<std::int64_t>());
			if (r.max_count > 0 && times.size() > static_cast<std::size_t>(r.max_count))
				times.resize(static_cast<std::size_t>(r.max_count));
		}
		if (r.points_of) {
			// Each row its own points: the rows themselves, not their times.
			times.clear();
			for (const Activity *a : mine) {
				std::optional<double> points = r.Matches(*a) ? r.points_of(*a) : std::nullopt;
				if (points)
					Add(&e, r, static_cast<long double>(*points) * weight(a->at),
					    static_cast<long double>(*points) * momentum(a->at));
			}
		}
		for (std::int64_t t : times)
			Add(&e, r, static_cast<long double>(r.points) * weight(t), static_cast<long double>(r.points) * momentum(t));
	}
	return e;
}

// The glue, reduced to what matters here: the activity table, the lead
// states per model, and the statement protocol of ingest_batch.hpp.
class Simulation {
public:
	explicit Simulation(std::uint32_t leads) : leads_(leads), models_(TestModels()) {
		Rebuild();
		for (std::size_t m = 0; m < models_.size(); m++) {
			states_.emplace_back(leads);
			for (LeadState &s : states_.back())
				s.Clear(plan_->model(m));
		}
	}

	// One statement: `removed` rows (by index) go out, `added` rows come in.
	// An UPDATE is both; its removed rows are replaced in place.
	void Statement(std::vector<std::size_t> removed, std::vector<Activity> added) {
		std::vector<std::vector<std::uint32_t>> windowed(models_.size());
		for (std::size_t k : removed)
			NoteWindowRow(table_[k], &windowed);
		for (const Activity &a : added)
			NoteWindowRow(a, &windowed);

		batch_->Reset();
		for (std::size_t k : removed) {
			Converted c(table_[k]);
			batch_->Add(table_[k].lead, table_[k].type, table_[k].at, c.values, RowChange::Deleted);
		}
		for (const Activity &a : added) {
			Converted c(a);
			batch_->Add(a.lead, a.type, a.at, c.values, RowChange::Inserted);
		}
		batch_->Finish();
		unknown_ += batch_->stats().unknown_type;
		unscored_ += batch_->stats().points_unscored;

		// The table after the statement: what a reload reads.
		std::sort(removed.begin(), removed.end(), std::greater<std::size_t>());
		for (std::size_t k : removed) {
			table_[k] = table_.back();
			table_.pop_back();
		}
		table_.insert(table_.end(), added.begin(), added.end());

		for (std::size_t m = 0; m < models_.size(); m++) {
			const ModelBatch &mb = batch_->model(m);
			for (std::size_t i = 0; i < mb.leads().size(); i++) {
				const LeadDelta &d = mb.leads()[i];
				if (d.noop) {
					noops_++;
					continue;
				}
				LeadState &state = states_[m][d.lead];
				ApplyOutcome out = ApplyLeadDelta(plan_->model(m), mb, i, &state);
				applied_++;
				if (out.needs_reload) {
					causes_[out.cause]++;
					state = Recompute(m, d.lead).state;
					reloaded_.push_back(d.lead);
				}
			}
			CheckWindowLeads(m, &windowed[m]);
		}
	}

	// The leads with a row of one of model m's window rules in or out (by
	// the test's rules): a late row can change any later scoring, so their
	// state must be exact right after the statement, not only when the
	// next change of their windows happens to recompute them.  Those the
	// engine reloaded are exact by construction.
	void CheckWindowLeads(std::size_t m, std::vector<std::uint32_t> *leads) {
		std::sort(reloaded_.begin(), reloaded_.end());
		std::sort(leads->begin(), leads->end());
		leads->erase(std::unique(leads->begin(), leads->end()), leads->end());
		for (std::uint32_t lead : *leads) {
			if (std::binary_search(reloaded_.begin(), reloaded_.end(), lead))
				continue;
			window_checks_++;
			std::vector<std::string> diff = DiffLeadState(plan_->model(m), states_[m][lead], Recompute(m, lead), kNow);
			if (!diff.empty() && window_misses_++ < 3)
				ADD_FAILURE() << "model " << m << " lead " << lead << ": a row of a window rule changed, the state "
				              << "was not recomputed: " << diff.front() << " differs";
		}
		reloaded_.clear();
	}

	void NoteWindowRow(const Activity &a, std::vector<std::vector<std::uint32_t>> *windowed) const {
		for (std::size_t m = 0; m < models_.size(); m++)
			for (const TestRule &r : models_[m].rules)
				if (r.window.min_count > 0 && r.Matches(a)) {
					(*windowed)[m].push_back(a.lead);
					break;
				}
	}

	Recomputed Recompute(std::size_t m, std::uint32_t lead) {
		LeadRecompute rc(plan_->model(m));
		for (const Activity &a : table_) {
			if (a.lead != lead)
				continue;
			Converted c(a);
			rc.Add(a.type, a.at, c.values);
		}
		Recomputed out;
		rc.Finish(&out);
		return out;
	}

	// Every lead of every model: incremental == recompute == brute force.
	void Verify(const std::string &when) {
		for (std::size_t m = 0; m < models_.size(); m++) {
			for (std::uint32_t lead = 0; lead < leads_; lead++) {
				const LeadState &got = states_[m][lead];
				Recomputed rec = Recompute(m, lead);
				std::vector<std::string> diff = DiffLeadState(plan_->model(m), got, rec, kNow);
				std::string fields;
				for (const std::string &f : diff)
					fields += f + " ";
				ASSERT_TRUE(diff.empty()) << when << ": model " << m << " lead " << lead << ": " << fields
				                          << "stored " << got.stored << " vs " << rec.state.stored;

				// Scale: the magnitude of the terms, or one point now (see
				// kVerifyTolerance: a deleted large term leaves a residue).
				Expected want = BruteForce(models_[m], table_, lead);
				long double unit = plan_->model(m).decay().Weight(kNow);
				long double scale = std::max({want.magnitude, std::fabs(want.stored), unit});
				ASSERT_LE(std::fabs(got.stored - want.stored), 1e-9L * scale) << when << ": model " << m << " lead " << lead;
				ASSERT_LE(std::fabs(rec.state.stored - want.stored), 1e-12L * scale) << when;
				for (std::size_t s = 0; s < want.stages.size(); s++)
					ASSERT_LE(std::fabs(got.stage_stored[s] - want.stages[s]), 1e-9L * scale) << when << " stage " << s;
				long double momentum_scale = std::max(
				    {want.momentum_magnitude, std::fabs(want.momentum), static_cast<long double>(plan_->model(m).momentum().Weight(kNow))});
				ASSERT_LE(std::fabs(got.momentum - want.momentum), 1e-9L * momentum_scale) << when << ": model " << m << " lead " << lead;
				ASSERT_LE(std::fabs(rec.state.momentum - want.momentum), 1e-12L * momentum_scale) << when;
				ASSERT_EQ(got.activity_count, want.count) << when;
				ASSERT_EQ(got.last_activity_at, want.last) << when;
				// The per-rule tallies add up to the state.
				long double tallied = 0;
				for (const RuleTally &t : rec.rules)
					tallied += t.stored;
				ASSERT_LE(std::fabs(tallied - want.stored), 1e-12L * scale) << when;
				// A window rule's tally counts its scorings.
				std::int64_t scorings = 0;
				for (std::size_t r = 0; r < rec.rules.size(); r++)
					if (models_[m].rules[r].window.min_count > 0)
						scorings += rec.rules[r].counted;
				ASSERT_EQ(scorings, want.scorings) << when << ": model " << m << " lead " << lead;
				scorings_ += want.scorings;
				verified_++;
			}
		}
	}

	// tick(): move model m's epoch to `epoch`, multiplying its stored sums.
	void Rebase(std::size_t m, std::int64_t epoch) {
		double factor = plan_->model(m).decay().RebaseFactor(epoch);
		double momentum_factor = plan_->model(m).momentum().RebaseFactor(epoch);
		for (LeadState &s : states_[m]) {
			s.stored *= factor;
			s.momentum *= momentum_factor;
			for (double &x : s.stage_stored)
				x *= factor;
		}
		models_[m].spec.epoch_us = epoch;
		Rebuild();
	}

	std::vector<Activity> &table() {
		return table_;
	}
	long applied() const {
		return applied_;
	}
	long reloads(ReloadCause cause) const {
		auto it = causes_.find(cause);
		return it == causes_.end() ? 0 : it->second;
	}
	long noops() const {
		return noops_;
	}
	long window_checks() const {
		return window_checks_;
	}
	long window_misses() const {
		return window_misses_;
	}
	long scorings() const {
		return scorings_;
	}
	long verified() const {
		return verified_;
	}
	long unknown() const {
		return unknown_;
	}
	long unscored() const {
		return unscored_;
	}

private:
	// A new model version: recompile and build a new plan (the glue's cache
	// invalidation); the states stay.
	void Rebuild() {
		std::vector<CompiledModel> compiled;
		for (const TestModel &m : models_)
			compiled.push_back(CompiledModel::Compile(m.spec, Columns()));
		batch_.reset();
		plan_ = std::make_unique<IngestPlan>(std::move(compiled));
		batch_ = std::make_unique<IngestBatch>(*plan_);
	}

	std::uint32_t leads_;
	std::vector<TestModel> models_;
	std::unique_ptr<IngestPlan> plan_;
	std::unique_ptr<IngestBatch> batch_;
	std::vector<std::vector<LeadState>> states_;
	std::vector<Activity> table_;
	std::map<ReloadCause, long> causes_;
	std::vector<std::uint32_t> reloaded_; // Statement(): the leads of one model reloaded
	long applied_ = 0, noops_ = 0, verified_ = 0, unknown_ = 0, unscored_ = 0, scorings_ = 0;
	long window_checks_ = 0, window_misses_ = 0;
};

// Random activity, with many equal times and NULLs.
class Generator {
public:
	Generator(std::mt19937_64 *rng, std::uint32_t leads) : rng_(*rng), leads_(leads) {
	}

	Activity New(const std::vector<Activity> &table) {
		Activity a;
		a.lead = Pick(leads_);
		a.type = kTypes[Pick(8)];
		a.at = Time(table);
		SetUrl(&a);
		SetDuration(&a);
		SetCountry(&a);
		SetAmount(&a);
		SetSeats(&a);
		return a;
	}

	// An UPDATE of `a`: one to three random columns change (or none that
	// scoring reads: an UPDATE of another column).
	Activity Change(Activity a, const std::vector<Activity> &table) {
		int changes = static_cast<int>(Pick(3)) + 1;
		for (int k = 0; k < changes; k++) {
			switch (Pick(9)) {
			case 0:
				a.lead = Pick(leads_);
				break;
			case 1:
				a.type = kTypes[Pick(8)];
				break;
			case 2:
				a.at = Time(table);
				break;
			case 3:
				SetUrl(&a);
				break;
			case 4:
				SetDuration(&a);
				break;
			case 5:
				SetCountry(&a);
				break;
			case 6:
				SetAmount(&a);
				break;
			case 7:
				SetSeats(&a);
				break;
			default:
				break; // a column no condition reads
			}
		}
		return a;
	}

	std::uint32_t Pick(std::size_t n) {
		return static_cast<std::uint32_t>(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_));
	}

private:
	std::int64_t Time(const std::vector<Activity> &table) {
		// A fifth of the rows reuse an existing time (ties across rows and
		// leads); the rest spread over a year, arriving in random order.
		if (!table.empty() && Pick(5) == 0)
			return table[Pick(table.size())].at;
		return k2024 + static_cast<std::int64_t>(Pick(365 * 24)) * (kDay / 24);
	}
	void SetUrl(Activity *a) {
		static constexpr const char *kUrls[] = {"/pricing", "/pricing/enterprise", "/blog/why-crm", "/", nullptr};
		const char *url = kUrls[Pick(5)];
		a->url = url ? std::optional<std::string>(url) : std::nullopt;
	}
	void SetDuration(Activity *a) {
		static constexpr std::int64_t kDurations[] = {-1, 5, 25, 30, 45, 150};
		std::int64_t d = kDurations[Pick(6)];
		a->duration = d >= 0 ? std::optional<std::int64_t>(d) : std::nullopt;
	}
	void SetCountry(Activity *a) {
		static constexpr const char *kCountries[] = {"DE", "FR", "US", nullptr};
		const char *c = kCountries[Pick(4)];
		a->country = c ? std::optional<std::string>(c) : std::nullopt;
	}

	// Scored values stay small: a deleted row leaves a rounding residue of
	// about 1e-16 of its stored term, which the comparisons only tolerate
	// up to 1e-9 of one point now.  The huge ones have no usable value.
	void SetAmount(Activity *a) {
		constexpr double kInf = std::numeric_limits<double>::infinity();
		static constexpr double kAmounts[] = {0,     12000.5, -2500, 900000, 37.25, 1e18,
		                                      -1e18, kInf,    -kInf, std::numeric_limits<double>::quiet_NaN()};
		std::uint32_t k = Pick(12);
		a->amount = k < 10 ? std::optional<double>(kAmounts[k]) : std::nullopt;
	}
	void SetSeats(Activity *a) {
		static constexpr std::int64_t kSeats[] = {0, 1, 3, -2, 20};
		std::uint32_t k = Pick(6);
		a->seats = k < 5 ? std::optional<std::int64_t>(kSeats[k]) : std::nullopt;
	}

	static constexpr const char *kTypes[] = {"pricing_view", "blog_read",  "page_view",       "unsubscribe",
	                                         "webinar",      "demo_request", "newsletter_open", "careers_view"};
	std::mt19937_64 &rng_;
	std::uint32_t leads_;
};

TEST(ScoringRecompute, RandomStatementsMatchRecompute) {
	constexpr std::uint32_t kLeads = 40;
	constexpr int kStatements = 4000;
	std::mt19937_64 rng(20240612);
	Generator gen(&rng, kLeads);
	Simulation sim(kLeads);
	long inserted = 0, deleted = 0, updated = 0;

	for (int st = 1; st <= kStatements; st++) {
		std::vector<Activity> &table = sim.table();
		std::uint32_t kind = gen.Pick(20);
		if (kind < 9 || table.size() < 20) {
			std::vector<Activity> rows;
			for (std::uint32_t k = gen.Pick(20) + 1; k > 0; k--)
				rows.push_back(gen.New(table));
			inserted += static_cast<long>(rows.size());
			sim.Statement({}, rows);
		} else {
			// Distinct rows of the table.
			std::vector<std::size_t> picked;
			for (std::uint32_t k = gen.Pick(8) + 1; k > 0; k--) {
				std::size_t row = gen.Pick(table.size());
				if (std::find(picked.begin(), picked.end(), row) == picked.end())
					picked.push_back(row);
			}
			std::vector<Activity> replacements;
			if (kind < 13) {
				deleted += static_cast<long>(picked.size());
			} else {
				for (std::size_t row : picked)
					replacements.push_back(gen.Change(table[row], table));
				updated += static_cast<long>(picked.size());
			}
			sim.Statement(picked, replacements);
		}
		if (st == kStatements / 2) {
			// tick() re-bases the fast model by 60 days.
			sim.Rebase(2, k2024 + 240 * kDay);
			sim.Verify("after re-base");
		}
		if (st % 200 == 0)
			sim.Verify("statement " + std::to_string(st));
		if (HasFatalFailure())
			return;
	}
	// Finally delete everything, in a few statements.
	while (!sim.table().empty()) {
		std::vector<std::size_t> rows;
		for (std::size_t k = 0; k < std::min<std::size_t>(sim.table().size(), 500); k++)
			rows.push_back(k);
		sim.Statement(rows, {});
	}
	sim.Verify("after deleting everything");

	std::printf("[          ] %ld rows inserted, %ld updated, %ld deleted; %ld unknown types; %ld deltas applied, "
	            "%ld no-op deltas skipped; reloads: %ld newest deleted, %ld cap window short, %ld window rule; "
	            "%ld lead states verified, with %ld window scorings; %ld changed windows not reloaded checked, "
	            "%ld wrong; %ld inserted rows without a usable points value\n",
	            inserted, updated, deleted, sim.unknown(), sim.applied(), sim.noops(),
	            sim.reloads(ReloadCause::NewestDeleted), sim.reloads(ReloadCause::CapWindowShort),
	            sim.reloads(ReloadCause::WindowRule), sim.verified(), sim.scorings(), sim.window_checks(),
	            sim.window_misses(), sim.unscored());
	EXPECT_EQ(sim.window_misses(), 0);
	EXPECT_GT(sim.noops(), 0);
	// Rules of every type take every type: none is unknown.
	EXPECT_EQ(sim.unknown(), 0);
	// Rows without a usable points value were met (and counted).
	EXPECT_GT(sim.unscored(), 0);
	EXPECT_GT(sim.reloads(ReloadCause::WindowRule), 0);
	EXPECT_GT(sim.scorings(), 0);
	// The glue drove the core correctly: nothing was ever out of step.
	EXPECT_EQ(sim.reloads(ReloadCause::OutOfStep), 0);
	EXPECT_EQ(sim.reloads(ReloadCause::ModelChanged), 0);
}

TEST(ScoringRecompute, TalliesForExplain) {
	std::vector<TestModel> models = TestModels();
	CompiledModel m = CompiledModel::Compile(models[0].spec, Columns());
	LeadRecompute rc(m);
	Activity blog;
	blog.type = "blog_read";
	for (int k = 0; k < 8; k++) {
		blog.at = k2024 + k * kDay;
		Converted c(blog);
		rc.Add(blog.type, blog.at, c.values);
	}
	Activity pv;
	pv.type = "page_view";
	pv.at = k2024;
	pv.url = "/pricing";
	pv.duration = 10; // too short for the pricing rule
	Converted c(pv);
	rc.Add(pv.type, pv.at, c.values);
	rc.Add("careers_view", k2024, c.values);

	Recomputed out;
	rc.Finish(&out);
	ASSERT_EQ(out.rules.size(), 7u);
	EXPECT_EQ(out.rules[1].matched, 8); // blog_read
	EXPECT_EQ(out.rules[1].counted, 5); // capped at 5
	double five_newest = 0;
	for (int k = 3; k < 8; k++)
		five_newest += 5 * m.decay().Weight(k2024 + k * kDay);
	EXPECT_NEAR(out.rules[1].stored, five_newest, 1e-12 * five_newest);
	EXPECT_EQ(out.rules[2].matched, 0); // pricing page: too short
	EXPECT_EQ(out.rules[3].matched, 1); // any page view
	EXPECT_EQ(out.state.activity_count, 9);
	EXPECT_EQ(out.state.last_activity_at, k2024 + 7 * kDay);
	EXPECT_EQ(out.state.caps[0].total(), 8);
	EXPECT_NEAR(out.state.stage_stored[0], five_newest + 3 * m.decay().Weight(k2024), 1e-12 * five_newest);

	// Reset: the next lead starts from nothing.
	rc.Reset();
	rc.Finish(&out);
	EXPECT_EQ(out.state.activity_count, 0);
	EXPECT_EQ(out.state.stored, 0);
	EXPECT_EQ(out.state.last_activity_at, kNoTime);
}

// Momentum is the same points with its own half-life (7 days here, the
// score's 30) from the same epoch: two weeks after a 5-point read, 1.25
// points of momentum are left, while the score keeps 5 * 2^(-14/30).
TEST(ScoringRecompute, MomentumDecaysWithItsOwnHalfLife) {
	std::vector<TestModel> models = TestModels();
	CompiledModel m = CompiledModel::Compile(models[0].spec, Columns());
	LeadRecompute rc(m);
	Activity a;
	a.type = "blog_read";
	a.at = k2024 + 7 * kDay;
	Converted c(a);
	rc.Add(a.type, a.at, c.values);
	Recomputed out;
	rc.Finish(&out);
	EXPECT_DOUBLE_EQ(out.state.momentum, 10); // 5 points, one momentum half-life after the epoch
	EXPECT_DOUBLE_EQ(m.momentum().Current(out.state.momentum, a.at + 14 * kDay), 1.25);
	EXPECT_NEAR(m.decay().Current(out.state.stored, a.at + 14 * kDay), 5 * std::exp2(-14.0 / 30), 1e-12);
	// A pending scoring keeps only its stored term: momentum follows from it.
	double stored = -3 * m.decay().Weight(a.at);
	EXPECT_DOUBLE_EQ(PendingMomentum(m.decay(), m.momentum(), a.at, stored), -6);
}

TEST(ScoringRecompute, DiffNamesTheFields) {
	std::vector<TestModel> models = TestModels();
	CompiledModel m = CompiledModel::Compile(models[0].spec, Columns());
	LeadRecompute rc(m);
	Activity a;
	a.type = "blog_read";
	a.at = k2024;
	Converted c(a);
	rc.Add(a.type, a.at, c.values);
	Recomputed rec;
	rc.Finish(&rec);

	LeadState same = rec.state;
	EXPECT_TRUE(DiffLeadState(m, same, rec, kNow).empty());
	same.stored *= 1 + 1e-12; // rounding: still the same
	EXPECT_TRUE(DiffLeadState(m, same, rec, kNow).empty());

	LeadState bad = rec.state;
	bad.stored *= 1.001;
	bad.momentum = m.momentum().Weight(kNow); // a point now; the read a year ago has ~0 left
	bad.stage_stored[0] = 0;
	bad.activity_count = 2;
	bad.last_activity_at = k2024 + 1;
	bad.caps[0].beyond = 1;
	EXPECT_EQ(DiffLeadState(m, bad, rec, kNow),
	          (std::vector<std::string>{"stored", "momentum", "stage \"awareness\"", "activity_count", "last_activity_at",
	                                    "cap window of rule \"rule_1\""}));
}

TEST(ScoringRecompute, CancelIsPolled) {
	std::vector<TestModel> models = TestModels();
	CompiledModel m = CompiledModel::Compile(models[0].spec, Columns());
	LeadRecompute rc(m, [] { return true; });
	Activity a;
	a.type = "blog_read";
	Converted c(a);
	try {
		for (std::uint32_t k = 0; k < 2 * kCancelCheckInterval; k++)
			rc.Add(a.type, k2024 + k, c.values);
		ADD_FAILURE() << "not cancelled";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
	}
}

} // namespace
} // namespace leadscore::core
