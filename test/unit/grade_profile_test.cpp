// Grade profiles: validation, the base moved by matching criteria,
// saturation once at the end, NULL never matching, jsonb schemas.
#include "core/base/error.hpp"
#include "core/model/grade_profile.hpp"

#include <gtest/gtest.h>

#include <string>

namespace leadscore::core {
namespace {

GradeRank G(const char *text) {
	GradeRank g = 0;
	EXPECT_TRUE(ParseGrade(text, &g)) << text;
	return g;
}

GradeProfileSpec Icp() {
	GradeProfileSpec p;
	p.name = "crm_icp";
	p.base = G("C");
	p.criteria = {
	    {1, "mid-market", "employees >= 200", 2},
	    {2, "decision maker", "job_title ~* '(chief|head|vp|director)'", 1},
	    {3, "student", "job_title ~* 'student'", -4},
	    {4, "competitor", "email ILIKE '%@competitor.com'", -13 + 1},
	};
	return p;
}

Schema LeadColumns() {
	return {{"employees", ValueType::Int}, {"job_title", ValueType::Text}, {"email", ValueType::Text}};
}


GradeRank GradeOf(const CompiledGradeProfile &p, Value employees, Value title, Value email,
                  std::vector<std::size_t> *matched = nullptr) {
	std::vector<Value> row = {employees, title, email};
	return p.Grade(row.data(), row.size(), matched);
}

TEST(GradeProfile, BaseMovedByMatchingCriteria) {
	auto p = CompiledGradeProfile::Compile(Icp(), LeadColumns());
	EXPECT_EQ(GradeOf(p, Value::Int(10), Value::Text("Engineer"), Value::Text("a@b.com")), G("C"));
	EXPECT_EQ(GradeOf(p, Value::Int(500), Value::Text("Engineer"), Value::Text("a@b.com")), G("B-"));
	std::vector<std::size_t> matched;
	EXPECT_EQ(GradeOf(p, Value::Int(500), Value::Text("Head of IT"), Value::Text("a@b.com"), &matched), G("B"));
	EXPECT_EQ(matched, (std::vector<std::size_t>{0, 1}));
	EXPECT_EQ(GradeOf(p, Value::Int(500), Value::Text("Student"), Value::Text("a@b.com")), G("D+"));
}

TEST(GradeProfile, SaturatesOnceAtTheEnd) {
	GradeProfileSpec spec = Icp();
	spec.base = G("A");
	spec.criteria.push_back({5, "big", "employees >= 1000", 3});
	auto p = CompiledGradeProfile::Compile(spec, LeadColumns());
	// A + 2 + 3 = A+ (saturated); the order of criteria does not matter.
	EXPECT_EQ(GradeOf(p, Value::Int(5000), Value::Text("x"), Value::Text("x")), G("A+"));
	// A + 2 + 3 - 4 (student): 1 step above A, i.e. A+; saturating per
	// criterion would give A+ - 4 = B+ instead.
	EXPECT_EQ(GradeOf(p, Value::Int(5000), Value::Text("student"), Value::Text("x")), G("A+"));
	// A + 2 + 3 + 1 - 12 (competitor) = C.
	EXPECT_EQ(GradeOf(p, Value::Int(5000), Value::Text("vp"), Value::Text("x@competitor.com")), G("C"));
}

TEST(GradeProfile, NullAndGarbageNeverMatch) {
	auto p = CompiledGradeProfile::Compile(Icp(), LeadColumns());
	EXPECT_EQ(GradeOf(p, Value::Null(), Value::Null(), Value::Null()), G("C"));
	// A jsonb lead: attributes typed per value; text that is no number is
	// unknown in a numeric comparison, never an error.
	GradeProfileSpec spec = Icp();
	Schema jsonb = AttributeSchema(spec);
	ASSERT_EQ(jsonb.size(), 3u);
	EXPECT_EQ(jsonb[0].name, "email");
	EXPECT_EQ(jsonb[1].name, "employees");
	EXPECT_EQ(jsonb[2].name, "job_title");
	auto any = CompiledGradeProfile::Compile(spec, jsonb);
	std::vector<Value> row = {Value::Text("x@y.com"), Value::Text("lots"), Value::Text("Chief Executive")};
	EXPECT_EQ(any.Grade(row.data(), row.size()), G("C+"));
	row[1] = Value::Text("250");
	EXPECT_EQ(any.Grade(row.data(), row.size()), G("B"));
}

TEST(GradeProfile, UnknownColumnNamesTheCriterion) {
	GradeProfileSpec spec = Icp();
	spec.criteria.push_back({5, "rich", "annual_revenue > 50e6", 1});
	try {
		CompiledGradeProfile::Compile(spec, LeadColumns());
		FAIL() << "compiled";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::UndefinedColumn);
		EXPECT_NE(e.detail().find("criterion \"rich\" of grade profile \"crm_icp\""), std::string::npos) << e.detail();
	}
}

ErrorKind KindOf(const GradeProfileSpec &p, const CriterionSpec &c) {
	try {
		ValidateCriterion(p, c);
	} catch (const Error &e) {
		return e.kind();
	}
	return ErrorKind::Internal;
}

TEST(GradeProfile, ValidateCriterion) {
	GradeProfileSpec p = Icp();
	EXPECT_NO_THROW(ValidateCriterion(p, {0, "new", "country = 'DE'", 12}));
	EXPECT_NO_THROW(ValidateCriterion(p, {0, "new", "country = 'DE'", -12}));
	EXPECT_EQ(KindOf(p, {0, "new", "country = 'DE'", 13}), ErrorKind::OutOfRange);
	EXPECT_EQ(KindOf(p, {0, "new", "country = 'DE'", -13}), ErrorKind::OutOfRange);
	EXPECT_EQ(KindOf(p, {0, "new", "country = 'DE'", 0}), ErrorKind::InvalidValue);
	EXPECT_EQ(KindOf(p, {0, "", "country = 'DE'", 1}), ErrorKind::InvalidValue);
	EXPECT_EQ(KindOf(p, {0, "new", "", 1}), ErrorKind::InvalidValue);
	EXPECT_EQ(KindOf(p, {0, "student", "country = 'DE'", 1}), ErrorKind::DuplicateObject);
	EXPECT_EQ(KindOf(p, {0, "new", "country = ", 1}), ErrorKind::Syntax);
	EXPECT_EQ(KindOf(p, {0, "new", "country ~ '('", 1}), ErrorKind::InvalidRegex);
	// A criterion already in the profile does not clash with itself.
	EXPECT_NO_THROW(ValidateCriterion(p, p.criteria[0]));
}

} // namespace
} // namespace leadscore::core
