// Silence rules in the model and the recompute (not wired into SQL yet):
// sends count as activities, responses do not; a scoring due by `now` is in
// the sums, a later one pending; a response marks the lead for a recompute.
#include "core/ingest/ingest_batch.hpp"
#include "core/ingest/ingest_plan.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t kNow = 1'704'067'200'000'000;

ModelSpec SilenceModel() {
	ModelSpec m;
	m.id = 1;
	m.name = "m";
	m.stages = {"aware"};
	RuleSpec silence;
	silence.id = 1;
	silence.name = "unanswered";
	silence.activity_type = "email";
	silence.points = -5;
	silence.response_types = {"open", "click"};
	silence.absence = AbsenceStreak{1, 14 * kDay};
	m.rules.push_back(silence);
	RuleSpec open;
	open.id = 2;
	open.name = "open";
	open.activity_type = "open";
	open.points = 1;
	m.rules.push_back(open);
	return m;
}

Recomputed Recompute(const CompiledModel &model, const std::vector<std::pair<const char *, std::int64_t>> &rows,
                     std::int64_t now = kNow) {
	LeadRecompute r(model);
	r.SetNow(now);
	r.Reset();
	for (const auto &[type, at] : rows)
		r.Add(type, at, nullptr);
	Recomputed out;
	r.Finish(&out);
	return out;
}

TEST(SilenceRule, ADueScoringIsInTheSumALaterOnePending) {
	CompiledModel model = CompiledModel::Compile(SilenceModel(), Schema{});
	Recomputed out = Recompute(model, {{"email", kNow - 20 * kDay}, {"email", kNow - 5 * kDay}});
	EXPECT_DOUBLE_EQ(out.state.stored, -5);
	ASSERT_EQ(out.state.pending.size(), 1u);
	EXPECT_EQ(out.state.pending[0].at, kNow + 9 * kDay);
	EXPECT_DOUBLE_EQ(out.state.pending[0].stored, -5);
	EXPECT_EQ(out.state.activity_count, 2);
	// explain() counts the scorings the score holds now, not the pending one.
	EXPECT_EQ(out.rules[0].counted, 1);
	EXPECT_DOUBLE_EQ(out.rules[0].raw, -5);
}

TEST(SilenceRule, AResponseAnswersAndIsNoActivityOfTheRule) {
	CompiledModel model = CompiledModel::Compile(SilenceModel(), Schema{});
	Recomputed out = Recompute(model, {{"email", kNow - 20 * kDay}, {"click", kNow - 15 * kDay}});
	EXPECT_DOUBLE_EQ(out.state.stored, 0);
	EXPECT_TRUE(out.state.pending.empty());
	// The click matches no rule of its own: one activity, the email.
	EXPECT_EQ(out.state.activity_count, 1);
	// An open is a response and, through its own rule, an activity.
	out = Recompute(model, {{"email", kNow - 20 * kDay}, {"open", kNow - 15 * kDay}});
	EXPECT_DOUBLE_EQ(out.state.stored, 1);
	EXPECT_EQ(out.state.activity_count, 2);
}

TEST(SilenceRule, AResponseRowMarksTheLeadForARecompute) {
	std::vector<CompiledModel> models;
	models.push_back(CompiledModel::Compile(SilenceModel(), Schema{}));
	IngestPlan plan(std::move(models));
	IngestBatch batch(plan);
	batch.Add(3, "click", kNow, nullptr, RowChange::Inserted);
	batch.Finish();
	ASSERT_EQ(batch.model(0).leads().size(), 1u);
	const LeadDelta &d = batch.model(0).leads()[0];
	EXPECT_TRUE(d.window);
	EXPECT_EQ(d.activity_count, 0);
	LeadState state;
	state.Clear(plan.model(0));
	ApplyOutcome outcome = ApplyLeadDelta(plan.model(0), batch.model(0), 0, &state);
	EXPECT_TRUE(outcome.needs_reload);
	EXPECT_EQ(outcome.cause, ReloadCause::WindowRule);
}

// An UPDATE of a row's type from a send to a response at the same time (or
// back) takes one away and adds the other: both change the lead's
// scorings, so they must not net out like a row left alone.
TEST(SilenceRule, ASendTurnedIntoAResponseMarksTheLead) {
	std::vector<CompiledModel> models;
	models.push_back(CompiledModel::Compile(SilenceModel(), Schema{}));
	IngestPlan plan(std::move(models));
	IngestBatch batch(plan);
	for (auto [from, to] : {std::pair{"email", "click"}, std::pair{"click", "email"}}) {
		batch.Reset();
		batch.Add(3, from, kNow - 20 * kDay, nullptr, RowChange::Deleted);
		batch.Add(3, to, kNow - 20 * kDay, nullptr, RowChange::Inserted);
		batch.Finish();
		ASSERT_EQ(batch.model(0).leads().size(), 1u);
		EXPECT_TRUE(batch.model(0).leads()[0].window) << from << " to " << to;
	}
	// A send or a response left alone is still no change.
	for (const char *type : {"email", "click"}) {
		batch.Reset();
		batch.Add(3, type, kNow - 20 * kDay, nullptr, RowChange::Deleted);
		batch.Add(3, type, kNow - 20 * kDay, nullptr, RowChange::Inserted);
		batch.Finish();
		ASSERT_EQ(batch.model(0).leads().size(), 1u);
		EXPECT_TRUE(batch.model(0).leads()[0].noop) << type;
	}
}

TEST(SilenceRule, AStateWrittenEarlierAgreesOnceItsDueScoringsFold) {
	CompiledModel model = CompiledModel::Compile(SilenceModel(), Schema{});
	std::vector<std::pair<const char *, std::int64_t>> rows{{"email", kNow - 20 * kDay}, {"email", kNow - 5 * kDay}};
	// Written 10 days ago: both scorings were pending then.
	Recomputed then = Recompute(model, rows, kNow - 10 * kDay);
	EXPECT_EQ(then.state.pending.size(), 2u);
	Recomputed now = Recompute(model, rows);
	EXPECT_TRUE(DiffLeadState(model, then.state, now, kNow).empty());
	LeadState folded = then.state;
	FoldPending(&folded, kNow);
	EXPECT_DOUBLE_EQ(folded.stored, -5);
	EXPECT_EQ(folded.pending.size(), 1u);
	// A state that lost a pending scoring differs.
	LeadState lost = then.state;
	lost.pending.pop_back();
	EXPECT_EQ(DiffLeadState(model, lost, now, kNow), std::vector<std::string>{"pending silence scorings"});
}

TEST(SilenceRule, BadSettingsAreRefused) {
	auto refused = [](auto change) {
		ModelSpec m = SilenceModel();
		change(&m.rules[0]);
		try {
			ValidateModel(m);
		} catch (const Error &e) {
			return e.kind() == ErrorKind::InvalidValue;
		}
		return false;
	};
	EXPECT_TRUE(refused([](RuleSpec *r) { r->response_types.push_back("email"); }));
	EXPECT_TRUE(refused([](RuleSpec *r) { r->response_types.push_back(""); }));
	EXPECT_TRUE(refused([](RuleSpec *r) { r->absence.in_a_row = 0; }));
	EXPECT_TRUE(refused([](RuleSpec *r) { r->absence.within_us = 0; }));
	EXPECT_TRUE(refused([](RuleSpec *r) { r->absence.within_us = kMaxWindowUs + 1; }));
	EXPECT_TRUE(refused([](RuleSpec *r) { r->max_count = 3; }));
	EXPECT_TRUE(refused([](RuleSpec *r) { r->activity_type.clear(); }));
}

} // namespace
} // namespace leadscore::core
