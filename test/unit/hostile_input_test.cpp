// Hostile input at the core, run plain and under ASan + UBSan (the suite's
// second build): values that are not valid UTF-8 reaching LIKE, ILIKE and
// regular expressions (a SQL_ASCII database hands them over as text), a
// 1 MB value, NaN and infinities on either side, and a model of 10,000
// rules scoring 10,000 rows.  The answers are checked; the point of the
// sanitizer run is that nothing reads out of bounds or overflows.
#include "core/condition/condition.hpp"
#include "core/base/error.hpp"
#include "core/model/scoring_model.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace leadscore::core;

namespace {

const Schema &TestSchema() {
	static const Schema schema = {{"url", ValueType::Text}, {"n", ValueType::Float}, {"attr", ValueType::Any}};
	return schema;
}

Tri Eval(std::string_view condition, std::vector<Value> row) {
	auto node = ParseCondition(condition);
	auto compiled = CompiledCondition::Compile(*node, TestSchema());
	return compiled.Evaluate(row.data(), row.size());
}

Tri EvalText(std::string_view condition, std::string_view url) {
	return Eval(condition, {Value::Text(url), Value::Null(), Value::Null()});
}

} // namespace

TEST(HostileInput, InvalidUtf8ValuesMatchByteByByte) {
	const std::vector<std::string> values = {
	    "a\xff" "b",           // a stray byte
	    "a\xc3",               // a truncated sequence
	    "\xc0\xaf",            // overlong
	    "\xed\xa0\x80",        // a surrogate
	    "\xf4\x90\x80\x80",    // past U+10FFFF
	    std::string("a\0b", 3), // an embedded NUL
	};
	const std::vector<std::string> conditions = {
	    "url LIKE 'a_b'", "url LIKE '%b'", "url ILIKE '%Ü%'", "url ILIKE 'A_'", "url ~ '^a.b$'",
	    "url ~* 'ü'",     "url ~ '\\xff'", "url !~ '.'",      "url < 'b'",       "url IN ('a', 'b')",
	};
	for (const std::string &v : values)
		for (const std::string &c : conditions) {
			Tri t = EvalText(c, v);
			EXPECT_TRUE(t == Tri::True || t == Tri::False) << c << " on " << v.size() << " bytes";
		}
	EXPECT_EQ(EvalText("url LIKE 'a_b'", "a\xff" "b"), Tri::True);
	EXPECT_EQ(EvalText("url LIKE 'a_'", "a\xc3"), Tri::True);
	EXPECT_EQ(EvalText("url ILIKE 'A%'", "a\xff"), Tri::True);
	EXPECT_EQ(EvalText("url < 'b'", "a\xff"), Tri::True);  // bytes, as the C collation
}

TEST(HostileInput, AMegabyteValue) {
	std::string big(1 << 20, 'x');
	big[big.size() / 2] = 'y';
	EXPECT_EQ(EvalText("url LIKE '%y%'", big), Tri::True);
	EXPECT_EQ(EvalText("url ILIKE '%X%Y%X%'", big), Tri::True);
	EXPECT_EQ(EvalText("url LIKE '%z%'", big), Tri::False);
	EXPECT_EQ(EvalText("url ~ 'x{100}yx'", big), Tri::True);
	EXPECT_EQ(EvalText("url ~ '(x+x+)+z'", big), Tri::False);
	EXPECT_EQ(EvalText("url = 'x'", big), Tri::False);
}

TEST(HostileInput, NaNAndInfinitiesOnEitherSide) {
	const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
	auto with = [](double n) { return std::vector<Value>{Value::Null(), Value::Float(n), Value::Null()}; };
	EXPECT_EQ(Eval("n >= 30", with(nan)), Tri::True);  // NaN sorts above every number
	EXPECT_EQ(Eval("n >= 30", with(inf)), Tri::True);
	EXPECT_EQ(Eval("n >= 30", with(-inf)), Tri::False);
	EXPECT_EQ(Eval("n = 'Infinity'", with(inf)), Tri::True);
	EXPECT_EQ(Eval("n < 'NaN'", with(inf)), Tri::True);
	EXPECT_EQ(Eval("n IN (1, 'NaN')", with(nan)), Tri::True);
	EXPECT_EQ(Eval("attr > 1e308", {Value::Null(), Value::Null(), Value::Text("Infinity")}), Tri::True);
	EXPECT_EQ(Eval("attr > 1", {Value::Null(), Value::Null(), Value::Text("1e999")}), Tri::Unknown);
}

TEST(HostileInput, TenThousandRulesScoreTenThousandRows) {
	ModelSpec spec;
	spec.id = 1;
	spec.name = "big";
	spec.mql_threshold = 1;
	spec.sql_threshold = 2;
	for (int i = 1; i <= 10000; i++) {
		RuleSpec r;
		r.id = i;
		r.name = "r" + std::to_string(i);
		r.activity_type = "t" + std::to_string(i % 100);
		r.points = 1;
		r.condition = "n >= " + std::to_string(i % 50);
		r.max_count = i % 7 == 0 ? 3 : 0;
		spec.rules.push_back(r);
	}
	CompiledModel model = CompiledModel::Compile(spec, TestSchema());
	LeadRecompute recompute(model);
	recompute.Reset();
	double expected = 0;
	std::int64_t matching_rows = 0;
	std::vector<std::int64_t> counted(10001, 0);
	for (int row = 0; row < 10000; row++) {
		const int type = row % 100;
		const double n = row % 60;
		std::vector<Value> values = {Value::Null(), Value::Float(n), Value::Null()};
		recompute.Add("t" + std::to_string(type), 1'000'000 * static_cast<std::int64_t>(row), values.data());
		// Every rule of a type has the same condition: i % 50 == type % 50.
		if (n >= type % 50)
			matching_rows++;
		for (int i = type == 0 ? 100 : type; i <= 10000; i += 100)
			if (n >= i % 50 && (i % 7 != 0 || ++counted[static_cast<std::size_t>(i)] <= 3))
				expected += 1;
	}
	Recomputed out;
	recompute.Finish(&out);
	EXPECT_EQ(out.state.activity_count, matching_rows);
	EXPECT_DOUBLE_EQ(out.state.stored, expected);
}
