// score_agg / stage_agg state.  See score_aggregate.hpp.
//
// Layout (all fields native-endian, unaligned):
//   header  64 bytes   magic, model id, as_of, half-life, max_score,
//                      stage_min_points, rule, stage and slot counts,
//                      bytes of stage names
//   rules   40 each    points, stage, cap, sum, compensation, held, slot offset
//   slots   8 each     cap times (per capped rule: a min-heap of `held`)
//   names              per stage: u32 length, bytes
#include "core/insight/score_aggregate.hpp"

#include "core/base/error.hpp"
#include "core/model/decay.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace leadscore::core {

namespace {

constexpr std::uint32_t kMagic = 0x4C534131; // "LSA1"
constexpr std::size_t kHeader = 64;
constexpr std::size_t kRuleBytes = 40;
constexpr std::size_t kMaxStateBytes = 64u << 20;

// Header offsets.
constexpr std::size_t kMagicAt = 0, kModelAt = 4, kAsOfAt = 8, kHalfLifeAt = 16, kMaxScoreAt = 24,
                      kStageMinAt = 32, kRulesAt = 40, kStagesAt = 44, kSlotsAt = 48, kNamesAt = 52;
// Rule offsets.
constexpr std::size_t kPointsAt = 0, kStageAt = 8, kCapAt = 12, kSumAt = 16, kCompAt = 24, kHeldAt = 32,
                      kSlotAt = 36;

template <typename T>
T Load(const unsigned char *p) noexcept {
	T v;
	std::memcpy(&v, p, sizeof v);
	return v;
}

template <typename T>
void Store(unsigned char *p, T v) noexcept {
	std::memcpy(p, &v, sizeof v);
}

[[noreturn]] void Invalid(const char *why) {
	throw Error(ErrorKind::InvalidValue, "invalid score_agg state", std::string("The state ") + why + ".");
}

std::size_t NamesBytes(const ModelSpec &model) {
	std::size_t n = 0;
	for (const std::string &s : model.stages)
		n += 4 + s.size();
	return n;
}

// Neumaier's compensated addition of x to (sum, comp), as CompensatedSum.
void CompensatedAdd(double *sum, double *comp, double x) noexcept {
	double t = *sum + x;
	if (std::fabs(*sum) >= std::fabs(x))
		*comp += (*sum - t) + x;
	else
		*comp += (x - t) + *sum;
	*sum = t;
}

// Min-heap over slots[0..n): the oldest kept time at the root.
void SiftUp(unsigned char *slots, std::size_t i) noexcept {
	std::int64_t v = Load<std::int64_t>(slots + 8 * i);
	while (i > 0) {
		std::size_t parent = (i - 1) / 2;
		std::int64_t p = Load<std::int64_t>(slots + 8 * parent);
		if (p <= v)
			break;
		Store(slots + 8 * i, p);
		i = parent;
	}
	Store(slots + 8 * i, v);
}

void SiftDown(unsigned char *slots, std::size_t n) noexcept {
	std::size_t i = 0;
	std::int64_t v = Load<std::int64_t>(slots);
	for (;;) {
		std::size_t child = 2 * i + 1;
		if (child >= n)
			break;
		std::int64_t c = Load<std::int64_t>(slots + 8 * child);
		if (child + 1 < n) {
			std::int64_t d = Load<std::int64_t>(slots + 8 * (child + 1));
			if (d < c) {
				child++;
				c = d;
			}
		}
		if (v <= c)
			break;
		Store(slots + 8 * i, c);
		i = child;
	}
	Store(slots + 8 * i, v);
}

} // namespace

bool HasConditions(const ModelSpec &model) noexcept {
	return std::any_of(model.rules.begin(), model.rules.end(),
	                   [](const RuleSpec &r) { return !r.condition.empty() || !r.points_expression.empty(); });
}

std::size_t ScoreAggState::Size(const ModelSpec &model) {
	std::size_t slots = 0;
	for (const RuleSpec &rule : model.rules) {
		// A window's scorings need every matching time of the lead: no
		// fixed-size state holds them.
		if (rule.window.min_count > 0 || !rule.response_types.empty())
			throw Error(ErrorKind::NotSupported,
			            "score_agg cannot score model \"" + model.name + "\": rule \"" + rule.name + "\" is a " +
			                (rule.response_types.empty() ? "frequency window" : "silence rule"),
			            {}, "leadscore.explain() and evaluate() score it; score_agg takes models without windows.");
		slots += static_cast<std::size_t>(std::max(rule.max_count, 0));
	}
	std::size_t size = kHeader + kRuleBytes * model.rules.size() + 8 * slots + NamesBytes(model);
	if (size > kMaxStateBytes)
		throw Error(ErrorKind::TooComplex, "model \"" + model.name + "\" is too large for score_agg",
		            "Its state would take " + std::to_string(size) + " bytes.");
	return size;
}

void ScoreAggState::Init(unsigned char *buf, const ModelSpec &model, std::int64_t as_of) {
	std::size_t size = Size(model);
	std::memset(buf, 0, size);
	std::size_t slots = 0;
	unsigned char *rule = buf + kHeader;
	for (const RuleSpec &r : model.rules) {
		// A points expression's rows bring their points to Add().
		Store(rule + kPointsAt, r.points_expression.empty() ? r.points : 1.0);
		Store(rule + kStageAt, static_cast<std::int32_t>(r.stage));
		Store(rule + kCapAt, std::max<std::int32_t>(r.max_count, 0));
		Store(rule + kSlotAt, static_cast<std::uint32_t>(slots));
		slots += static_cast<std::size_t>(std::max(r.max_count, 0));
		rule += kRuleBytes;
	}
	unsigned char *names = rule + 8 * slots;
	for (const std::string &s : model.stages) {
		Store(names, static_cast<std::uint32_t>(s.size()));
		std::memcpy(names + 4, s.data(), s.size());
		names += 4 + s.size();
	}
	Store(buf + kMagicAt, kMagic);
	Store(buf + kModelAt, model.id);
	Store(buf + kAsOfAt, as_of);
	Store(buf + kHalfLifeAt, model.half_life_us > 0 ? model.half_life_us : 0.0);
	Store(buf + kMaxScoreAt, model.max_score);
	Store(buf + kStageMinAt, model.stage_min_points);
	Store(buf + kRulesAt, static_cast<std::uint32_t>(model.rules.size()));
	Store(buf + kStagesAt, static_cast<std::uint32_t>(model.stages.size()));
	Store(buf + kSlotsAt, static_cast<std::uint32_t>(slots));
	Store(buf + kNamesAt, static_cast<std::uint32_t>(NamesBytes(model)));
}

ScoreAggState::ScoreAggState(unsigned char *buf, std::size_t len) : data_(buf), writable_(buf), len_(len) {
	Check();
}

ScoreAggState::ScoreAggState(const unsigned char *buf, std::size_t len) : data_(buf), writable_(nullptr), len_(len) {
	Check();
}

void ScoreAggState::Check() const {
	if (len_ < kHeader || Load<std::uint32_t>(data_ + kMagicAt) != kMagic)
		Invalid("lacks its header");
	// Counts are 32-bit and the size is computed in 64 bits: no overflow.
	std::uint64_t rules = Load<std::uint32_t>(data_ + kRulesAt), stages = Load<std::uint32_t>(data_ + kStagesAt),
	              slots = Load<std::uint32_t>(data_ + kSlotsAt), names = Load<std::uint32_t>(data_ + kNamesAt);
	if (kHeader + kRuleBytes * rules + 8 * slots + names != len_)
		Invalid("has the wrong length");
	double half_life = Load<double>(data_ + kHalfLifeAt), max_score = Load<double>(data_ + kMaxScoreAt);
	if (!(half_life >= 0) || std::isinf(half_life) || std::isinf(max_score) ||
	    !std::isfinite(Load<double>(data_ + kStageMinAt)))
		Invalid("has bad model settings");
	std::uint64_t next_slot = 0;
	for (std::uint64_t r = 0; r < rules; r++) {
		const unsigned char *rule = data_ + kHeader + kRuleBytes * r;
		auto stage = Load<std::int32_t>(rule + kStageAt), cap = Load<std::int32_t>(rule + kCapAt);
		std::uint32_t held = Load<std::uint32_t>(rule + kHeldAt), slot = Load<std::uint32_t>(rule + kSlotAt);
		if (stage < kNoStage || (stage >= 0 && static_cast<std::uint64_t>(stage) >= stages) || cap < 0 ||
		    cap > kMaxCountLimit || held > static_cast<std::uint32_t>(cap) || slot != next_slot)
			Invalid("has a bad rule");
		next_slot += static_cast<std::uint64_t>(cap);
	}
	if (next_slot != slots)
		Invalid("has the wrong number of cap slots");
	const unsigned char *p = data_ + kHeader + kRuleBytes * rules + 8 * slots, *end = data_ + len_;
	for (std::uint64_t s = 0; s < stages; s++) {
		if (end - p < 4 || static_cast<std::uint64_t>(end - p - 4) < Load<std::uint32_t>(p))
			Invalid("has bad stage names");
		p += 4 + Load<std::uint32_t>(p);
	}
	if (p != end)
		Invalid("has bad stage names");
}

unsigned char *ScoreAggState::Writable() const {
	if (writable_ == nullptr)
		throw Error(ErrorKind::Internal, "score_agg state is read-only");
	return writable_;
}

std::int32_t ScoreAggState::model_id() const noexcept {
	return Load<std::int32_t>(data_ + kModelAt);
}

std::int64_t ScoreAggState::as_of() const noexcept {
	return Load<std::int64_t>(data_ + kAsOfAt);
}

std::size_t ScoreAggState::rule_count() const noexcept {
	return Load<std::uint32_t>(data_ + kRulesAt);
}

std::size_t ScoreAggState::stage_count() const noexcept {
	return Load<std::uint32_t>(data_ + kStagesAt);
}

void ScoreAggState::Add(std::size_t rule, std::int64_t at, double points) {
	unsigned char *base = Writable();
	if (rule >= rule_count())
		throw Error(ErrorKind::Internal, "score_agg rule index out of range");
	unsigned char *r = base + kHeader + kRuleBytes * rule;
	auto cap = static_cast<std::uint32_t>(Load<std::int32_t>(r + kCapAt));
	if (cap == 0) {
		double sum = Load<double>(r + kSumAt), comp = Load<double>(r + kCompAt);
		CompensatedAdd(&sum, &comp, points * Decay(Load<double>(base + kHalfLifeAt), as_of()).Weight(at));
		Store(r + kSumAt, sum);
		Store(r + kCompAt, comp);
		return;
	}
	unsigned char *slots = base + kHeader + kRuleBytes * rule_count() + 8 * std::size_t{Load<std::uint32_t>(r + kSlotAt)};
	std::uint32_t held = Load<std::uint32_t>(r + kHeldAt);
	if (held < cap) {
		Store(slots + 8 * held, at);
		SiftUp(slots, held);
		Store(r + kHeldAt, held + 1);
	} else if (at > Load<std::int64_t>(slots)) {
		// Newer than the oldest kept: it takes that one's place.  An equal
		// time changes nothing (equal times are interchangeable).
		Store(slots, at);
		SiftDown(slots, held);
	}
}

void ScoreAggState::Merge(const ScoreAggState &other) {
	Writable();
	std::size_t rules = rule_count();
	bool same = other.model_id() == model_id() && other.as_of() == as_of() && other.len_ == len_ &&
	            other.rule_count() == rules && other.stage_count() == stage_count() &&
	            std::memcmp(other.data_ + kHalfLifeAt, data_ + kHalfLifeAt, kHeader - kHalfLifeAt) == 0;
	for (std::size_t i = 0; same && i < rules; i++) {
		const unsigned char *a = data_ + kHeader + kRuleBytes * i, *b = other.data_ + kHeader + kRuleBytes * i;
		same = std::memcmp(a, b, kSumAt) == 0;
	}
	if (!same)
		throw Error(ErrorKind::InvalidValue, "cannot combine score_agg states of different models or as_of times",
		            "Every row of a group must name the same model and as_of.");
	for (std::size_t i = 0; i < rules; i++) {
		const unsigned char *b = other.data_ + kHeader + kRuleBytes * i;
		unsigned char *a = writable_ + kHeader + kRuleBytes * i;
		if (Load<std::int32_t>(b + kCapAt) == 0) {
			double sum = Load<double>(a + kSumAt), comp = Load<double>(a + kCompAt);
			CompensatedAdd(&sum, &comp, Load<double>(b + kSumAt));
			CompensatedAdd(&sum, &comp, Load<double>(b + kCompAt));
			Store(a + kSumAt, sum);
			Store(a + kCompAt, comp);
			continue;
		}
		const unsigned char *slots = other.data_ + kHeader + kRuleBytes * rules + 8 * std::size_t{Load<std::uint32_t>(b + kSlotAt)};
		for (std::uint32_t k = 0; k < Load<std::uint32_t>(b + kHeldAt); k++)
			Add(i, Load<std::int64_t>(slots + 8 * k));
	}
}

double ScoreAggState::RuleWeight(std::size_t rule) const noexcept {
	const unsigned char *r = data_ + kHeader + kRuleBytes * rule;
	if (Load<std::int32_t>(r + kCapAt) == 0)
		return Load<double>(r + kSumAt) + Load<double>(r + kCompAt);
	Decay decay(Load<double>(data_ + kHalfLifeAt), as_of());
	const unsigned char *slots = data_ + kHeader + kRuleBytes * rule_count() + 8 * std::size_t{Load<std::uint32_t>(r + kSlotAt)};
	CompensatedSum weights;
	for (std::uint32_t k = 0; k < Load<std::uint32_t>(r + kHeldAt); k++)
		weights.Add(decay.Weight(Load<std::int64_t>(slots + 8 * k)));
	return weights.Value();
}

double ScoreAggState::Score() const noexcept {
	CompensatedSum score;
	for (std::size_t i = 0; i < rule_count(); i++)
		score.Add(Load<double>(data_ + kHeader + kRuleBytes * i + kPointsAt) * RuleWeight(i));
	double result = score.Value();
	double max_score = Load<double>(data_ + kMaxScoreAt);
	if (!std::isnan(max_score))
		result = std::min(result, max_score);
	return result + 0.0;
}

int ScoreAggState::Stage() const {
	std::vector<CompensatedSum> stages(stage_count());
	for (std::size_t i = 0; i < rule_count(); i++) {
		const unsigned char *r = data_ + kHeader + kRuleBytes * i;
		auto stage = Load<std::int32_t>(r + kStageAt);
		if (stage != kNoStage)
			stages[static_cast<std::size_t>(stage)].Add(Load<double>(r + kPointsAt) * RuleWeight(i));
	}
	// Decay is relative to as_of, so the minimum needs no conversion.
	double minimum = Load<double>(data_ + kStageMinAt);
	for (std::size_t k = stages.size(); k-- > 0;)
		if (stages[k].Value() >= minimum)
			return static_cast<int>(k);
	return kNoStage;
}

std::string_view ScoreAggState::StageName(int stage) const noexcept {
	if (stage < 0 || static_cast<std::size_t>(stage) >= stage_count())
		return {};
	const unsigned char *p = data_ + kHeader + kRuleBytes * rule_count() + 8 * std::size_t{Load<std::uint32_t>(data_ + kSlotsAt)};
	for (int s = 0; s < stage; s++)
		p += 4 + Load<std::uint32_t>(p);
	return std::string_view(reinterpret_cast<const char *>(p + 4), Load<std::uint32_t>(p));
}

} // namespace leadscore::core
