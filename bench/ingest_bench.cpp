// Micro-benchmarks of the ingest path (CONTRIBUTING.md, "Benchmarks":
// figures and ratios, never timed asserts): the core's share of what a statement-level trigger
// costs per activity row.
//
// The workload of issue 4 at statement scale: a batch of 10,000 rows over
// 1,000 leads and 10 activity types, 3 rules with conditions, 1 capped rule,
// a year of timestamps.  BM_IngestBatch is Add() for every row plus Finish();
// BM_IngestAndApply adds ApplyLeadDelta() for every touched lead (in-memory
// states: the glue's reads and writes are not here); BM_SingleRowStatement is
// what a one-row INSERT costs the core; BM_BulkLoad is a 1,000,000-row load
// with its lead keys and the trigger's prefetching pipeline.  The baseline, BM_TypeHashOnly, is
// hashing each row's type string: the least any per-row lookup must do.
#include "core/ingest/ingest_batch.hpp"
#include "core/ingest/ingest_plan.hpp"
#include "core/ingest/lead_key_map.hpp"
#include "core/model/scoring_model.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace leadscore::core;

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;
constexpr int kRows = 10'000;
constexpr std::uint32_t kLeads = 1'000;

const char *const kTypes[] = {"pricing_view", "blog_read",    "page_view",   "webinar",      "email_click",
                              "unsubscribe",  "newsletter_open", "whitepaper_download", "demo_request", "contact_form"};

RuleSpec Rule(std::int32_t id, const char *type, double points, int stage, const char *condition = "",
              std::int32_t max_count = 0) {
	RuleSpec r;
	r.id = id;
	r.name = type;
	r.activity_type = type;
	r.points = points;
	r.stage = stage;
	r.condition = condition;
	r.max_count = max_count;
	return r;
}

Schema Columns() {
	return Schema{{"id", ValueType::Int},
	              {"url", ValueType::Text},
	              {"duration_s", ValueType::Int},
	              {"country", ValueType::Text},
	              {"campaign", ValueType::Text}};
}

ModelSpec Model(std::int32_t id, std::string name) {
	ModelSpec m;
	m.id = id;
	m.name = std::move(name);
	m.half_life_us = 30.0 * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.stages = {"awareness", "consideration", "decision"};
	m.rules = {Rule(1, "pricing_view", 35, 2),
	           Rule(2, "blog_read", 5, 0, "", 5),
	           Rule(3, "page_view", 15, 1, "url LIKE '/pricing%' AND duration_s >= 30"),
	           Rule(4, "webinar", 25, 1, "duration_s >= 20"),
	           Rule(5, "email_click", 10, 0, "country IN ('DE', 'FR', 'NL')"),
	           Rule(6, "unsubscribe", -40, kNoStage),
	           Rule(7, "newsletter_open", 10, 0),
	           Rule(8, "whitepaper_download", 20, 1),
	           Rule(9, "demo_request", 50, 2),
	           Rule(10, "contact_form", 50, 2)};
	return m;
}

IngestPlan Plan(int models) {
	std::vector<CompiledModel> compiled;
	for (int m = 0; m < models; m++)
		compiled.push_back(CompiledModel::Compile(Model(m + 1, "model_" + std::to_string(m)), Columns()));
	return IngestPlan(std::move(compiled));
}

// Rows as the glue holds them after converting a transition table.
struct Rows {
	std::vector<std::uint32_t> lead;
	std::vector<std::string> type;
	std::vector<std::int64_t> at;
	std::vector<std::string> text; // url, country, campaign per row
	std::vector<Value> values;     // 5 per row

	Rows() {
		std::mt19937_64 rng(42);
		const char *urls[] = {"/pricing", "/pricing/enterprise", "/blog/why-crm", "/", "/docs/api"};
		const char *countries[] = {"DE", "FR", "US", "NL", "GB"};
		text.reserve(3 * kRows);
		for (int k = 0; k < kRows; k++) {
			lead.push_back(static_cast<std::uint32_t>(rng() % kLeads));
			type.push_back(kTypes[rng() % 10]);
			at.push_back(k2024 + static_cast<std::int64_t>(rng() % (365 * kDay)));
			text.push_back(urls[rng() % 5]);
			text.push_back(countries[rng() % 5]);
			text.push_back("spring_campaign_2024");
		}
		for (int k = 0; k < kRows; k++) {
			values.push_back(Value::Int(k));
			values.push_back(Value::Text(text[3 * static_cast<std::size_t>(k)]));
			values.push_back(Value::Int(static_cast<std::int64_t>(k % 90)));
			values.push_back(Value::Text(text[3 * static_cast<std::size_t>(k) + 1]));
			values.push_back(Value::Text(text[3 * static_cast<std::size_t>(k) + 2]));
		}
	}
	const Value *row(std::size_t k) const {
		return values.data() + 5 * k;
	}
};

void AddAll(IngestBatch &batch, const Rows &rows) {
	batch.Reset();
	for (std::size_t k = 0; k < kRows; k++)
		batch.Add(rows.lead[k], rows.type[k], rows.at[k], rows.row(k), RowChange::Inserted);
	batch.Finish();
}

void Report(benchmark::State &state, std::int64_t rows_per_iteration) {
	state.SetItemsProcessed(state.iterations() * rows_per_iteration);
	state.counters["ns/row"] = benchmark::Counter(static_cast<double>(state.iterations() * rows_per_iteration),
	                                              benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
	                                              benchmark::Counter::kIs1000);
}

void BM_TypeHashOnly(benchmark::State &state) {
	Rows rows;
	for (auto _ : state) {
		std::size_t h = 0;
		for (std::size_t k = 0; k < kRows; k++)
			h ^= std::hash<std::string_view>{}(rows.type[k]);
		benchmark::DoNotOptimize(h);
	}
	Report(state, kRows);
}
BENCHMARK(BM_TypeHashOnly);

// range(0): models in the plan (one row scores in each).
void BM_IngestBatch(benchmark::State &state) {
	IngestPlan plan = Plan(static_cast<int>(state.range(0)));
	IngestBatch batch(plan, [] { return false; });
	Rows rows;
	AddAll(batch, rows); // grow the vectors once, as a cached batch has
	for (auto _ : state) {
		AddAll(batch, rows);
		benchmark::DoNotOptimize(batch.model(0).leads().data());
	}
	Report(state, kRows);
}
BENCHMARK(BM_IngestBatch)->Arg(1)->Arg(3);

void BM_IngestAndApply(benchmark::State &state) {
	IngestPlan plan = Plan(1);
	IngestBatch batch(plan, [] { return false; });
	Rows rows;
	std::vector<LeadState> states(kLeads);
	for (LeadState &s : states)
		s.Clear(plan.model(0));
	long reloads = 0;
	for (auto _ : state) {
		AddAll(batch, rows);
		const ModelBatch &mb = batch.model(0);
		for (std::size_t i = 0; i < mb.leads().size(); i++)
			reloads += ApplyLeadDelta(plan.model(0), mb, i, &states[mb.leads()[i].lead]).needs_reload;
	}
	if (reloads != 0)
		state.SkipWithError("unexpected reload");
	Report(state, kRows);
}
BENCHMARK(BM_IngestAndApply);

void BM_SingleRowStatement(benchmark::State &state) {
	IngestPlan plan = Plan(1);
	IngestBatch batch(plan, [] { return false; });
	Rows rows;
	LeadState lead_state;
	lead_state.Clear(plan.model(0));
	std::size_t k = 0;
	for (auto _ : state) {
		batch.Reset();
		batch.Add(0, rows.type[k], rows.at[k], rows.row(k), RowChange::Inserted);
		batch.Finish();
		if (!batch.model(0).leads().empty())
			ApplyLeadDelta(plan.model(0), batch.model(0), 0, &lead_state);
		k = (k + 1) % kRows;
	}
	Report(state, 1);
}
BENCHMARK(BM_SingleRowStatement);

// A bulk load at issue 4's scale: 1,000,000 rows over 100,000 leads in
// random order, keyed by bigint (IntKeyMap), then Finish() and every lead
// applied to a new state, as the trigger does for a first load.  Most of
// this is cache misses: the rows' leads are random.  range(0) = 1 runs the
// trigger's pipeline (transition_rows.hpp): prefetch a row's map slot when
// it is read, its accumulator when its lead is interned, add it a row later.
void BM_BulkLoad(benchmark::State &state) {
	constexpr std::size_t kBulkRows = 1'000'000;
	constexpr std::uint64_t kBulkLeads = 100'000;
	const bool pipeline = state.range(0) != 0;
	IngestPlan plan = Plan(1);
	IngestBatch batch(plan, [] { return false; });
	Rows rows; // types and values, reused cyclically
	std::mt19937_64 rng(7);
	std::vector<std::int64_t> keys(kBulkRows);
	for (std::int64_t &key : keys)
		key = 1 + static_cast<std::int64_t>(rng() % kBulkLeads);
	IntKeyMap leads;
	LeadState lead_state;
	for (auto _ : state) {
		batch.Reset();
		leads.Clear();
		std::uint32_t interned[3] = {0, 0, 0};
		bool added;
		for (std::size_t k = 0; k < kBulkRows + 2; k++) {
			// row k - 2: add; row k - 1: intern; row k: read
			if (k >= 2) {
				std::size_t r = (k - 2) % kRows;
				batch.Add(interned[(k - 2) % 3], rows.type[r], rows.at[r], rows.row(r), RowChange::Inserted);
			}
			if (k >= 1 && k - 1 < kBulkRows) {
				interned[(k - 1) % 3] = leads.FindOrAdd(keys[k - 1], &added);
				if (pipeline)
					batch.Prefetch(interned[(k - 1) % 3]);
			}
			if (pipeline && k < kBulkRows)
				leads.Prefetch(keys[k]);
		}
		batch.Finish();
		const ModelBatch &mb = batch.model(0);
		for (std::size_t i = 0; i < mb.leads().size(); i++) {
			lead_state.Clear(plan.model(0));
			ApplyLeadDelta(plan.model(0), mb, i, &lead_state);
		}
		benchmark::DoNotOptimize(lead_state.stored);
	}
	Report(state, static_cast<std::int64_t>(kBulkRows));
}
BENCHMARK(BM_BulkLoad)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
