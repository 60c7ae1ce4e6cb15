// Micro-benchmarks of the decay and grade arithmetic (CONTRIBUTING.md,
// "Benchmarks": ratios against baselines, never timed asserts).
//
// The baseline is what a product without the stored sum does at read time:
// recompute p * 0.5^(age/h) for every activity of the lead.  The stored-sum
// method pays one Weight() per activity at write time and one Current() per
// read, so the read ratio grows with the number of activities per lead.
#include "core/model/decay.hpp"
#include "core/model/grade.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using leadscore::core::AddGradeSteps;
using leadscore::core::Decay;
using leadscore::core::GradeRank;

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t kNow = 1'717'200'000'000'000; // June 2024
constexpr double kHalfLife = 30.0 * 86'400'000'000;  // the default model

struct Activity {
	std::int64_t at;
	double points;
};

// A lead's history: `count` activities over the last year.
std::vector<Activity> History(std::size_t count) {
	std::mt19937_64 rng(42);
	std::uniform_int_distribution<std::int64_t> age(0, 365 * kDay);
	const double points[] = {5, 10, 20, 25, 35, 50, -40, -10};
	std::vector<Activity> history(count);
	for (std::size_t i = 0; i < count; i++)
		history[i] = Activity{kNow - age(rng), points[i % 8]};
	return history;
}

// 1024 times to cycle through, so no result is a compile-time constant.
std::vector<std::int64_t> Times() {
	std::vector<std::int64_t> times;
	for (const Activity &a : History(1024))
		times.push_back(a.at);
	return times;
}

void BM_Weight(benchmark::State &state) {
	Decay decay(kHalfLife, kNow - 200 * kDay);
	std::vector<std::int64_t> times = Times();
	std::size_t i = 0;
	for (auto _ : state) {
		benchmark::DoNotOptimize(decay.Weight(times[i++ & 1023]));
	}
}
BENCHMARK(BM_Weight);

void BM_Stored(benchmark::State &state) {
	Decay decay(kHalfLife, kNow - 200 * kDay);
	std::vector<std::int64_t> times = Times();
	std::size_t i = 0;
	for (auto _ : state) {
		benchmark::DoNotOptimize(decay.Stored(25.0, times[i++ & 1023]));
	}
}
BENCHMARK(BM_Stored);

void BM_Current(benchmark::State &state) {
	Decay decay(kHalfLife, kNow - 200 * kDay);
	std::vector<std::int64_t> times = Times();
	std::size_t i = 0;
	for (auto _ : state) {
		benchmark::DoNotOptimize(decay.Current(1234.5, times[i++ & 1023] + 365 * kDay));
	}
}
BENCHMARK(BM_Current);

// Reading one lead's score: the baseline recomputes every activity.
void BM_ReadScoreNaive(benchmark::State &state) {
	std::vector<Activity> history = History(static_cast<std::size_t>(state.range(0)));
	std::int64_t now = kNow;
	for (auto _ : state) {
		double score = 0;
		for (const Activity &a : history)
			score += a.points * std::pow(0.5, static_cast<double>(now - a.at) / kHalfLife);
		benchmark::DoNotOptimize(score);
		now += 1;
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadScoreNaive)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// The same read from the stored sum: one multiplication by 2^-(now - E)/h,
// whatever the history's length.
void BM_ReadScoreStored(benchmark::State &state) {
	std::vector<Activity> history = History(static_cast<std::size_t>(state.range(0)));
	Decay decay(kHalfLife, kNow - 200 * kDay);
	double stored = 0;
	for (const Activity &a : history)
		stored += decay.Stored(a.points, a.at);
	std::int64_t now = kNow;
	for (auto _ : state) {
		benchmark::DoNotOptimize(decay.Current(stored, now));
		now += 1;
	}
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadScoreStored)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

void BM_AddGradeSteps(benchmark::State &state) {
	std::mt19937_64 rng(7);
	std::uniform_int_distribution<int> rank(0, 12);
	std::uniform_int_distribution<std::int64_t> steps(-15, 15);
	std::vector<GradeRank> ranks(1024);
	std::vector<std::int64_t> moves(1024);
	for (std::size_t i = 0; i < 1024; i++) {
		ranks[i] = static_cast<GradeRank>(rank(rng));
		moves[i] = steps(rng);
	}
	std::size_t i = 0;
	for (auto _ : state) {
		benchmark::DoNotOptimize(AddGradeSteps(ranks[i & 1023], moves[i & 1023]));
		i++;
	}
}
BENCHMARK(BM_AddGradeSteps);

} // namespace

BENCHMARK_MAIN();
