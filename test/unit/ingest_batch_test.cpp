// One statement's rows through the ingest plan: lookups across models,
// deltas per lead, cap hits, statistics, UPDATEs that change nothing,
// cancellation, and applying a delta to a lead's state.
#include "core/base/error.hpp"
#include "core/ingest/ingest_batch.hpp"
#include "core/ingest/ingest_plan.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;
constexpr double kHalfLife = 30.0 * 86'400'000'000;

Schema Columns() {
	return Schema{{"url", ValueType::Text}, {"duration_s", ValueType::Int}, {"note", ValueType::Text}};
}

RuleSpec Rule(std::int32_t id, std::string name, std::string type, double points, int stage = kNoStage,
              std::string condition = {}, std::int32_t max_count = 0) {
	RuleSpec r;
	r.id = id;
	r.name = std::move(name);
	r.activity_type = std::move(type);
	r.points = points;
	r.stage = stage;
	r.condition = std::move(condition);
	r.max_count = max_count;
	return r;
}

const char *kPricing = "url LIKE '/pricing%' AND duration_s >= 30";

// Model 0 decays, has stages and a capped rule; model 1 does not decay and
// shares the pricing condition (spelled differently).
std::vector<CompiledModel> Models() {
	ModelSpec a;
	a.id = 1;
	a.name = "crm";
	a.half_life_us = kHalfLife;
	a.epoch_us = k2024;
	a.stages = {"awareness", "consideration", "decision"};
	a.rules = {Rule(1, "pricing_page", "page_view", 15, 1, kPricing), Rule(2, "any_page", "page_view", 1, 0),
	           Rule(3, "blog", "blog_read", 5, 0, {}, 2), Rule(4, "unsubscribe", "unsubscribe", -40)};
	ModelSpec b;
	b.id = 2;
	b.name = "call_centre";
	b.rules = {Rule(5, "pricing", "page_view", 10, kNoStage, "url like '/pricing%' and duration_s >= 30"),
	           Rule(6, "demo", "demo_request", 50)};
	std::vector<CompiledModel> models;
	models.push_back(CompiledModel::Compile(a, Columns()));
	models.push_back(CompiledModel::Compile(b, Columns()));
	return models;
}

struct Row {
	Value values[3];
	Row(const char *url, std::int64_t duration, const char *note = "") {
		values[0] = url ? Value::Text(url) : Value::Null();
		values[1] = duration >= 0 ? Value::Int(duration) : Value::Null();
		values[2] = Value::Text(note);
	}
};

TEST(IngestPlan, SharesConditionsAcrossModels) {
	IngestPlan plan(Models());
	EXPECT_EQ(plan.model_count(), 2u);
	EXPECT_EQ(plan.column_count(), 3u);
	EXPECT_EQ(plan.columns_used(), (std::vector<std::size_t>{0, 1}));
	// The same condition, normalized, is evaluated once per row.
	EXPECT_EQ(plan.condition_count(), 1u);
	std::uint32_t pv = plan.FindType("page_view");
	ASSERT_NE(pv, TypeIndex::kNotFound);
	ASSERT_EQ(plan.targets_end(pv) - plan.targets_begin(pv), 3);
	EXPECT_EQ(plan.targets_begin(pv)[0].model, 0u);
	EXPECT_EQ(plan.targets_begin(pv)[1].model, 0u);
	EXPECT_EQ(plan.targets_begin(pv)[2].model, 1u);
	EXPECT_EQ(plan.targets_begin(pv)[2].condition, plan.targets_begin(pv)[0].condition);
	EXPECT_EQ(plan.FindType("careers_view"), TypeIndex::kNotFound);
}

TEST(IngestPlan, RefusesModelsOfDifferentTables) {
	std::vector<CompiledModel> models = Models();
	ModelSpec other;
	other.name = "other";
	models.push_back(CompiledModel::Compile(other, Schema{{"url", ValueType::Text}}));
	try {
		IngestPlan plan(std::move(models));
		ADD_FAILURE() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::Internal);
	}
	IngestPlan empty({});
	IngestBatch batch(empty);
	Row r("/x", 1);
	batch.Add(0, "page_view", k2024, r.values, RowChange::Inserted);
	batch.Finish();
	EXPECT_EQ(batch.stats().unknown_type, 1);
}

TEST(IngestBatch, OneRowScoresInEveryModelAndEveryMatchingRule) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row pricing("/pricing/enterprise", 45);
	std::int64_t at = k2024 + 3 * kDay;
	batch.Add(7, "page_view", at, pricing.values, RowChange::Inserted);
	batch.Finish();

	const Decay &decay = plan.model(0).decay();
	const ModelBatch &a = batch.model(0);
	ASSERT_EQ(a.leads().size(), 1u);
	const LeadDelta &d = a.leads()[0];
	EXPECT_EQ(d.lead, 7u);
	EXPECT_EQ(d.activity_count, 1); // one row, two rules: one activity
	EXPECT_DOUBLE_EQ(d.stored, 16 * decay.Weight(at));
	EXPECT_DOUBLE_EQ(a.stage_deltas(0)[0], 1 * decay.Weight(at));
	EXPECT_DOUBLE_EQ(a.stage_deltas(0)[1], 15 * decay.Weight(at));
	EXPECT_EQ(a.stage_deltas(0)[2], 0);
	EXPECT_EQ(d.max_inserted_at, at);
	EXPECT_EQ(d.max_deleted_at, kNoTime);
	EXPECT_FALSE(d.noop);

	const ModelBatch &b = batch.model(1);
	ASSERT_EQ(b.leads().size(), 1u);
	EXPECT_EQ(b.leads()[0].stored, 10); // no decay: weight 1
	EXPECT_EQ(b.stage_count(), 0u);

	EXPECT_EQ(batch.stats().unknown_type, 0);
}

TEST(IngestBatch, UnknownTypesAndUnmatchedConditions) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row blog("/blog/why-crm", 5);
	Row short_visit("/pricing", 10);
	Row no_duration("/pricing", -1); // NULL: unknown, not matched
	batch.Add(0, "careers_view", k2024, blog.values, RowChange::Inserted);
	batch.Add(0, "careers_view", k2024, blog.values, RowChange::Deleted);
	batch.Add(1, "page_view", k2024, short_visit.values, RowChange::Inserted);
	batch.Add(2, "page_view", k2024, no_duration.values, RowChange::Inserted);
	batch.Add(3, "Page_View", k2024, blog.values, RowChange::Inserted);
	batch.Finish();
	EXPECT_EQ(batch.stats().unknown_type, 2); // deleted rows are not counted
	// Model 1 has no rule that matches: no lead touched.
	EXPECT_TRUE(batch.model(1).leads().empty());
	ASSERT_EQ(batch.model(0).leads().size(), 2u);
	EXPECT_DOUBLE_EQ(batch.model(0).leads()[0].stored, plan.model(0).decay().Weight(k2024));
}

TEST(IngestBatch, LeadsComeOutInIndexOrder) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row r("/", 1);
	const std::uint32_t leads[] = {5, 2, 9, 2, 0, 5};
	for (std::size_t k = 0; k < 6; k++)
		batch.Add(leads[k], "blog_read", k2024 + static_cast<std::int64_t>(k) * kDay, r.values, RowChange::Inserted);
	batch.Add(9, "unsubscribe", k2024, r.values, RowChange::Inserted);
	batch.Finish();
	const ModelBatch &a = batch.model(0);
	ASSERT_EQ(a.leads().size(), 4u);
	std::vector<std::uint32_t> got;
	for (const LeadDelta &d : a.leads())
		got.push_back(d.lead);
	EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 2, 5, 9}));
	// Lead 9's unsubscribe went to stored and no stage; its blog read is capped.
	EXPECT_DOUBLE_EQ(a.leads()[3].stored, -40 * plan.model(0).decay().Weight(k2024));
	EXPECT_EQ(a.stage_deltas(3)[0], 0);
	EXPECT_EQ(a.leads()[3].activity_count, 2);
	// Lead 2: two blog reads, both capped hits in one run.
	const LeadDelta &two = a.leads()[1];
	EXPECT_EQ(two.stored, 0);
	ASSERT_EQ(two.caps_end - two.caps_begin, 1u);
	const CapRun &run = a.cap_runs()[two.caps_begin];
	EXPECT_EQ(run.cap, 0u);
	ASSERT_EQ(run.hits_end - run.hits_begin, 2u);
	EXPECT_EQ(a.cap_hits()[run.hits_begin].at, k2024 + kDay);
	EXPECT_EQ(a.cap_hits()[run.hits_begin + 1].at, k2024 + 3 * kDay);
}

TEST(IngestBatch, UpdateOfNonScoringColumnsIsANoop) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row before("/pricing", 40, "old note");
	Row after("/pricing", 40, "new note");
	Row blog("/blog", 1);
	// UPDATE activities SET note = ...: old rows out, new rows in.
	batch.Add(3, "page_view", k2024, before.values, RowChange::Deleted);
	batch.Add(4, "blog_read", k2024, blog.values, RowChange::Deleted);
	batch.Add(3, "page_view", k2024, after.values, RowChange::Inserted);
	batch.Add(4, "blog_read", k2024, blog.values, RowChange::Inserted);
	batch.Finish();
	for (std::size_t m = 0; m < 2; m++)
		for (const LeadDelta &d : batch.model(m).leads())
			EXPECT_TRUE(d.noop) << "model " << m << " lead " << d.lead;
	// The cap hits netted out.
	EXPECT_TRUE(batch.model(0).cap_runs().empty());
	EXPECT_TRUE(batch.model(0).cap_hits().empty());
}

TEST(IngestBatch, UpdateThatMovesATimeIsNotANoop) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row r("/pricing", 40);
	batch.Add(3, "demo_request", k2024, r.values, RowChange::Deleted);
	batch.Add(3, "demo_request", k2024 + kDay, r.values, RowChange::Inserted);
	batch.Finish();
	// No decay in model 1: the sum does not change, the last activity does.
	const LeadDelta &d = batch.model(1).leads()[0];
	EXPECT_EQ(d.stored, 0);
	EXPECT_EQ(d.activity_count, 0);
	EXPECT_FALSE(d.noop);
	EXPECT_EQ(d.max_inserted_at, k2024 + kDay);
	EXPECT_EQ(d.max_deleted_at, k2024);
}

TEST(IngestBatch, CapHitsAreNettedPerTime) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row r("/", 1);
	batch.Add(1, "blog_read", k2024, r.values, RowChange::Inserted);
	batch.Add(1, "blog_read", k2024, r.values, RowChange::Inserted);
	batch.Add(1, "blog_read", k2024, r.values, RowChange::Inserted);
	batch.Add(1, "blog_read", k2024, r.values, RowChange::Deleted);
	batch.Add(1, "blog_read", k2024 - kDay, r.values, RowChange::Deleted);
	batch.Add(0, "blog_read", k2024, r.values, RowChange::Inserted);
	batch.Finish();
	const ModelBatch &a = batch.model(0);
	ASSERT_EQ(a.leads().size(), 2u);
	ASSERT_EQ(a.cap_runs().size(), 2u);
	const LeadDelta &one = a.leads()[1];
	const CapRun &run = a.cap_runs()[one.caps_begin];
	ASSERT_EQ(run.hits_end - run.hits_begin, 2u);
	EXPECT_EQ(a.cap_hits()[run.hits_begin].at, k2024 - kDay);
	EXPECT_EQ(a.cap_hits()[run.hits_begin].count, -1);
	EXPECT_EQ(a.cap_hits()[run.hits_begin + 1].at, k2024);
	EXPECT_EQ(a.cap_hits()[run.hits_begin + 1].count, 2);
	EXPECT_EQ(one.activity_count, 1);
}

TEST(IngestBatch, ResetStartsAFreshStatement) {
	IngestPlan plan(Models());
	IngestBatch batch(plan);
	Row r("/", 1);
	batch.Add(100000, "unsubscribe", k2024, r.values, RowChange::Inserted);
	batch.Finish();
	ASSERT_EQ(batch.model(0).leads().size(), 1u);
	batch.Reset();
	batch.Add(3, "unsubscribe", k2024, r.values, RowChange::Inserted);
	batch.Add(100000, "unsubscribe", k2024, r.values, RowChange::Deleted);
	batch.Finish();
	const ModelBatch &a = batch.model(0);
	ASSERT_EQ(a.leads().size(), 2u);
	EXPECT_EQ(a.leads()[1].lead, 100000u);
	EXPECT_EQ(a.leads()[1].activity_count, -1);
}

TEST(IngestBatch, CancelIsPolledEveryFewThousandRows) {
	IngestPlan plan(Models());
	int polls = 0;
	IngestBatch batch(plan, [&] { return ++polls == 2; });
	Row r("/", 1);
	std::uint32_t rows = 0;
	try {
		for (; rows < 100000; rows++)
			batch.Add(rows % 10, "blog_read", k2024, r.values, RowChange::Inserted);
		ADD_FAILURE() << "not cancelled";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
	}
	EXPECT_EQ(polls, 2);
	EXPECT_EQ(rows, 2 * kCancelCheckInterval - 1);

	IngestBatch never(plan);
	for (std::uint32_t k = 0; k < 3 * kCancelCheckInterval; k++)
		never.Add(k % 10, "blog_read", k2024, r.values, RowChange::Inserted);
	never.Finish();
	EXPECT_EQ(never.model(0).leads().size(), 10u);
}

// ApplyLeadDelta over a few statements of one lead.
class ApplyTest : public ::testing::Test {
protected:
	ApplyTest() : plan_(Models()), batch_(plan_) {
		state_.Clear(plan_.model(0));
	}

	// One statement of rows of `type` (and as many of `type2`, if given).
	ApplyOutcome Statement(const std::vector<std::pair<std::int64_t, RowChange>> &rows, const char *type,
	                       const char *type2 = nullptr) {
		batch_.Reset();
		Row r("/", 1);
		for (const auto &[at, change] : rows) {
			batch_.Add(0, type, at, r.values, change);
			if (type2)
				batch_.Add(0, type2, at, r.values, change);
		}
		batch_.Finish();
		if (batch_.model(0).leads().empty())
			return ApplyOutcome();
		return ApplyLeadDelta(plan_.model(0), batch_.model(0), 0, &state_);
	}

	IngestPlan plan_;
	IngestBatch batch_;
	LeadState state_;
};

TEST_F(ApplyTest, InsertsDeletesAndLastActivity) {
	const Decay &decay = plan_.model(0).decay();
	using C = RowChange;
	EXPECT_FALSE(Statement({{k2024, C::Inserted}, {k2024 + kDay, C::Inserted}}, "unsubscribe").needs_reload);
	EXPECT_DOUBLE_EQ(state_.stored, -40 * (decay.Weight(k2024) + decay.Weight(k2024 + kDay)));
	EXPECT_EQ(state_.activity_count, 2);
	EXPECT_EQ(state_.last_activity_at, k2024 + kDay);

	// A late row does not move the last activity; deleting an older one
	// neither.  (A statement's deletions come before its insertions.)
	EXPECT_FALSE(Statement({{k2024, C::Deleted}, {k2024 - kDay, C::Inserted}}, "unsubscribe").needs_reload);
	EXPECT_EQ(state_.last_activity_at, k2024 + kDay);
	EXPECT_EQ(state_.activity_count, 2);

	// Deleting the newest with a newer one in the same statement: known.
	EXPECT_FALSE(Statement({{k2024 + kDay, C::Deleted}, {k2024 + 2 * kDay, C::Inserted}}, "unsubscribe").needs_reload);
	EXPECT_EQ(state_.last_activity_at, k2024 + 2 * kDay);

	// Deleting the newest alone: the previous one is not kept, re-read.
	ApplyOutcome out = Statement({{k2024 + 2 * kDay, C::Deleted}}, "unsubscribe");
	EXPECT_TRUE(out.needs_reload);
	EXPECT_EQ(out.cause, ReloadCause::NewestDeleted);
}

// A replicated transaction's rows are one batch: it may insert a row and
// then update its time back (or delete it).  The newest row it inserted is
// gone, and which one is newest now only the history knows.
TEST_F(ApplyTest, ARowInsertedAndDeletedInOneBatchLeavesTheNewestUnknown) {
	using C = RowChange;
	EXPECT_FALSE(Statement({{k2024, C::Inserted}}, "unsubscribe").needs_reload);
	ApplyOutcome out = Statement(
	    {{k2024 + 2 * kDay, C::Inserted}, {k2024 + 2 * kDay, C::Deleted}, {k2024 - kDay, C::Inserted}}, "unsubscribe");
	EXPECT_TRUE(out.needs_reload);
	EXPECT_EQ(out.cause, ReloadCause::NewestDeleted);
	// Within one statement deletions come first: an UPDATE that keeps the
	// newest row's time needs no history.
	state_.Clear(plan_.model(0));
	Statement({{k2024, C::Inserted}}, "unsubscribe");
	EXPECT_FALSE(Statement({{k2024, C::Deleted}, {k2024, C::Inserted}}, "unsubscribe").needs_reload);
	EXPECT_EQ(state_.last_activity_at, k2024);
}

TEST_F(ApplyTest, DeletingEverythingLeavesExactZeros) {
	using C = RowChange;
	std::vector<std::pair<std::int64_t, RowChange>> rows;
	for (int k = 0; k < 50; k++)
		rows.push_back({k2024 + k * 7919 * 1'000'000'000LL, C::Inserted});
	Statement(rows, "unsubscribe");
	Statement(rows, "blog_read");
	ASSERT_EQ(state_.activity_count, 100);
	// Oldest first, in blocks of ten, both types at once: no block removes
	// the newest activity while others remain, and the last leaves nothing.
	for (auto &row : rows)
		row.second = C::Deleted;
	for (std::size_t k = 0; k < rows.size(); k += 10) {
		std::vector<std::pair<std::int64_t, RowChange>> part(rows.begin() + static_cast<std::ptrdiff_t>(k),
		                                                     rows.begin() + static_cast<std::ptrdiff_t>(k + 10));
		EXPECT_FALSE(Statement(part, "unsubscribe", "blog_read").needs_reload) << k;
	}
	EXPECT_EQ(state_.activity_count, 0);
	EXPECT_EQ(state_.stored, 0);
	EXPECT_EQ(state_.stage_stored, (std::vector<double>{0, 0, 0}));
	EXPECT_EQ(state_.last_activity_at, kNoTime);
	EXPECT_EQ(state_.caps[0].total(), 0);
}

TEST_F(ApplyTest, DeletingTheNewestOfOneTypeIsConservative) {
	// The delta does not know that a blog read shares the newest time with
	// the deleted unsubscribe: it asks for a re-read rather than guess.
	using C = RowChange;
	Statement({{k2024, C::Inserted}}, "unsubscribe", "blog_read");
	EXPECT_TRUE(Statement({{k2024, C::Deleted}}, "unsubscribe").needs_reload);
}

TEST_F(ApplyTest, OutOfStepStateAsksForReload) {
	using C = RowChange;
	// Deleting from a lead that has nothing.
	EXPECT_EQ(Statement({{k2024, C::Deleted}}, "unsubscribe").cause, ReloadCause::OutOfStep);
	state_.Clear(plan_.model(0));
	EXPECT_EQ(Statement({{k2024, C::Deleted}}, "blog_read").cause, ReloadCause::OutOfStep);
	// A state of another shape (written before a rule or stage was added).
	state_.Clear(plan_.model(0));
	state_.stage_stored.pop_back();
	EXPECT_EQ(Statement({{k2024, C::Inserted}}, "unsubscribe").cause, ReloadCause::ModelChanged);
	state_.Clear(plan_.model(0));
	state_.caps.clear();
	ApplyOutcome out = Statement({{k2024, C::Inserted}}, "unsubscribe");
	EXPECT_TRUE(out.needs_reload);
	EXPECT_EQ(out.cause, ReloadCause::ModelChanged);
	// A consistent statement reports no cause.
	state_.Clear(plan_.model(0));
	out = Statement({{k2024, C::Inserted}}, "blog_read");
	EXPECT_FALSE(out.needs_reload);
	EXPECT_EQ(out.cause, ReloadCause::None);
}

} // namespace
} // namespace leadscore::core
